import { sql } from "drizzle-orm";
import { DAY, type Millis } from "../kernel/clock";
import { loadAppConfig } from "../stores/config/app-config";
import { database } from "../stores/d1/client";
import { apps } from "../stores/d1/schema";
import type { Env } from "../env";
import { bumpConfigVersion } from "../stores/config/config-version";
import { NIGHTLY_CRON, registerScheduledJob } from "./scheduled";
import { type BgNbdCustomer, WEEK } from "../domain/segments/bgnbd";
import { type BgNbdFit, fitBgNbd } from "../domain/segments/bgnbd-fit";
import { ATTR } from "../domain/segments/index-attrs";
import { LIFECYCLE_STATES } from "../domain/lifecycle/lifecycle";
import { acceptFit } from "../domain/segments/fit-acceptance";
import { type AppModel, loadModel, saveModel } from "../stores/segments/model-store";
import { type CutPoints, quintileRanks, type RfmCutPoints } from "../domain/segments/rfm";
import { PURCHASERS, rfmSql } from "../domain/segments/rfm-sql";
import { type IndexShards, indexShards } from "../stores/d1/index-shards";
import { mergeGroups, sumRows } from "../stores/d1/shard-merge";
import { kthAcross } from "../stores/segments/rank-select";

/**
 * The nightly segmentation job, per app:
 *  1. RFM quintile cut points over the purchasers in the users index,
 *  2. the BG/NBD fit over the same purchasers' (x, t_x, T),
 *  3. both stored as a new `model_params` version, and the config version bumped
 *     so every UserObject scores with them from its next event or timer,
 *  4. RFM transitions since the last run (per-user segments kept in `rfm_memberships`),
 *  5. the day's snapshot: lifecycle distribution, loyal, DAU/WAU/MAU, RFM and churn-band counts.
 * Also run on demand by `POST /admin/segments/recompute` (with the request's clock).
 * Every step reads all index shards and gives what one database would (docs/scale.md); memberships
 * and transitions live in each person's shard, the model and the snapshot in `DB`.
 */

/** The fit groups identical (x, t_x, T); beyond this many groups it coarsens time from days to weeks. */
const MAX_FIT_GROUPS = 20_000;

export interface RecomputeResult {
  appId: string;
  day: string;
  model: AppModel;
  transitions: number;
  snapshot: Snapshot;
}

export interface Snapshot {
  day: string;
  total: number;
  lifecycle: Record<string, number>;
  loyal: number;
  dau: number;
  wau: number;
  mau: number;
  rfm: Record<string, number>;
  churn: Record<string, number>;
}

export const dayOf = (t: Millis) => new Date(t).toISOString().slice(0, 10);

export async function recomputeApp(env: Env, appId: string, now: Millis): Promise<RecomputeResult> {
  const shards = indexShards(env);
  const day = dayOf(now);
  const counts = await shards.across((d1) =>
    d1
      .prepare(`SELECT count(*) AS n FROM users WHERE app_id = ?1 AND ${PURCHASERS}`)
      .bind(appId)
      .first<{ n: number }>(),
  );
  const purchasers = sumRows(counts, ["n"])?.n ?? 0;

  const cutPoints = purchasers > 0 ? await rfmCutPoints(shards, appId, purchasers, now) : null;
  const fresh = purchasers > 0 ? await fitFromIndex(shards, appId, now) : null;
  const { bgnbd, rejected } = acceptFit(fresh, (await loadModel(env.DB, appId)).bgnbd, now);
  if (rejected) console.warn(`BG/NBD fit for ${appId} refused: ${rejected.reason}`);
  const model = await saveModel(env.DB, appId, {
    computedAt: now,
    purchasers,
    cutPoints,
    bgnbd,
    bgnbdRejected: rejected,
  });
  await bumpConfigVersion(env.DB, appId);
  // Warm this isolate's compiled config, so objects served here score with the new model at once.
  await warmConfig(env.DB, appId);

  const transitions = cutPoints
    ? (await shards.across((d1) => recordTransitions(d1, appId, cutPoints, now, day))).reduce((a, n) => a + n, 0)
    : 0;
  const snapshot = await takeSnapshot(env.DB, shards, appId, cutPoints, now, day);
  return { appId, day, model, transitions, snapshot };
}

async function warmConfig(d1: D1Database, appId: string): Promise<void> {
  const [row] = await database(d1).select({ v: apps.configVersion }).from(apps).where(sql`${apps.id} = ${appId}`);
  if (row) await loadAppConfig(d1, appId, row.v);
}

