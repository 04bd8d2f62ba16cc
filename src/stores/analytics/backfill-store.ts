/**
 * Funnel backfill runs in D1 (`funnel_backfills`, migrations/0015_funnel_backfills.sql). A run records the
 * day range it replays, so a second backfill overlapping it is refused (one conditional INSERT: two
 * concurrent requests cannot both pass), and a cursor that only moves forward, so a redelivered chunk
 * finds its work done.
 */
export interface BackfillRun {
  id: string;
  appId: string;
  funnelId: string;
  from: string;
  to: string;
  /** Events received before this (the funnel's creation, ms) are replayed. */
  until: number;
  status: "running" | "done";
  /** The next hour partition to replay (`YYYY-MM-DD/HH`), null once done. */
  cursor: string | null;
  files: number;
  events: number;
  entries: number;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  app_id: string;
  funnel_id: string;
  from_day: string;
  to_day: string;
  until_ms: number;
  status: "running" | "done";
  cursor: string | null;
  files: number;
  events: number;
  entries: number;
  created_at: number;
  updated_at: number;
}

const COLUMNS = `id, app_id, funnel_id, from_day, to_day, until_ms, status, cursor, files, events, entries, created_at, updated_at`;

const toRun = (r: Row): BackfillRun => ({
  id: r.id,
  appId: r.app_id,
  funnelId: r.funnel_id,
  from: r.from_day,
  to: r.to_day,
  until: r.until_ms,
  status: r.status,
  cursor: r.cursor,
  files: r.files,
  events: r.events,
  entries: r.entries,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Records a new run unless one of the funnel's runs overlaps `from`..`to`: returns the run, or the
 * overlapping run (`conflict`) when refused.
 */
export async function insertBackfillRun(
  d1: D1Database,
  run: {
    id: string;
    appId: string;
    funnelId: string;
    from: string;
    to: string;
    until: number;
    cursor: string;
    now: number;
  },
): Promise<{ run: BackfillRun } | { conflict: BackfillRun }> {
  const inserted = await d1
    .prepare(
      `INSERT INTO funnel_backfills (${COLUMNS})
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'running', ?7, 0, 0, 0, ?8, ?8
       WHERE NOT EXISTS (SELECT 1 FROM funnel_backfills WHERE app_id = ?2 AND funnel_id = ?3 AND from_day <= ?5 AND to_day >= ?4)
       RETURNING ${COLUMNS}`,
    )
    .bind(run.id, run.appId, run.funnelId, run.from, run.to, run.until, run.cursor, run.now)
    .first<Row>();
  if (inserted) return { run: toRun(inserted) };
  const other = await d1
    .prepare(
      `SELECT ${COLUMNS} FROM funnel_backfills WHERE app_id = ? AND funnel_id = ? AND from_day <= ? AND to_day >= ? ORDER BY from_day LIMIT 1`,
    )
    .bind(run.appId, run.funnelId, run.to, run.from)
    .first<Row>();
  if (!other) throw new Error("backfill refused without an overlapping run");
  return { conflict: toRun(other) };
}

export async function getBackfillRun(d1: D1Database, id: string): Promise<BackfillRun | null> {
  const row = await d1.prepare(`SELECT ${COLUMNS} FROM funnel_backfills WHERE id = ?`).bind(id).first<Row>();
  return row ? toRun(row) : null;
}

export async function listBackfillRuns(d1: D1Database, appId: string, funnelId: string): Promise<BackfillRun[]> {
  const rows = await d1
    .prepare(`SELECT ${COLUMNS} FROM funnel_backfills WHERE app_id = ? AND funnel_id = ? ORDER BY from_day`)
    .bind(appId, funnelId)
    .all<Row>();
  return rows.results.map(toRun);
}

/**
 * Moves a run's cursor from `at` to `next` (null: done) and adds the chunk's figures. Conditional on the
 * cursor still being `at`: a chunk replayed twice adds its figures once. Returns whether it moved.
 */
export async function advanceBackfillRun(
  d1: D1Database,
  id: string,
  at: string,
  next: string | null,
  add: { files: number; events: number; entries: number },
  now: number,
): Promise<boolean> {
  const res = await d1
    .prepare(
      `UPDATE funnel_backfills SET cursor = ?3, status = ?4, files = files + ?5, events = events + ?6, entries = entries + ?7, updated_at = ?8
       WHERE id = ?1 AND cursor = ?2`,
    )
    .bind(id, at, next, next === null ? "done" : "running", add.files, add.events, add.entries, now)
    .run();
  return (res.meta.changes ?? 0) > 0;
}

/** Removes a run that was never queued (its range is free again). */
export async function deleteBackfillRun(d1: D1Database, id: string): Promise<void> {
  await d1.prepare(`DELETE FROM funnel_backfills WHERE id = ? AND files = 0`).bind(id).run();
}
