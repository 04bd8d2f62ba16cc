-- Console access (issue 14): roles on admin keys, and approvals of large activations.
-- 1. Admin keys get a role: owner (everything), editor (campaigns, segments, locations, test sends),
--    viewer (read-only); and the approver right (owners have it implicitly). Keys that existed before
--    roles were owners: the column is NULL for write and server keys.
ALTER TABLE api_keys ADD COLUMN role TEXT CHECK (role IS NULL OR role IN ('owner', 'editor', 'viewer'));
ALTER TABLE api_keys ADD COLUMN approver INTEGER NOT NULL DEFAULT 0;
UPDATE api_keys SET role = 'owner' WHERE kind = 'admin' AND role IS NULL;

-- 2. Approval requests: activating a campaign whose estimated audience exceeds the app's
--    `approvals.audienceOver` waits for a different person with the approver right.
CREATE TABLE approvals (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  campaign_id TEXT NOT NULL,
  -- The version that was asked for: a change to the campaign afterwards needs a new request.
  campaign_version INTEGER NOT NULL,
  action TEXT NOT NULL DEFAULT 'activate',
  -- pending → approved | rejected; a newer request for the same campaign supersedes a pending one.
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
  -- The audience estimate (upper bound) and the threshold it exceeded, at request time.
  audience INTEGER NOT NULL,
  threshold INTEGER NOT NULL,
  -- Who: `key:<prefix>` or `access:<email>` (Cloudflare Access).
  requested_by TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  decided_by TEXT,
  decided_at INTEGER,
  note TEXT
);
CREATE INDEX approvals_app_status ON approvals(app_id, status, requested_at);
CREATE INDEX approvals_campaign ON approvals(campaign_id, status);
