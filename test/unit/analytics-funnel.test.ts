import { describe, expect, it } from "vitest";
import {
  advanceFunnel,
  bucketMidpointMs,
  FunnelDefinition,
  type FunnelEvent,
  type FunnelFact,
  type FunnelState,
  liveFunnel,
  medianOfBuckets,
  mergeFunnelStates,
  timeBucket,
} from "../../src/domain/analytics/funnel";
import { aggregate, funnelRows } from "../../src/domain/analytics/counters";
import { stepReport } from "../../src/domain/analytics/funnel-report";

const H = 3600_000;
const T0 = Date.UTC(2026, 2, 2, 10);
const checkout = liveFunnel(
  "f1",
  FunnelDefinition.parse({
    name: "checkout",
    steps: [
      { event: "Product Viewed" },
      { event: "Product Added", where: [{ property: "price", op: "gt", value: 0 }] },
      { event: "Order Completed" },
    ],
    windowHours: 24,
  }),
);
const ev = (name: string, at: number, properties: Record<string, unknown> = {}): FunnelEvent => ({
  name,
  timestamp: at,
  properties,
});
const dims = () => ({ os: "iOS", lifecycle: "new" });

/** Runs events through the funnel, clock = each event's time unless given. */
function run(funnel = checkout, events: Array<FunnelEvent & { now?: number }>, state: FunnelState = { entries: [] }) {
  const facts: FunnelFact[] = [];
  for (const e of events) {
    const r = advanceFunnel(state, e, funnel, e.now ?? e.timestamp, dims);
    state = r.state;
    facts.push(...r.facts);
  }
  return { state, facts, steps: facts.map((f) => f.step) };
}

