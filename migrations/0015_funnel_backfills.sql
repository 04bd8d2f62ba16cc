-- Funnel backfills (docs/analytics.md "Funnel backfill"): each run replays exported events of a day range
-- before the funnel existed. The range is recorded so a second backfill of the same days is refused; the
-- cursor is the next UTC hour partition to replay (NULL once the run is done).

CREATE TABLE IF NOT EXISTS funnel_backfills (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  funnel_id TEXT NOT NULL,
  from_day TEXT NOT NULL,
  to_day TEXT NOT NULL,
  -- Events received before this instant (ms; the funnel's creation) are replayed; later ones were counted live.
  until_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  cursor TEXT,
  files INTEGER NOT NULL DEFAULT 0,
  events INTEGER NOT NULL DEFAULT 0,
  entries INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS funnel_backfills_funnel ON funnel_backfills(app_id, funnel_id, from_day);
