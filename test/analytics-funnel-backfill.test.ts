import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { FunnelBackfillMessage } from "../src/domain/analytics/funnel-backfill";
import { runFunnelBackfill } from "../src/jobs/funnel-backfill";
import { provideParquetCodec } from "../src/jobs/export-parquet";
import { getBackfillRun, insertBackfillRun } from "../src/stores/analytics/backfill-store";
import { getFunnel } from "../src/stores/analytics/funnel-store";
import { applyAnalyticsCounts, readCounts } from "../src/stores/analytics/analytics-store";
import type { AnalyticsMessage } from "../src/domain/analytics/counters";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { eventually } from "./helpers/wait";

/**
 * Funnel backfill (docs/analytics.md "Funnel backfill"): a funnel defined after the events, backfilled from
 * the export, reports what the same funnel defined before them counted live.
 */
// Chunks run here outside the Worker's entry, which provides the Parquet codec there.
provideParquetCodec(() => import("../workers/vendor/parquet-codec.mjs"));

const MIN = 60_000;
const HOUR = 60 * MIN;
const D1 = Date.UTC(2026, 2, 2); // 2026-03-02, a Monday
const CREATED_B = Date.UTC(2026, 2, 5, 12); // the later funnel is defined on 2026-03-05 at noon
const bindings = env as unknown as { DB: D1Database; EXPORTS: R2Bucket };

const CHECKOUT = {
  steps: [
    { event: "Product Viewed" },
    { event: "Product Added" },
    { event: "Order Completed", where: [{ property: "revenue", op: "gt", value: 0 }] },
  ],
  windowHours: 24,
};
const CARTS = {
  steps: [{ event: "Cart Created" }, { event: "Checkout Started" }],
  sameProperty: "cart_id",
  windowHours: 2,
};

type Ev = [user: string, event: string, at: number, properties?: Record<string, unknown>];

/** Before the later funnel exists: sessions over four days, breaking the funnels on purpose. */
const HISTORY: Ev[] = [
  // ann: the whole checkout in 40 minutes, on day 1.
  ["ann", "Product Viewed", D1 + 9 * HOUR],
  ["ann", "Product Added", D1 + 9 * HOUR + 10 * MIN],
  ["ann", "Order Completed", D1 + 9 * HOUR + 40 * MIN, { revenue: 20 }],
  // bob: an entry across midnight (view 23:30, add 00:10 the next day, order 02:00), then an order of 0 (filtered).
  ["bob", "Product Viewed", D1 + 23 * HOUR + 30 * MIN],
  ["bob", "Product Added", D1 + 24 * HOUR + 10 * MIN],
  ["bob", "Order Completed", D1 + 26 * HOUR, { revenue: 0 }],
  ["bob", "Order Completed", D1 + 27 * HOUR, { revenue: 9 }],
  // cy: a second view while the entry is open (no re-entry), the window passes, then a new entry.
  ["cy", "Product Viewed", D1 + 10 * HOUR],
  ["cy", "Product Viewed", D1 + 11 * HOUR],
  ["cy", "Product Added", D1 + 40 * HOUR], // after the 24 h window: no step
  ["cy", "Product Viewed", D1 + 41 * HOUR], // re-entry (the first entry's window is over)
  ["cy", "Product Added", D1 + 42 * HOUR],
  // dee: an order and an add before any view (no entry), then a view.
  ["dee", "Order Completed", D1 + 2 * 24 * HOUR, { revenue: 5 }],
  ["dee", "Product Added", D1 + 2 * 24 * HOUR + MIN],
  ["dee", "Product Viewed", D1 + 2 * 24 * HOUR + 2 * MIN],
  // carts: each cart_id its own entry; one checkout after the 2 h window, one of an unknown cart.
  ["eve", "Cart Created", D1 + 12 * HOUR, { cart_id: "c1" }],
  ["eve", "Cart Created", D1 + 12 * HOUR + MIN, { cart_id: "c2" }],
  ["eve", "Checkout Started", D1 + 12 * HOUR + 5 * MIN, { cart_id: "c2" }],
  ["eve", "Checkout Started", D1 + 12 * HOUR + 6 * MIN, { cart_id: "c9" }],
  ["eve", "Checkout Started", D1 + 15 * HOUR, { cart_id: "c1" }],
  ["eve", "Cart Created", D1 + 2 * 24 * HOUR + 23 * HOUR + 30 * MIN, { cart_id: "c3" }],
  // fay: on the later funnel's own day, before it was defined; and an event the funnels do not name.
  ["fay", "Product Viewed", Date.UTC(2026, 2, 5, 8)],
  ["fay", "Product Added", Date.UTC(2026, 2, 5, 8, 5)],
  ["fay", "App Opened", Date.UTC(2026, 2, 5, 8, 6)],
];
/** After the later funnel exists: counted live by both (the late offline event is dated before countsFrom). */
const AFTER: Ev[] = [["gus", "Product Viewed", Date.UTC(2026, 2, 5, 14)]];
const LATE: { user: string; event: string; at: number; clock: number } = {
  user: "hal",
  event: "Product Viewed",
  at: Date.UTC(2026, 2, 3, 9),
  clock: Date.UTC(2026, 2, 5, 15),
};

