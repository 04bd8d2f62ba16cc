import { sql } from "drizzle-orm";
import { database } from "../d1/client";
import { userHash } from "../erasure";
import { campaignStats } from "../d1/schema";
import type { CampaignStat } from "../../domain/campaigns/campaign-stat";

/**
 * Records facts; repeats of a dedupe key are ignored. A fact about an erased person (it was on
 * the queue when they were erased) is counted under the erasure's pseudonym, never their id.
 */
export async function recordCampaignStats(d1: D1Database, all: CampaignStat[]): Promise<void> {
  // Test sends (keys `test:…`, src/engine/features/journey/test-message.ts) are never counted: they would skew the campaign's funnel.
  const stats = all.filter((s) => !s.dedupeKey.startsWith("test:"));
  if (stats.length === 0) return;
  const hashes = new Map<string, string>();
  for (const s of stats) {
    const k = `${s.appId}\u0000${s.userId}`;
    if (!hashes.has(k)) hashes.set(k, await userHash(s.appId, s.userId));
  }
  // Ten rows per statement (8 values each stays under D1's 100 bound parameters, and few statements
  // stay far below its queries-per-invocation limit), all in one round trip. Fixed SQL: queue consumers
  // call this for every batch, where drizzle's query builder cost more than the insert.
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < stats.length; i += ROWS_PER_STATEMENT) {
    const rows = stats.slice(i, i + ROWS_PER_STATEMENT);
    statements.push(
      d1
        .prepare(insertStatsSql(rows.length))
        .bind(
          ...rows.flatMap((s) => [
            s.dedupeKey,
            s.appId,
            s.campaignId,
            s.variant,
            s.kind,
            s.userId,
            s.at,
            hashes.get(`${s.appId}\u0000${s.userId}`)!,
          ]),
        ),
    );
  }
  await d1.batch(statements);
}

const ROWS_PER_STATEMENT = 10;
/** `INSERT` of n rows into `campaign_stats` (columns as in src/stores/d1/schema.ts), through the erasure tombstones (migrations/0007). */
const insertStatsSql = (n: number) =>
  `INSERT INTO campaign_stats (dedupe_key, app_id, campaign_id, variant, kind, user_id, at)
   SELECT v.column1, v.column2, v.column3, v.column4, v.column5, CASE WHEN e.version >= v.column7 THEN e.pseudonym ELSE v.column6 END, v.column7
   FROM (VALUES ${Array.from({ length: n }, () => "(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}) AS v
   LEFT JOIN erasures e ON e.app_id = v.column2 AND e.user_hash = v.column8
   WHERE true ON CONFLICT DO NOTHING`;

/** Counts per variant and kind. */
export async function campaignFunnel(
  d1: D1Database,
  campaignId: string,
): Promise<Array<{ variant: string; kind: string; n: number }>> {
  return database(d1)
    .select({ variant: campaignStats.variant, kind: campaignStats.kind, n: sql<number>`count(*)` })
    .from(campaignStats)
    .where(sql`${campaignStats.campaignId} = ${campaignId}`)
    .groupBy(campaignStats.variant, campaignStats.kind);
}

/** Counts per UTC day and kind of one campaign's facts from `fromMs` (inclusive) to `toMs` (exclusive), control apart. */
export async function campaignDaily(
  d1: D1Database,
  campaignId: string,
  fromMs: number,
  toMs: number,
): Promise<Array<{ day: string; kind: string; control: number; n: number }>> {
  const rows = await d1
    .prepare(
      `SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS day, kind, variant = 'control' AS control, count(*) AS n
       FROM campaign_stats WHERE campaign_id = ?1 AND at >= ?2 AND at < ?3 GROUP BY 1, 2, 3`,
    )
    .bind(campaignId, fromMs, toMs)
    .all<{ day: string; kind: string; control: number; n: number }>();
  return rows.results;
}
