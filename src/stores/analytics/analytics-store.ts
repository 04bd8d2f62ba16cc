import type { AnalyticsMessage, CounterRow } from "../../domain/analytics/counters";
import { aggregate } from "../../domain/analytics/counters";

/** How long applied message keys are remembered (a queue keeps a message 4 days at most). */
const KEY_RETENTION_MS = 14 * 24 * 3600 * 1000;
/** Counter rows per statement: they travel as one JSON parameter. */
const ROWS_PER_STATEMENT = 400;
/** Keys per statement: D1 binds at most 100 parameters (a key row binds two: key and time). */
const KEYS_PER_STATEMENT = 90;
const KEY_ROWS_PER_INSERT = 45;

const UPSERT_COUNTS_SQL = `INSERT INTO analytics_counts (app_id, kind, subject, day, dim, value, step, bucket, n)
  SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'), json_extract(j.value, '$[4]'),
         json_extract(j.value, '$[5]'), json_extract(j.value, '$[6]'), json_extract(j.value, '$[7]'), json_extract(j.value, '$[8]')
  FROM json_each(?1) AS j WHERE true
  ON CONFLICT (app_id, kind, subject, day, dim, value, step, bucket) DO UPDATE SET n = n + excluded.n`;

/**
 * Applies analytics messages exactly once. The message keys are inserted (plain INSERT) in the
 * same D1 batch — one transaction — as the counter increments: a key applied before makes the
 * whole batch fail and roll back, and the retry leaves out the keys D1 already has. Increments
 * of the remaining messages are summed per counter first, so a batch costs one upsert per
 * counter touched, however many events it carries.
 */
export async function applyAnalyticsCounts(
  d1: D1Database,
  messages: readonly AnalyticsMessage[],
  now = Date.now(),
): Promise<void> {
  const unique = new Map<string, AnalyticsMessage>();
  for (const m of messages) unique.set(m.key, m);
  if (unique.size === 0) return;
  try {
    await applyOnce(d1, [...unique.values()], now);
  } catch (err) {
    if (!/UNIQUE|constraint/i.test(String(err))) throw err;
    // A redelivered message: leave out what D1 already counted, and apply the rest.
    const keys = [...unique.keys()];
    const known = new Set<string>();
    for (let i = 0; i < keys.length; i += KEYS_PER_STATEMENT) {
      const chunk = keys.slice(i, i + KEYS_PER_STATEMENT);
      const rows = await d1
        .prepare(`SELECT key FROM analytics_batches WHERE key IN (${chunk.map(() => "?").join(", ")})`)
        .bind(...chunk)
        .all<{ key: string }>();
      for (const r of rows.results) known.add(r.key);
    }
    const rest = [...unique.values()].filter((m) => !known.has(m.key));
    if (rest.length > 0) await applyOnce(d1, rest, now);
  }
}

async function applyOnce(d1: D1Database, messages: AnalyticsMessage[], now: number): Promise<void> {
  const byApp = new Map<string, CounterRow[]>();
  for (const m of messages) {
    const list = byApp.get(m.appId) ?? [];
    for (const r of m.counts) list.push(r);
    byApp.set(m.appId, list);
  }
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < messages.length; i += KEY_ROWS_PER_INSERT) {
    const chunk = messages.slice(i, i + KEY_ROWS_PER_INSERT);
    statements.push(
      d1
        .prepare(`INSERT INTO analytics_batches (key, at) VALUES ${chunk.map(() => "(?, ?)").join(", ")}`)
        .bind(...chunk.flatMap((m) => [m.key, now])),
    );
  }
  const upsert = d1.prepare(UPSERT_COUNTS_SQL);
  for (const [appId, rows] of byApp) {
    const summed = aggregate(rows);
    for (let i = 0; i < summed.length; i += ROWS_PER_STATEMENT) {
      statements.push(
        upsert.bind(
          JSON.stringify(
            summed
              .slice(i, i + ROWS_PER_STATEMENT)
              .map((r) => [appId, r.kind, r.subject, r.day, r.dim, r.value, r.step, r.bucket, r.n]),
          ),
        ),
      );
    }
  }
  statements.push(d1.prepare(`DELETE FROM analytics_batches WHERE at < ?`).bind(now - KEY_RETENTION_MS));
  await d1.batch(statements);
}

/** A counter row as read back for one kind. */
export type CountRow = Omit<CounterRow, "kind">;

/** Counter rows of one kind (and subject, if given) over a day range. */
export async function readCounts(
  d1: D1Database,
  appId: string,
  kind: string,
  q: { subject?: string; from: string; to: string; dim?: string },
): Promise<CountRow[]> {
  const where = [`app_id = ?1`, `kind = ?2`, `day >= ?3`, `day <= ?4`];
  const binds: unknown[] = [appId, kind, q.from, q.to];
  if (q.subject !== undefined) {
    binds.push(q.subject);
    where.push(`subject = ?${binds.length}`);
  }
  if (q.dim !== undefined) {
    binds.push(q.dim);
    where.push(`dim = ?${binds.length}`);
  }
  const rows = await d1
    .prepare(`SELECT subject, day, dim, value, step, bucket, n FROM analytics_counts WHERE ${where.join(" AND ")}`)
    .bind(...binds)
    .all<CountRow>();
  return rows.results;
}
