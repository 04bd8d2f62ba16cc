import { env } from "cloudflare:workers";

/**
 * The suite runs with two index shards (vitest.config.ts `INDEX_SHARDS`), so a person's users-index
 * row is in one of them: these read the index as one database would.
 */
const SHARDS = ["DB", "INDEX_SHARD_1"] as const;
const db = (name: string) => (env as unknown as Record<string, D1Database>)[name]!;

/** The first row any shard answers (a person's row lives in exactly one). */
export async function indexFirst<T>(query: string, ...binds: unknown[]): Promise<T | null> {
  for (const name of SHARDS) {
    const row = await db(name)
      .prepare(query)
      .bind(...binds)
      .first<T>();
    if (row) return row;
  }
  return null;
}

/** A count or sum (column `n`) over every shard. */
export async function indexSum(query: string, ...binds: unknown[]): Promise<number> {
  let total = 0;
  for (const name of SHARDS)
    total += Number(
      (
        await db(name)
          .prepare(query)
          .bind(...binds)
          .first<{ n: number | null }>()
      )?.n ?? 0,
    );
  return total;
}

/** How many people each shard holds for an app (to show the suite's people really are spread). */
export async function peoplePerShard(appId: string): Promise<number[]> {
  return Promise.all(
    SHARDS.map(async (name) =>
      Number(
        (await db(name).prepare("SELECT count(*) AS n FROM users WHERE app_id = ?").bind(appId).first<{ n: number }>())
          ?.n ?? 0,
      ),
    ),
  );
}
