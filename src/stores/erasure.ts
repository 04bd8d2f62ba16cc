import { sha256Hex } from "./config/keys";
import { indexShards, type ShardEnv } from "./d1/index-shards";

/**
 * Erasure in D1 (docs/api.md "Erasure"): everything cross-person that names someone is deleted, and
 * the campaign facts that make up aggregate counts are kept under a random pseudonym, so figures
 * stay right but lead back to nobody. A tombstone, keyed by a hash, stops what is still on the
 * INDEX queue from bringing the person back: the index upsert and the campaign-facts insert
 * check it in the same statement (src/jobs/index-consumer.ts, src/stores/campaigns/stats.ts).
 */
export const userHash = (appId: string, userId: string) => sha256Hex(`${appId}\n${userId}`);

/**
 * Deletes and anonymises the person's D1 rows and writes the tombstone, in one batch per database
 * (`DB` and every index shard: the index consumer and the facts insert check the tombstone where they
 * write); true if an index row existed. One pseudonym for all, so the person stays one in any count.
 */
export async function eraseFromIndex(
  env: ShardEnv,
  appId: string,
  userId: string,
  version: number,
  now: number,
): Promise<boolean> {
  const hash = await userHash(appId, userId);
  const pseudonym = `erased:${crypto.randomUUID()}`;
  const databases = [...new Set([env.DB, ...indexShards(env).all()])];
  const existed = await Promise.all(databases.map((d1) => eraseIn(d1, appId, userId, hash, pseudonym, version, now)));
  return existed.some(Boolean);
}

async function eraseIn(
  d1: D1Database,
  appId: string,
  userId: string,
  hash: string,
  pseudonym: string,
  version: number,
  now: number,
): Promise<boolean> {
  const byUser = (table: string) =>
    d1.prepare(`DELETE FROM ${table} WHERE app_id = ?1 AND user_id = ?2`).bind(appId, userId);
  const results = await d1.batch([
    d1
      .prepare(
        `INSERT INTO erasures (app_id, user_hash, version, pseudonym, erased_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (app_id, user_hash) DO UPDATE SET version = max(version, excluded.version), erased_at = excluded.erased_at`,
      )
      .bind(appId, hash, version, pseudonym, now),
    byUser("users"),
    byUser("deliveries"),
    byUser("dead_letters"),
    byUser("channel_addresses"),
    byUser("rfm_memberships"),
    d1
      .prepare(
        `UPDATE campaign_stats SET user_id = (SELECT pseudonym FROM erasures WHERE app_id = ?1 AND user_hash = ?3) WHERE app_id = ?1 AND user_id = ?2`,
      )
      .bind(appId, userId, hash),
  ]);
  return (results[1]?.meta.changes ?? 0) > 0;
}
