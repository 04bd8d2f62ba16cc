-- Product analytics (README "Analytics"): funnel definitions, and the app-wide counters every
-- person's object adds to through the INDEX queue (funnels, retention cohorts, lifecycle flow).

CREATE TABLE IF NOT EXISTS funnels (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  definition TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS funnels_app ON funnels(app_id, created_at);

-- One row per (kind, subject, day, breakdown, step, time bucket): writes grow with the days and
-- values counted, never with the number of events (src/analytics/counters.ts).
CREATE TABLE IF NOT EXISTS analytics_counts (
  app_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  day TEXT NOT NULL,
  dim TEXT NOT NULL DEFAULT '',
  value TEXT NOT NULL DEFAULT '',
  step INTEGER NOT NULL DEFAULT 0,
  bucket INTEGER NOT NULL DEFAULT -1,
  n INTEGER NOT NULL,
  PRIMARY KEY (app_id, kind, subject, day, dim, value, step, bucket)
) WITHOUT ROWID;

-- Keys of the analytics messages already applied, with when (consumer wall clock) they were: a
-- redelivered message is refused (kept 14 days; a queue holds a message 4 days at most).
CREATE TABLE IF NOT EXISTS analytics_batches (
  key TEXT PRIMARY KEY,
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS analytics_batches_at ON analytics_batches(at);
