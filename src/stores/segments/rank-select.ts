import type { IndexShards } from "../d1/index-shards";

/**
 * The k-th smallest value (1-based, nearest rank) of `valueSql` over the rows `whereSql` selects in
 * every shard, exactly as one database's `ORDER BY v LIMIT 1 OFFSET k − 1` would give it. One shard:
 * that query. Several: a selection over the shards' sorted orders — a pivot is read from the widest
 * remaining window, every shard counts the rows below and up to it, and the windows shrink to the
 * side holding rank k (O(log n) rounds of one small batch per shard). Both SQL fragments come from
 * the domain's compilers, never from a request.
 */
export async function kthAcross(shards: IndexShards, valueSql: string, whereSql: string, k: number): Promise<number> {
  const dbs = shards.all();
  const at = (db: D1Database, offset: number) =>
    db.prepare(`SELECT ${valueSql} AS v FROM users WHERE ${whereSql} ORDER BY v LIMIT 1 OFFSET ${offset}`);
  if (dbs.length === 1) return (await at(dbs[0]!, k - 1).first<{ v: number }>())?.v ?? 0;
  const sizes = await Promise.all(
    dbs.map(
      async (db) =>
        (await db.prepare(`SELECT count(*) AS n FROM users WHERE ${whereSql}`).first<{ n: number }>())?.n ?? 0,
    ),
  );
  // Window [lo, hi) of ranks per shard that may still hold the answer.
  const lo = sizes.map(() => 0);
  const hi = [...sizes];
  for (;;) {
    let widest = -1;
    for (let i = 0; i < dbs.length; i++)
      if (hi[i]! > lo[i]! && (widest < 0 || hi[i]! - lo[i]! > hi[widest]! - lo[widest]!)) widest = i;
    if (widest < 0) return 0; // fewer than k rows
    const mid = lo[widest]! + Math.floor((hi[widest]! - lo[widest]!) / 2);
    const pivot = (await at(dbs[widest]!, mid).first<{ v: number }>())?.v ?? 0;
    const counts = await Promise.all(
      dbs.map(
        async (db) =>
          (await db
            .prepare(
              `SELECT COALESCE(SUM(v < ?1), 0) AS lt, COALESCE(SUM(v <= ?1), 0) AS le FROM (SELECT ${valueSql} AS v FROM users WHERE ${whereSql})`,
            )
            .bind(pivot)
            .first<{ lt: number; le: number }>()) ?? { lt: 0, le: 0 },
      ),
    );
    const lt = counts.reduce((a, c) => a + c.lt, 0);
    const le = counts.reduce((a, c) => a + c.le, 0);
    if (lt < k && k <= le) return pivot;
    if (k <= lt) for (let i = 0; i < dbs.length; i++) hi[i] = Math.min(hi[i]!, counts[i]!.lt);
    else for (let i = 0; i < dbs.length; i++) lo[i] = Math.max(lo[i]!, counts[i]!.le);
  }
}
