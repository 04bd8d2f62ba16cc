-- Tenancy: apps and their keys. Keys are stored as SHA-256 hashes only.
CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}',
  -- Bumped on every configuration change (settings, campaigns, fences, segments);
  -- travels with each UserObject call so edits take effect within seconds.
  config_version INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
  key_hash TEXT PRIMARY KEY,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('write', 'admin')),
  label TEXT NOT NULL DEFAULT '',
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX api_keys_app ON api_keys(app_id);

-- The users index: one row per user, written by the INDEX queue consumer (one write per state change).
CREATE TABLE users (
  app_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  lifecycle TEXT NOT NULL,
  loyal INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  sessions INTEGER NOT NULL DEFAULT 0,
  purchases INTEGER NOT NULL DEFAULT 0,
  revenue REAL NOT NULL DEFAULT 0,
  -- distinct purchase days (BG/NBD x + 1), first and last purchase times
  purchase_days INTEGER NOT NULL DEFAULT 0,
  first_purchase INTEGER,
  last_purchase INTEGER,
  timezone TEXT,
  attrs TEXT NOT NULL DEFAULT '{}',
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (app_id, user_id)
);
CREATE INDEX users_lifecycle ON users(app_id, lifecycle);
CREATE INDEX users_last_seen ON users(app_id, last_seen);
