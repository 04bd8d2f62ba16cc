import { Hono } from "hono";
import * as z from "zod";
import { DomainError } from "../../kernel/errors";
import type { Env } from "../../env";
import type { BroadcastPage, IndexUpdate } from "../../domain/messages/index-update";
import { indexShards } from "../../stores/d1/index-shards";
import { segmentCount } from "../../stores/segments/segment-reports";
import { SegmentFilter } from "../../domain/segments/segment-filter";
import { pageBroadcast } from "../../jobs/broadcast/broadcast";
import { applyIndexUpdates } from "../../jobs/index-consumer";
import type { HonoEnv } from "../hono-env";

/**
 * Benchmark only (BENCH_ROUTES = "true", checked by bench-routes.ts, which mounts these): the pieces of `npm run bench -- scale` (bench/scale.mjs).
 * Each runs one cross-person operation against a layout given by the request — the deployment's
 * `INDEX_SHARDS` ("sharded") or `DB` alone ("single") — so both are measured in the same run on the
 * same synthetic people (seeded here, one copy per layout, under two app ids).
 */
export const scaleBenchRoutes = new Hono<HonoEnv>();

const Layout = z.enum(["single", "sharded"]);
const layoutEnv = (env: Env, layout: z.infer<typeof Layout>): Env =>
  layout === "single" ? { ...env, INDEX_SHARDS: "DB" } : env;
