-- Campaigns: the editable head row, and immutable versions (users inside a journey finish the version they entered).
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'archived')),
  version INTEGER NOT NULL,
  definition TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX campaigns_app ON campaigns(app_id, status);

CREATE TABLE campaign_versions (
  campaign_id TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  definition TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, version)
);

-- One row per counted fact (entered, sent, delivered, opened, clicked, converted…); dedupe_key makes each count once.
CREATE TABLE campaign_stats (
  dedupe_key TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  variant TEXT NOT NULL,
  kind TEXT NOT NULL,
  user_id TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX campaign_stats_campaign ON campaign_stats(campaign_id, variant, kind);

-- Broadcast runs (scheduled campaigns to a segment): one row per occurrence, so a cron retry never sends twice.
CREATE TABLE broadcast_runs (
  campaign_id TEXT NOT NULL,
  occurrence TEXT NOT NULL,
  status TEXT NOT NULL,
  cursor TEXT,
  users INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  PRIMARY KEY (campaign_id, occurrence)
);