describe("advanceFunnel", () => {
  it("counts steps in order, with filters, and times from the step before", () => {
    const r = run(checkout, [
      ev("Product Viewed", T0),
      ev("Product Added", T0 + H, { price: 0 }),
      ev("Product Added", T0 + 2 * H, { price: 5 }),
      ev("Order Completed", T0 + 3 * H),
    ]);
    expect(r.steps).toEqual([0, 1, 2]);
    expect(r.facts.map((f) => f.sincePrevious)).toEqual([null, 2 * H, H]);
    expect(r.facts.every((f) => f.day === "2026-03-02" && f.dims.os === "iOS")).toBe(true);
    expect(r.state.entries).toEqual([]); // complete: closed
  });

  it("ignores steps out of order (and an event dated before the previous step)", () => {
    const r = run(checkout, [
      ev("Order Completed", T0),
      ev("Product Viewed", T0 + H),
      ev("Order Completed", T0 + 2 * H),
      { ...ev("Product Added", T0 + H / 2, { price: 1 }), now: T0 + 3 * H },
    ]);
    expect(r.steps).toEqual([0]);
    expect(r.state.entries[0]!.step).toBe(0);
  });

  it("one event advances at most one step", () => {
    const same = liveFunnel(
      "f2",
      FunnelDefinition.parse({ name: "twice", steps: [{ event: "A" }, { event: "A" }, { event: "A" }] }),
    );
    expect(run(same, [ev("A", T0), ev("A", T0 + 1), ev("A", T0 + 2)]).steps).toEqual([0, 1, 2]);
  });

  it("conversion window: a step after the window does not count, and the entry closes", () => {
    const r = run(checkout, [ev("Product Viewed", T0), ev("Product Added", T0 + 25 * H, { price: 3 })]);
    expect(r.steps).toEqual([0]);
    expect(r.state.entries).toEqual([]);
  });

  it("re-entry: a step-1 event while an entry is open changes nothing; after it closes a new entry begins", () => {
    const r = run(checkout, [
      ev("Product Viewed", T0),
      ev("Product Viewed", T0 + H),
      ev("Product Viewed", T0 + 30 * H),
      ev("Product Added", T0 + 31 * H, { price: 2 }),
    ]);
    expect(r.steps).toEqual([0, 0, 1]);
    expect(r.facts.map((f) => f.day)).toEqual(["2026-03-02", "2026-03-03", "2026-03-03"]);
    // After completing, the next step-1 event is a new entry.
    const done = run(checkout, [
      ev("Product Viewed", T0),
      ev("Product Added", T0 + 1, { price: 1 }),
      ev("Order Completed", T0 + 2),
      ev("Product Viewed", T0 + 3),
    ]);
    expect(done.steps).toEqual([0, 1, 2, 0]);
  });

  it("same property: each cart is its own entry; steps must carry the same value", () => {
    const carts = liveFunnel(
      "f3",
      FunnelDefinition.parse({
        name: "carts",
        steps: [{ event: "Cart Created" }, { event: "Checkout" }],
        sameProperty: "cart_id",
      }),
    );
    const r = run(carts, [
      ev("Cart Created", T0, { cart_id: "a" }),
      ev("Cart Created", T0 + 1, { cart_id: "b" }),
      ev("Checkout", T0 + 2, { cart_id: "c" }),
      ev("Checkout", T0 + 3, { cart_id: "b" }),
      ev("Cart Created", T0 + 4),
      ev("Checkout", T0 + 5, { cart_id: "b" }),
    ]);
    expect(r.steps).toEqual([0, 0, 1]);
    expect(r.state.entries.map((e) => e.key)).toEqual(['"a"']);
  });

  it("identity merge keeps one entry, the one further along, so nothing counts twice", () => {
    const anon = run(checkout, [ev("Product Viewed", T0), ev("Product Added", T0 + H, { price: 1 })]).state;
    const known = run(checkout, [ev("Product Viewed", T0 + 2 * H)]).state;
    const merged = mergeFunnelStates(checkout, known, anon, T0 + 3 * H);
    expect(merged.entries).toHaveLength(1);
    expect(merged.entries[0]).toMatchObject({ step: 1, start: T0 });
    expect(run(checkout, [ev("Order Completed", T0 + 4 * H)], merged).steps).toEqual([2]);
  });

  it("rejects definitions outside the limits, naming the field", () => {
    const one = FunnelDefinition.safeParse({ name: "x", steps: [{ event: "A" }] });
    expect(one.success).toBe(false);
    expect(one.error!.issues[0]!.path).toEqual(["steps"]);
    const nine = FunnelDefinition.safeParse({ name: "x", steps: Array.from({ length: 9 }, () => ({ event: "A" })) });
    expect(nine.success).toBe(false);
    expect(
      FunnelDefinition.safeParse({ name: "x", steps: [{ event: "A" }, { event: "B" }], windowHours: 0 }).error!
        .issues[0]!.path,
    ).toEqual(["windowHours"]);
    expect(
      FunnelDefinition.safeParse({ name: "x", steps: [{ event: "A" }, { event: "B" }], sameProperty: "a..b" }).error!
        .issues[0]!.path,
    ).toEqual(["sameProperty"]);
  });
});

describe("funnel counters and report", () => {
  it("time buckets bound the error of the median", () => {
    for (const ms of [1500, 42_000, 3 * H, 5 * 24 * H]) {
      const mid = bucketMidpointMs(timeBucket(ms));
      expect(Math.abs(mid - ms) / ms).toBeLessThan(0.13);
    }
    expect(timeBucket(10)).toBe(0);
    expect(
      medianOfBuckets([
        { bucket: timeBucket(60_000), n: 3 },
        { bucket: timeBucket(H), n: 1 },
      ]),
    ).toBe(bucketMidpointMs(timeBucket(60_000)));
    expect(medianOfBuckets([])).toBeNull();
  });

  it("fans a fact out to the total and every breakdown, and folds rows back into step figures", () => {
    const facts = run(checkout, [ev("Product Viewed", T0), ev("Product Added", T0 + 60_000, { price: 1 })]).facts;
    const rows = aggregate(facts.flatMap((f) => funnelRows("f1", f)));
    // step 1: count × (total, os, lifecycle); step 2: count + time × 3
    expect(rows).toHaveLength(3 + 6);
    const report = stepReport(
      checkout.steps,
      rows.filter((r) => r.dim === ""),
    );
    expect(report.map((s) => [s.entries, s.conversion, s.fromPrevious])).toEqual([
      [1, 1, null],
      [1, 1, 1],
      [0, 0, 0],
    ]);
    expect(report[1]!.medianFromPreviousMs).toBe(bucketMidpointMs(timeBucket(60_000)));
  });
});
