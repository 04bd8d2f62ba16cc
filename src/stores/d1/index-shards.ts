import { DomainError } from "../../kernel/errors";
import { type IndexLayout, parseIndexLayout } from "../../domain/scale/index-layout";

/** What the shards need from the Worker's env: the layout and the D1 bindings it names. */
export interface ShardEnv {
  DB: D1Database;
  INDEX_SHARDS?: string;
}

/**
 * The index shards of a deployment (src/domain/scale/index-layout.ts): shard `n` is the D1 database
 * named by the layout's n-th entry. Config (apps, keys, campaigns, segments) always stays in `DB`;
 * only per-person rows are spread. Readers ask every shard and merge; writers use a person's shard.
 */
export class IndexShards {
  constructor(
    readonly layout: IndexLayout,
    private readonly dbs: readonly D1Database[],
  ) {}

  get count(): number {
    return this.dbs.length;
  }

  /** Shard `n`'s database. A number the layout does not have means the layout lost an entry: refused loudly. */
  db(n: number): D1Database {
    const db = this.dbs[n];
    if (!db)
      throw new DomainError(
        500,
        "invalid_config",
        `index shard ${n} is not in INDEX_SHARDS (shards are never removed)`,
      );
    return db;
  }

  all(): readonly D1Database[] {
    return this.dbs;
  }

  /** Runs `query` on every shard at once; results in shard order. */
  across<T>(query: (db: D1Database, shard: number) => Promise<T>): Promise<T[]> {
    return Promise.all(this.dbs.map((db, i) => query(db, i)));
  }
}

// One parse per layout text and env: the env object lives as long as the isolate's bindings.
const cache = new WeakMap<object, { text: string | undefined; shards: IndexShards }>();

export function indexShards(env: ShardEnv): IndexShards {
  const hit = cache.get(env);
  if (hit && hit.text === env.INDEX_SHARDS) return hit.shards;
  const layout = parseIndexLayout(env.INDEX_SHARDS);
  const bindings = env as unknown as Record<string, unknown>;
  const dbs = layout.map((s, i) => {
    const db = bindings[s.binding];
    if (!isD1(db))
      throw new DomainError(500, "invalid_config", `INDEX_SHARDS[${i}] names ${s.binding}, which is not a D1 binding`, [
        { field: `INDEX_SHARDS[${i}].binding`, message: "no D1 database is bound under this name in wrangler.toml" },
      ]);
    return db;
  });
  const shards = new IndexShards(layout, dbs);
  cache.set(env, { text: env.INDEX_SHARDS, shards });
  return shards;
}

function isD1(value: unknown): value is D1Database {
  return typeof value === "object" && value !== null && typeof (value as D1Database).prepare === "function";
}
