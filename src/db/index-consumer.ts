import { sql } from "drizzle-orm";
import type { IndexUpdate } from "../user/index-update";
import { database } from "./client";
import { users } from "./schema";
import { recordCampaignStats } from "../campaigns/stats";

/**
 * INDEX queue consumer: applies users-index updates to D1 in one batch. Each
 * upsert only lands if its version is newer than the stored row's, so redelivered
 * or reordered messages never move a row backwards.
 */
export async function applyIndexUpdates(d1: D1Database, updates: IndexUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await recordCampaignStats(d1, updates.flatMap((u) => (u.op === "stats" ? u.stats : [])));
  // Keep the newest update per user within the batch.
  const latest = new Map<string, Extract<IndexUpdate, { op: "upsert" | "delete" }>>();
  for (const u of updates) {
    if (u.op === "stats" || u.op === "broadcast") continue;
    const key = `${u.appId}\u0000${u.userId}`;
    const prev = latest.get(key);
    if (!prev || prev.version < u.version) latest.set(key, u);
  }
  const db = database(d1);
  const now = Date.now();
  if (latest.size === 0) return;
  const statements = [...latest.values()].map((u) => {
    if (u.op === "delete") return db.delete(users).where(sql`${users.appId} = ${u.appId} AND ${users.userId} = ${u.userId} AND ${users.version} < ${u.version}`);
    const row = {
      appId: u.appId,
      userId: u.userId,
      lifecycle: u.lifecycle,
      loyal: u.loyal,
      firstSeen: u.firstSeen,
      lastSeen: u.lastSeen,
      sessions: u.sessions,
      purchases: u.purchases,
      revenue: u.revenue,
      purchaseDays: u.purchaseDays,
      firstPurchase: u.firstPurchase,
      lastPurchase: u.lastPurchase,
      timezone: u.timezone,
      attrs: JSON.stringify(u.attrs),
      version: u.version,
      updatedAt: now,
    };
    const { appId: _a, userId: _u, ...changes } = row;
    return db
      .insert(users)
      .values(row)
      .onConflictDoUpdate({ target: [users.appId, users.userId], set: changes, setWhere: sql`excluded.version > ${users.version}` });
  });
  // D1 limits statements per batch generously; chunk to stay well inside it.
  for (let i = 0; i < statements.length; i += 50) {
    const chunk = statements.slice(i, i + 50);
    await db.batch(chunk as [typeof chunk[number], ...typeof chunk]);
  }
}