const query = <T extends z.ZodRawShape>(shape: T, q: Record<string, string>) => {
  const parsed = z.object(shape).safeParse(q);
  if (!parsed.success)
    throw new DomainError(400, "invalid_input", parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
};

/** Synthetic people `from`…`from + count − 1`, spread over the layout's shards by id (i mod n). */
scaleBenchRoutes.post("/seed", async (c) => {
  const q = query(
    { layout: Layout, from: z.coerce.number().int().min(0), count: z.coerce.number().int().min(1).max(200_000) },
    c.req.query(),
  );
  const shards = indexShards(layoutEnv(c.env, q.layout));
  const appId = `${c.get("app").appId}-${q.layout}`;
  const started = Date.now();
  await shards.across((db, shard) =>
    db
      .prepare(
        `WITH RECURSIVE s(i) AS (SELECT ?2 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < ?3)
         INSERT OR REPLACE INTO users (app_id, user_id, lifecycle, loyal, first_seen, last_seen, sessions, purchases, revenue, purchase_days, first_purchase, last_purchase, attrs, version, updated_at)
         SELECT ?1, printf('p%09d', i),
           CASE i % 5 WHEN 0 THEN 'new' WHEN 1 THEN 'active' WHEN 2 THEN 'active' WHEN 3 THEN 'dormant' ELSE 'churned' END,
           i % 10 = 0, 1700000000000 + (i % 365) * 86400000, 1730000000000 + (i % 97) * 86400000, 1 + i % 40,
           (i * 7) % 9, ((i * 7) % 9) * 12.5, (i * 7) % 5, NULL, NULL,
           '{"consent":{"push":"' || CASE i % 3 WHEN 0 THEN 'opted_in' WHEN 1 THEN 'opted_out' ELSE 'unknown' END || '"},"platforms":["ios"],"segments":[]}',
           1, 0
         FROM s WHERE i % ?4 = ?5`,
      )
      .bind(appId, q.from, q.from + q.count, shards.count, shard)
      .run(),
  );
  return c.json({ seeded: q.count, shards: shards.count, ms: Date.now() - started });
});

/** One segment count over the layout (the builder's and saved segments' query), timed. */
scaleBenchRoutes.post("/count", async (c) => {
  const q = query({ layout: Layout }, c.req.query());
  const shards = indexShards(layoutEnv(c.env, q.layout));
  const filter = SegmentFilter.parse({
    type: "and",
    filters: [
      { type: "lifecycle", in: ["active", "dormant"] },
      { type: "counter", counter: "purchases", op: "gte", value: 2 },
      { type: "consent", channel: "push", status: "opted_in" },
    ],
  });
  const started = performance.now();
  const { row } = await segmentCount(
    shards,
    `${c.get("app").appId}-${q.layout}`,
    { id: "bench", filter },
    c.get("now"),
  );
  return c.json({ count: row?.min ?? 0, total: row?.total ?? 0, ms: performance.now() - started });
});

/**
 * A broadcast walk over the whole synthetic audience: every shard's page chain in parallel, chunk
 * messages built exactly as for a real broadcast, and handed to a queue that only counts them (the
 * real queue's rate is measured by /enqueue). Returns people handed on and the wall time.
 */
scaleBenchRoutes.post("/fanout", async (c) => {
  const q = query({ layout: Layout }, c.req.query());
  const appId = `${c.get("app").appId}-${q.layout}`;
  const campaignId = `bench-fanout-${q.layout}-${crypto.randomUUID()}`;
  const env = layoutEnv(c.env, q.layout);
  const shards = indexShards(env);
  const pending: BroadcastPage[][] = shards.all().map(() => []);
  let chunks = 0;
  let people = 0;
  const counting = {
    sendBatch: async (batch: Iterable<{ body: IndexUpdate }>) => {
      for (const { body } of batch) {
        if (body.op === "broadcast") {
          chunks++;
          people += body.users.length;
        } else if (body.op === "broadcast-page") pending[body.shard]!.push(body);
      }
    },
  } as unknown as Queue<IndexUpdate>;
  const progress = JSON.stringify({
    after: pending.map(() => ""),
    done: pending.map(() => false),
    n: pending.map(() => 0),
    at: Date.now(),
  });
  await c.env.DB.prepare(
    `INSERT INTO broadcast_runs (campaign_id, occurrence, status, cursor, users, started_at) VALUES (?1, 'bench', 'running', ?2, 0, ?3)`,
  )
    .bind(campaignId, progress, Date.now())
    .run();
  const started = performance.now();
  let pages = 0;
  await Promise.all(
    pending.map(async (queue, shard) => {
      let page: BroadcastPage | undefined = {
        op: "broadcast-page",
        appId,
        campaignId,
        occurrence: "bench",
        configVersion: 0,
        now: c.get("now"),
        virtualClock: true,
        audience: {},
        shard,
        after: "",
        handed: 0,
      };
      while (page) {
        await pageBroadcast({ ...env, INDEX: counting }, page);
        pages++;
        page = queue.shift();
      }
    }),
  );
  const ms = performance.now() - started;
  await c.env.DB.prepare("DELETE FROM broadcast_runs WHERE campaign_id = ?1").bind(campaignId).run();
  return c.json({ people, chunks, pages, shards: shards.count, ms });
});

/** The real INDEX queue's enqueue rate: `batches` sendBatch calls of 100 small messages the consumer ignores. */
scaleBenchRoutes.post("/enqueue", async (c) => {
  const q = query({ batches: z.coerce.number().int().min(1).max(100).default(20) }, c.req.query());
  const message = { body: { op: "stats", stats: [] } as IndexUpdate };
  const started = performance.now();
  for (let i = 0; i < q.batches; i++) await c.env.INDEX.sendBatch(Array.from({ length: 100 }, () => message));
  return c.json({ messages: q.batches * 100, ms: performance.now() - started });
});

/**
 * Index writes as the INDEX consumer applies them: `batches` consumer batches of 100 upserts of distinct
 * synthetic people, `parallel` batches at once, into the layout. Returns rows written and the wall time.
 */
scaleBenchRoutes.post("/index-writes", async (c) => {
  const q = query(
    {
      layout: Layout,
      batches: z.coerce.number().int().min(1).max(200).default(40),
      parallel: z.coerce.number().int().min(1).max(16).default(4),
      from: z.coerce.number().int().min(0).default(0),
    },
    c.req.query(),
  );
  const env = layoutEnv(c.env, q.layout);
  const shards = indexShards(env);
  const appId = `${c.get("app").appId}-${q.layout}-writes`;
  const batch = (b: number): IndexUpdate[] =>
    Array.from({ length: 100 }, (_, k) => {
      const i = q.from + b * 100 + k;
      return {
        op: "upsert",
        appId,
        userId: `w${i}`,
        version: Date.now(),
        lifecycle: "active",
        loyal: false,
        firstSeen: 1_700_000_000_000,
        lastSeen: Date.now(),
        sessions: 1,
        purchases: 0,
        revenue: 0,
        purchaseDays: 0,
        firstPurchase: null,
        lastPurchase: null,
        timezone: null,
        attrs: {},
        shard: i % shards.count,
      };
    });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: q.parallel }, async () => {
      for (let b = next++; b < q.batches; b = next++) await applyIndexUpdates(env, batch(b));
    }),
  );
  return c.json({ rows: q.batches * 100, shards: shards.count, ms: performance.now() - started });
});