const q = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Nearest-rank quintiles (see rfm.ts): the k-th value over every shard (src/stores/segments/rank-select.ts). */
async function rfmCutPoints(shards: IndexShards, appId: string, n: number, now: Millis): Promise<RfmCutPoints> {
  const ranks = quintileRanks(n);
  const where = `app_id = ${q(appId)} AND ${PURCHASERS}`;
  const values = await Promise.all(
    [`(MAX(0, ${now} - last_purchase) / ${DAY}.0)`, "purchases", "revenue"].flatMap((value) =>
      ranks.map((k) => kthAcross(shards, value, where, k)),
    ),
  );
  return {
    recencyDays: values.slice(0, 4) as CutPoints,
    frequency: values.slice(4, 8) as CutPoints,
    monetary: values.slice(8, 12) as CutPoints,
    n,
  };
}

/**
 * Each purchaser's (x, t_x, T) in weeks from the index: x = purchase_days − 1,
 * t_x = (last − first purchase), T = (now − first purchase). Identical triples are
 * grouped in SQL (times at day resolution, or week resolution for very large apps)
 * and fitted with weights, so the fit's cost does not grow with the number of users.
 */
async function fitFromIndex(shards: IndexShards, appId: string, now: Millis): Promise<BgNbdFit | null> {
  for (const unit of [DAY, WEEK]) {
    const parts = await shards.across(async (d1) => {
      const rows = await d1
        .prepare(
          `SELECT purchase_days - 1 AS x, ROUND((last_purchase - first_purchase) / CAST(?1 AS REAL)) AS tx, ROUND((?2 - first_purchase) / CAST(?1 AS REAL)) AS t, count(*) AS n
         FROM users WHERE app_id = ?3 AND purchase_days > 0 AND first_purchase IS NOT NULL AND last_purchase IS NOT NULL AND first_purchase < ?2
         GROUP BY 1, 2, 3 LIMIT ?4`,
        )
        .bind(unit, now, appId, unit === DAY ? MAX_FIT_GROUPS + 1 : -1) // LIMIT -1: no limit at week resolution
        .all<{ x: number; tx: number; t: number; n: number }>();
      return rows.results;
    });
    // Groups in the order one database's GROUP BY gives them, so the fit sums in the same order.
    const groups = mergeGroups(parts, { keys: ["x", "tx", "t"], sums: ["n"] }).sort(
      (a, b) => a.x - b.x || a.tx - b.tx || a.t - b.t,
    );
    if (groups.length > MAX_FIT_GROUPS && unit === DAY) continue;
    const scale = unit / WEEK;
    const customers: BgNbdCustomer[] = groups
      .filter((r) => r.t > 0)
      .map((r) => ({ x: r.x, tx: Math.min(r.tx, r.t) * scale, T: r.t * scale, weight: r.n }));
    return fitBgNbd(customers);
  }
  return null;
}

/** Counts purchasers whose segment changed since the last run, and remembers everyone's current segment. */
async function recordTransitions(
  d1: D1Database,
  appId: string,
  cuts: RfmCutPoints,
  now: Millis,
  day: string,
): Promise<number> {
  const rfm = rfmSql(cuts, now);
  const app = q(appId);
  const current = `SELECT user_id, ${rfm.segment} AS segment FROM users WHERE app_id = ${app} AND ${PURCHASERS}`;
  const changed = `FROM (${current}) c LEFT JOIN rfm_memberships m ON m.app_id = ${app} AND m.user_id = c.user_id WHERE m.segment IS NULL OR m.segment <> c.segment`;
  const [moved] = await d1.batch<{ n: number }>([
    d1.prepare(`SELECT count(*) AS n ${changed}`),
    d1.prepare(
      `INSERT INTO rfm_transitions (app_id, day, from_segment, to_segment, users)
       SELECT ${app}, ${q(day)}, COALESCE(m.segment, ''), c.segment, count(*) ${changed}
       GROUP BY 3, 4
       ON CONFLICT (app_id, day, from_segment, to_segment) DO UPDATE SET users = users + excluded.users`,
    ),
    d1.prepare(
      `INSERT INTO rfm_memberships (app_id, user_id, segment, since)
       SELECT ${app}, user_id, segment, ${now} FROM (${current}) WHERE true
       ON CONFLICT (app_id, user_id) DO UPDATE SET segment = excluded.segment, since = excluded.since WHERE rfm_memberships.segment <> excluded.segment`,
    ),
    d1.prepare(
      `DELETE FROM rfm_memberships WHERE app_id = ${app} AND user_id NOT IN (SELECT user_id FROM users WHERE app_id = ${app} AND ${PURCHASERS})`,
    ),
  ]);
  return moved?.results[0]?.n ?? 0;
}