const track = (app: TestApp, user: string, event: string, at: number, properties = {}, clock = at) =>
  sdk(
    app,
    "/v1/track",
    { userId: user, event, properties, timestamp: new Date(at).toISOString(), context: { os: { name: "iOS" } } },
    { clock },
  );

async function defineFunnel(app: TestApp, name: string, def: object, clock: number): Promise<string> {
  const res = await admin(app, "/admin/funnels", { method: "POST", json: { name, ...def }, clock });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

type Report = { steps: Array<{ entries: number; medianFromPreviousMs: number | null }>; countsFrom: string };
async function report(app: TestApp, id: string, extra = ""): Promise<Report> {
  const res = await admin(app, `/admin/funnels/${id}/report?from=2026-03-01&to=2026-03-31${extra}`, {
    clock: Date.UTC(2026, 3, 1),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}
const figures = (r: Report) => r.steps.map((s) => [s.entries, s.medianFromPreviousMs]);

async function exportedEvents(appId: string): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await bindings.EXPORTS.list({
      prefix: `events/${appId}/`,
      include: ["customMetadata"],
      ...(cursor ? { cursor } : {}),
    });
    for (const o of page.objects) n += Number(o.customMetadata?.rows ?? 0);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return n;
}

/** The history, with the "live" pair of funnels defined before it; returns once all is counted and exported. */
async function replayHistory(app: TestApp): Promise<{ liveCheckout: string; liveCarts: string }> {
  const liveCheckout = await defineFunnel(app, "Checkout (live)", CHECKOUT, D1 - HOUR);
  const liveCarts = await defineFunnel(app, "Carts (live)", CARTS, D1 - HOUR);
  for (const [user, event, at, props] of HISTORY) expect((await track(app, user, event, at, props)).status).toBe(200);
  await eventually(async () => (await exportedEvents(app.appId)) === HISTORY.length, 15_000, "the history exported");
  return { liveCheckout, liveCarts };
}

describe("funnel backfill from the export", () => {
  it("a funnel defined later and backfilled reports what the same funnel counted live; a second backfill of those days is refused", async () => {
    const app = await createTestApp();
    const { liveCheckout, liveCarts } = await replayHistory(app);
    const checkout = await defineFunnel(app, "Checkout", CHECKOUT, CREATED_B);
    const carts = await defineFunnel(app, "Carts", CARTS, CREATED_B);
    for (const [user, event, at, props] of AFTER) expect((await track(app, user, event, at, props)).status).toBe(200);
    expect((await track(app, LATE.user, LATE.event, LATE.at, {}, LATE.clock)).status).toBe(200);

    const expected = await eventually(
      async () => {
        const r = await report(app, liveCheckout);
        // ann, bob, cy ×2, dee, fay; then gus and the late one (hal).
        return r.steps[0]!.entries === 8 && r.steps[1]!.entries === 4 && r.steps[2]!.entries === 2 ? r : null;
      },
      15_000,
      "live counts",
    );
    // Before the backfill the later funnel has only what arrived after it was defined.
    expect((await report(app, checkout)).steps.map((s) => s.entries)).toEqual([2, 0, 0]);
    expect((await report(app, checkout)).countsFrom).toBe("2026-03-05");

    for (const id of [checkout, carts]) {
      const res = await admin(app, `/admin/funnels/${id}/backfill`, { method: "POST", json: { from: "2026-03-01" } });
      expect(res.status).toBe(202);
      const run = (await res.json()) as { from: string; to: string; status: string; until: string };
      expect([run.from, run.to, run.status, run.until]).toEqual([
        "2026-03-01",
        "2026-03-05",
        "running",
        new Date(CREATED_B).toISOString(),
      ]);
    }
    for (const id of [checkout, carts])
      await eventually(
        async () => {
          const list = (await (await admin(app, `/admin/funnels/${id}/backfills`)).json()) as {
            backfills: Array<{ status: string; cursor: string | null }>;
          };
          return list.backfills[0]?.status === "done";
        },
        20_000,
        "the backfill done",
      );
    const done = (await (await admin(app, `/admin/funnels/${checkout}/backfills`)).json()) as {
      backfills: Array<{ files: number; events: number; entries: number; cursor: string | null }>;
    };
    // 17 events name a checkout step and arrived before the funnel; 6 entries began (ann, bob, cy ×2, dee, fay).
    // The late event (dated 2026-03-03, received after the funnel was defined) was counted live, not again.
    expect(done.backfills[0]).toMatchObject({ cursor: null, events: 17, entries: 6 });

    expect(figures(await report(app, checkout))).toEqual(figures(expected));
    expect(figures(await report(app, carts))).toEqual(figures(await report(app, liveCarts)));
    expect((await report(app, carts)).steps.map((s) => s.entries)).toEqual([3, 1]);
    // Backfilled entries have no breakdown values: they are (unknown); the live ones keep theirs.
    const byOs = (await report(app, checkout, "&breakdown=os")) as Report & {
      values: Array<{ value: string; steps: Array<{ entries: number }> }>;
    };
    expect(byOs.values.map((v) => [v.value, v.steps[0]!.entries])).toEqual([
      ["(unknown)", 6],
      ["iOS", 2],
    ]);

    // The same days again, in part or whole: refused, naming the field that falls in the recorded range.
    const again = await admin(app, `/admin/funnels/${checkout}/backfill`, {
      method: "POST",
      json: { from: "2026-03-03", to: "2026-03-04" },
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "from",
    );
    const before = await admin(app, `/admin/funnels/${checkout}/backfill`, {
      method: "POST",
      json: { from: "2026-02-01", to: "2026-03-01" },
    });
    expect(before.status).toBe(409);
    expect(((await before.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "to",
    );
    // Days before the recorded range are free.
    const earlier = await admin(app, `/admin/funnels/${checkout}/backfill`, {
      method: "POST",
      json: { from: "2026-02-01", to: "2026-02-28" },
    });
    expect(earlier.status).toBe(202);
  });

  it("a chunk's many hourly batches apply in one call, and once when the call is repeated", async () => {
    // A month of hours is ~720 keys: more than one key statement (D1 binds at most 100 parameters).
    const appId = `bkf-${crypto.randomUUID().slice(0, 8)}`;
    const messages: AnalyticsMessage[] = Array.from({ length: 120 }, (_, i) => ({
      op: "analytics",
      key: `backfill:test-${appId}:${i}`,
      appId,
      at: D1,
      counts: [{ kind: "funnel", subject: "f", day: "2026-03-02", dim: "", value: "", step: 0, bucket: -1, n: 1 }],
    }));
    await applyAnalyticsCounts(bindings.DB, messages, D1);
    await applyAnalyticsCounts(bindings.DB, messages, D1);
    await applyAnalyticsCounts(bindings.DB, [...messages.slice(100), ...messages.slice(0, 3)], D1);
    const rows = await readCounts(bindings.DB, appId, "funnel", { subject: "f", from: "2026-03-01", to: "2026-03-31" });
    expect(rows.map((r) => r.n)).toEqual([120]);
  });

  it("bad input is a 400 naming the field", async () => {
    const app = await createTestApp();
    const id = await defineFunnel(app, "F", CHECKOUT, CREATED_B);
    const post = (json: unknown) => admin(app, `/admin/funnels/${id}/backfill`, { method: "POST", json });
    const field = async (res: Response) => {
      expect(res.status).toBe(400);
      return ((await res.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field;
    };
    expect(await field(await post({}))).toBe("from");
    expect(await field(await post({ from: "2026-3-1" }))).toBe("from");
    expect(await field(await post({ from: "2026-02-30" }))).toBe("from");
    expect(await field(await post({ from: "2026-03-01", to: "2026-03-06" }))).toBe("to");
    expect(await field(await post({ from: "2026-03-04", to: "2026-03-03" }))).toBe("from");
    expect(await field(await post({ from: "2024-01-01" }))).toBe("to");
    expect(await field(await post({ from: "2026-03-01", days: 3 }))).toBe("(body)");
    expect(
      (await admin(app, `/admin/funnels/fun_nope/backfill`, { method: "POST", json: { from: "2026-03-01" } })).status,
    ).toBe(404);
    expect((await admin(app, `/admin/funnels/${id}/backfills`)).status).toBe(200);
  });

  it("in small chunks through checkpoints, with a chunk delivered twice and a crash before the cursor moved, the counts apply once", async () => {
    const app = await createTestApp({ exportFormat: "parquet" });
    const { liveCheckout } = await replayHistory(app);
    const checkout = await defineFunnel(app, "Checkout", CHECKOUT, CREATED_B);
    const funnel = (await getFunnel(bindings.DB, app.appId, checkout))!;
    const inserted = await insertBackfillRun(bindings.DB, {
      id: `bkf_t_${crypto.randomUUID().slice(0, 8)}`,
      appId: app.appId,
      funnelId: checkout,
      from: "2026-03-01",
      to: "2026-03-05",
      until: funnel.createdAt,
      cursor: "2026-03-01/00",
      now: CREATED_B,
    });
    if (!("run" in inserted)) throw new Error("run not recorded");
    const runId = inserted.run.id;
    // A queue of our own: the chain's messages are delivered by hand, with two files and one day per message.
    const sent: FunnelBackfillMessage[] = [];
    const index = { send: async (m: FunnelBackfillMessage) => void sent.push(m) } as unknown as Queue;
    // D1 as the chunk sees it, failing once where the cursor moves: a crash after the counts were applied.
    let crash = false;
    const db = new Proxy(bindings.DB, {
      get(target, prop) {
        if (prop === "prepare")
          return (sql: string) => {
            if (crash && sql.trimStart().startsWith("UPDATE funnel_backfills")) {
              crash = false;
              return {
                bind: () => ({
                  run: async () => {
                    throw new Error("crashed before the cursor moved");
                  },
                }),
              };
            }
            return target.prepare(sql);
          };
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const chunkEnv = { DB: db, EXPORTS: bindings.EXPORTS, INDEX: index };
    const limits = { files: 2, days: 1 };
    const queue: FunnelBackfillMessage[] = [
      { op: "funnel-backfill", appId: app.appId, funnelId: checkout, runId, cursor: "2026-03-01/00" },
    ];
    const outcomes: string[] = [];
    for (let n = 1; queue.length > 0 && n < 300; n++) {
      const m = queue.shift()!;
      crash = n === 4;
      try {
        outcomes.push(await runFunnelBackfill(chunkEnv, m, CREATED_B, limits));
      } catch {
        outcomes.push("crashed");
        queue.unshift(m); // the queue redelivers it
      }
      queue.push(...sent.splice(0));
    }
    // The crashed chunk had enqueued its successor: replayed, it enqueues it again, and the duplicate stops at once.
    expect(outcomes.filter((o) => o === "crashed")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "stale")).toHaveLength(1);
    expect(outcomes.at(-1)).toBe("done");
    expect(outcomes.filter((o) => o === "continued").length).toBeGreaterThan(5);
    expect((await getBackfillRun(bindings.DB, runId))?.status).toBe("done");
    const live = await eventually(
      async () => {
        const r = await report(app, liveCheckout);
        return r.steps[0]!.entries === 6 ? r : null;
      },
      15_000,
      "live counts",
    );
    expect(figures(await report(app, checkout))).toEqual(figures(live));
    // No checkpoint is left behind.
    expect((await bindings.EXPORTS.list({ prefix: `backfill/${app.appId}/` })).objects).toEqual([]);
  });
});
