-- Identity verification (README "Identity verification").
-- 1. Server keys (`bk_s_…`): a third api_keys kind, for backends and warehouse syncs. SQLite cannot
--    change a CHECK constraint in place, so the table is rebuilt (nothing references it).
CREATE TABLE api_keys_next (
  key_hash TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('write', 'admin', 'server')),
  label TEXT NOT NULL DEFAULT '',
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
INSERT INTO api_keys_next (key_hash, app_id, kind, label, prefix, created_at, revoked_at)
  SELECT key_hash, app_id, kind, label, prefix, created_at, revoked_at FROM api_keys;
DROP TABLE api_keys;
ALTER TABLE api_keys_next RENAME TO api_keys;
CREATE INDEX api_keys_app ON api_keys(app_id);

-- 2. The keys user tokens are verified with. HS256: the shared secret, AES-GCM encrypted with a key
--    derived from the IDENTITY_KEYS_SECRET Worker secret (HS256 needs the secret itself to verify, so it
--    cannot be hashed). ES256/RS256: the public key as a JWK (not secret).
CREATE TABLE identity_keys (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  alg TEXT NOT NULL CHECK (alg IN ('HS256', 'ES256', 'RS256')),
  label TEXT NOT NULL DEFAULT '',
  material TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  -- Refreshed at most once an hour per isolate when a token verifies with this key.
  last_used_at INTEGER
);
CREATE INDEX identity_keys_app ON identity_keys(app_id);