export async function takeSnapshot(
  d1: D1Database,
  shards: IndexShards,
  appId: string,
  cuts: RfmCutPoints | null,
  now: Millis,
  day: string,
): Promise<Snapshot> {
  const app = q(appId);
  const statements = (d1: D1Database) => [
    d1.prepare(
      `SELECT lifecycle AS k, count(*) AS n, SUM(loyal) AS loyal FROM users WHERE app_id = ${app} GROUP BY lifecycle`,
    ),
    d1.prepare(
      `SELECT SUM(last_seen >= ${now - DAY}) AS dau, SUM(last_seen >= ${now - 7 * DAY}) AS wau, SUM(last_seen >= ${now - 30 * DAY}) AS mau FROM users WHERE app_id = ${app}`,
    ),
    d1.prepare(
      `SELECT json_extract(attrs, '$.${ATTR.churnBand}') AS k, count(*) AS n FROM users WHERE app_id = ${app} AND json_extract(attrs, '$.${ATTR.churnBand}') IS NOT NULL GROUP BY 1`,
    ),
    ...(cuts
      ? [
          d1.prepare(
            `SELECT ${rfmSql(cuts, now).segment} AS k, count(*) AS n FROM users WHERE app_id = ${app} AND ${PURCHASERS} GROUP BY 1`,
          ),
        ]
      : []),
  ];
  const perShard = await shards.across(async (db) =>
    (await db.batch<Record<string, number | string>>(statements(db))).map((r) => r.results),
  );
  const part = (i: number) => perShard.map((results) => results[i] ?? []);
  const lifecycleRows = mergeGroups(part(0), { keys: ["k"], sums: ["n", "loyal"] });
  const activityRows = [sumRows(part(1).flat(), ["dau", "wau", "mau"]) ?? {}];
  const churnRows = mergeGroups(part(2), { keys: ["k"], sums: ["n"] });
  const rfmRows = cuts ? mergeGroups(part(3), { keys: ["k"], sums: ["n"] }) : [];
  const lifecycle: Record<string, number> = Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0]));
  let total = 0;
  let loyal = 0;
  for (const r of lifecycleRows ?? []) {
    lifecycle[String(r.k)] = Number(r.n);
    total += Number(r.n);
    loyal += Number(r.loyal ?? 0);
  }
  const activity = activityRows?.[0] ?? {};
  const snapshot: Snapshot = {
    day,
    total,
    lifecycle,
    loyal,
    dau: Number(activity.dau ?? 0),
    wau: Number(activity.wau ?? 0),
    mau: Number(activity.mau ?? 0),
    rfm: Object.fromEntries((rfmRows ?? []).map((r) => [String(r.k), Number(r.n)])),
    churn: Object.fromEntries((churnRows ?? []).map((r) => [String(r.k), Number(r.n)])),
  };
  await d1
    .prepare(
      `INSERT INTO daily_snapshots (app_id, day, taken_at, total, lifecycle, loyal, dau, wau, mau, rfm, churn) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
       ON CONFLICT (app_id, day) DO UPDATE SET taken_at = excluded.taken_at, total = excluded.total, lifecycle = excluded.lifecycle, loyal = excluded.loyal,
         dau = excluded.dau, wau = excluded.wau, mau = excluded.mau, rfm = excluded.rfm, churn = excluded.churn`,
    )
    .bind(
      appId,
      day,
      now,
      total,
      JSON.stringify(lifecycle),
      loyal,
      snapshot.dau,
      snapshot.wau,
      snapshot.mau,
      JSON.stringify(snapshot.rfm),
      JSON.stringify(snapshot.churn),
    )
    .run();
  return snapshot;
}

/** Every app, a page at a time; one failing app does not stop the others. */
export async function runNightlySegmentation(env: Env, now: Millis): Promise<void> {
  let after = "";
  for (;;) {
    const page = await database(env.DB)
      .select({ id: apps.id })
      .from(apps)
      .where(sql`${apps.id} > ${after}`)
      .orderBy(apps.id)
      .limit(100);
    for (const app of page) {
      try {
        await recomputeApp(env, app.id, now);
      } catch (err) {
        console.error(`segmentation job failed for app ${app.id}`, err);
      }
    }
    if (page.length < 100) return;
    after = page[page.length - 1]!.id;
  }
}

registerScheduledJob("segments-nightly", async (env, cron, now) => {
  if (cron === NIGHTLY_CRON) await runNightlySegmentation(env, now);
});
