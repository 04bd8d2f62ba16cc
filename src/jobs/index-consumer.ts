import type { IndexUpdate } from "../domain/messages/index-update";
import { recordCampaignStats } from "../stores/campaigns/stats";
import { userHash } from "../stores/erasure";
import { applyAnalyticsCounts } from "../stores/analytics/analytics-store";
import { indexShards, type ShardEnv } from "../stores/d1/index-shards";
import type { AnalyticsMessage } from "../domain/analytics/counters";
import type { CampaignStat } from "../domain/campaigns/campaign-stat";
import { suppressionCounts } from "../domain/analytics/suppression-counts";

/**
 * INDEX queue consumer: applies users-index updates to D1 in one batch per shard. Each
 * upsert only lands if its version is newer than the stored row's, so redelivered
 * or reordered messages never move a row backwards. Index rows go to the shard their
 * object stamped (docs/scale.md); campaign facts and analytics counters stay in `DB`
 * beside the deliveries they are joined with.
 */
export async function applyIndexUpdates(env: ShardEnv, updates: IndexUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const d1 = env.DB;
  const stats = updates.flatMap((u) => (u.op === "stats" ? u.stats : []));
  // Suppression facts are counted per campaign, day, variant and reason (bounded rows), not one row each.
  await recordCampaignStats(
    d1,
    stats.filter((s) => s.kind !== "suppression"),
  );
  const suppressions: AnalyticsMessage[] = [];
  for (const u of updates) {
    if (u.op !== "stats" || !u.stats.some((s) => s.kind === "suppression")) continue;
    suppressions.push(...suppressionCounts(u.stats, await factsKey(u.stats)));
  }
  await applyAnalyticsCounts(d1, [...updates.filter((u) => u.op === "analytics"), ...suppressions]);
  // Keep the newest update per user within the batch, grouped by shard.
  const latest = new Map<string, RowUpdate>();
  for (const u of updates) {
    if (u.op !== "upsert" && u.op !== "delete") continue;
    const key = `${u.shard ?? 0}\u0000${u.appId}\u0000${u.userId}`;
    const prev = latest.get(key);
    if (!prev || prev.version < u.version) latest.set(key, u);
  }
  if (latest.size === 0) return;
  const shards = indexShards(env);
  const byShard = new Map<number, RowUpdate[]>();
  for (const u of latest.values()) {
    const shard = u.shard ?? 0;
    shards.db(shard); // a shard the layout lacks fails the batch here, before any write
    byShard.set(shard, [...(byShard.get(shard) ?? []), u]);
  }
  await Promise.all([...byShard].map(([shard, rows]) => applyRows(shards.db(shard), rows)));
}

type RowUpdate = Extract<IndexUpdate, { op: "upsert" | "delete" }>;

async function applyRows(d1: D1Database, rows: RowUpdate[]): Promise<void> {
  const now = Date.now();
  const upsert = d1.prepare(UPSERT_USER_SQL);
  const remove = d1.prepare(DELETE_USER_SQL);
  const statements = await Promise.all(
    rows.map(async (u) =>
      u.op === "delete"
        ? remove.bind(u.appId, u.userId, u.version)
        : upsert.bind(
            u.appId,
            u.userId,
            u.lifecycle,
            u.loyal ? 1 : 0,
            u.firstSeen,
            u.lastSeen,
            u.sessions,
            u.purchases,
            u.revenue,
            u.purchaseDays,
            u.firstPurchase ?? null,
            u.lastPurchase ?? null,
            u.timezone ?? null,
            JSON.stringify(u.attrs),
            u.version,
            now,
            await userHash(u.appId, u.userId),
          ),
    ),
  );
  for (let i = 0; i < statements.length; i += 200) await d1.batch(statements.slice(i, i + 200));
}

// Fixed SQL through D1 prepared statements: this runs for every index batch, and building the
// upserts with drizzle's query builder cost more than applying them. Columns as in src/stores/d1/schema.ts.
// An update issued before the person was erased (version ≤ the tombstone's) inserts nothing.
const UPSERT_USER_SQL = `INSERT INTO users (app_id, user_id, lifecycle, loyal, first_seen, last_seen, sessions, purchases, revenue, purchase_days, first_purchase, last_purchase, timezone, attrs, version, updated_at)
  SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16
  WHERE NOT EXISTS (SELECT 1 FROM erasures WHERE app_id = ?1 AND user_hash = ?17 AND version >= ?15)
  ON CONFLICT (app_id, user_id) DO UPDATE SET lifecycle = excluded.lifecycle, loyal = excluded.loyal, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
    sessions = excluded.sessions, purchases = excluded.purchases, revenue = excluded.revenue, purchase_days = excluded.purchase_days, first_purchase = excluded.first_purchase,
    last_purchase = excluded.last_purchase, timezone = excluded.timezone, attrs = excluded.attrs, version = excluded.version, updated_at = excluded.updated_at
  WHERE excluded.version > users.version`;
const DELETE_USER_SQL = `DELETE FROM users WHERE app_id = ?1 AND user_id = ?2 AND version < ?3`;

/** A stats message's identity: the digest of its suppression facts' dedupe keys (a redelivery has the same). */
async function factsKey(stats: readonly CampaignStat[]): Promise<string> {
  const keys = stats
    .filter((s) => s.kind === "suppression")
    .map((s) => s.dedupeKey)
    .sort()
    .join("\n");
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(keys));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
