import { describe, expect, it } from "vitest";
import { DAY, HOUR } from "../../src/kernel/clock";
import { evaluateSegment, nextWindowChange, type SegmentFacts } from "../../src/domain/segments/segment-eval";
import { durationMs, SegmentDefinition, SegmentFilter } from "../../src/domain/segments/segment-filter";
import { problemsOf } from "../../src/kernel/errors";

const NOW = Date.UTC(2026, 10, 24, 12);

function facts(
  over: Partial<SegmentFacts> & {
    events?: Array<{ name: string; at: number; properties?: Record<string, unknown> }>;
    sessions?: number[];
  } = {},
): SegmentFacts {
  const events = over.events ?? [];
  const sessions = over.sessions ?? [];
  return {
    now: NOW,
    traits: { plan: "pro", age: 34 },
    context: { app: { version: "3.1.9", build: "319" }, os: { name: "iOS" }, firstCampaign: { name: "spring", at: 0 } },
    lifecycle: "active",
    loyal: false,
    rfmSegment: "Champions",
    churnBand: "low",
    scores: { r: 5, f: 4, m: 3, pAlive: 0.92, expectedPurchases30: 1.4 },
    consent: { push: "opted_in" },
    platforms: ["ios"],
    counters: { purchases: 3, revenue: 120, sessions: 9 },
    firstSeen: NOW - 40 * DAY,
    lastSeen: NOW - HOUR,
    eventTimes: (name, since, where) =>
      events
        .filter(
          (e) =>
            e.name === name &&
            e.at >= since &&
            where.every((w) => w.op !== "eq" || (e.properties ?? {})[w.property] === w.value),
        )
        .map((e) => e.at),
    sessionTimes: (since) => sessions.filter((t) => t >= since),
    ...over,
  };
}

const parse = (f: unknown) => SegmentFilter.parse(f);

describe("segment language: validation", () => {
  it("accepts the documented examples", () => {
    const abandoned = {
      type: "and",
      filters: [
        { type: "event", name: "Product Added", within: "24h" },
        { type: "event", name: "Order Completed", within: "24h", did: false },
      ],
    };
    expect(SegmentDefinition.safeParse({ name: "Abandoners", filter: abandoned }).success).toBe(true);
    expect(SegmentFilter.safeParse({ type: "sessions", within: "7d", atLeast: 3 }).success).toBe(true);
    expect(SegmentFilter.safeParse({ type: "trait", property: "plan", op: "in", value: ["pro", "team"] }).success).toBe(
      true,
    );
    expect(SegmentFilter.safeParse({ type: "not", filter: { type: "churnBand", in: ["high"] } }).success).toBe(true);
  });

  it("names the field of every problem", () => {
    const bad = SegmentDefinition.safeParse({
      name: "x",
      filter: {
        type: "and",
        filters: [
          { type: "event", name: "Product Added", within: "yesterday" },
          { type: "rfmSegment", in: ["Champs"] },
          { type: "consent", channel: "pigeon", status: "opted_in" },
          { type: "sessions", within: "7d", atLeast: 5, atMost: 2 },
          { type: "wat" },
        ],
      },
    });
    expect(bad.success).toBe(false);
    const fields = problemsOf(bad.error!).map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "filter.filters.0.within",
        "filter.filters.1.in.0",
        "filter.filters.2.channel",
        "filter.filters.3.atMost",
        "filter.filters.4.type",
      ]),
    );
  });

  it("rejects did:false with bounds, unknown keys, empty groups and oversize trees", () => {
    expect(
      problemsOf(SegmentFilter.safeParse({ type: "event", name: "X", within: "1d", did: false, atLeast: 2 }).error!)[0]!
        .field,
    ).toBe("did");
    expect(
      problemsOf(SegmentFilter.safeParse({ type: "lifecycle", in: ["active"], extra: 1 }).error!)[0]!.message,
    ).toMatch(/extra/);
    expect(SegmentFilter.safeParse({ type: "or", filters: [] }).success).toBe(false);
    expect(SegmentFilter.safeParse({ type: "event", name: "X", within: "500d" }).success).toBe(false);
    const wide = {
      type: "or",
      filters: Array.from({ length: 50 }, () => ({ type: "and", filters: [{ type: "loyal" }, { type: "loyal" }] })),
    };
    const result = SegmentDefinition.safeParse({ name: "too big", filter: wide });
    expect(result.success).toBe(false);
    expect(problemsOf(result.error!)[0]).toMatchObject({
      field: "filter",
      message: expect.stringMatching(/at most 50 conditions/),
    });
  });

  it("reads durations", () => {
    expect(durationMs("90m")).toBe(90 * 60_000);
    expect(durationMs("24h")).toBe(DAY);
    expect(durationMs("2w")).toBe(14 * DAY);
  });
});

describe("segment language: evaluation", () => {
  it("answers state conditions", () => {
    const f = facts();
    expect(evaluateSegment(parse({ type: "trait", property: "plan", op: "eq", value: "pro" }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "trait", property: "age", op: "gte", value: 40 }), f)).toBe(false);
    expect(evaluateSegment(parse({ type: "lifecycle", in: ["active", "new"] }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "loyal" }), f)).toBe(false);
    expect(evaluateSegment(parse({ type: "rfmSegment", in: ["Champions"] }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "churnBand", in: ["high", "medium"] }), f)).toBe(false);
    expect(evaluateSegment(parse({ type: "score", score: "pAlive", op: "gt", value: 0.9 }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "consent", channel: "push", status: "opted_in" }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "consent", channel: "sms", status: "unknown" }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "platform", in: ["android"] }), f)).toBe(false);
    expect(evaluateSegment(parse({ type: "counter", counter: "revenue", op: "gte", value: 100 }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "seen", when: "first", within: "30d" }), f)).toBe(false);
    expect(evaluateSegment(parse({ type: "seen", when: "last", within: "1d" }), f)).toBe(true);
  });

  it("answers context conditions: app version (semantic order), OS, first-touch campaign", () => {
    const f = facts();
    expect(evaluateSegment(parse({ type: "context", property: "app.version", op: "lt", value: "3.2" }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "context", property: "app.version", op: "gte", value: "3.1.10" }), f)).toBe(
      false,
    );
    expect(
      evaluateSegment(parse({ type: "context", property: "os.name", op: "eq", value: "ios", ignoreCase: true }), f),
    ).toBe(true);
    expect(
      evaluateSegment(parse({ type: "context", property: "firstCampaign.name", op: "eq", value: "spring" }), f),
    ).toBe(true);
    expect(evaluateSegment(parse({ type: "context", property: "device.type", op: "exists" }), f)).toBe(false);
    expect(
      evaluateSegment(
        parse({ type: "context", property: "app.version", op: "lt", value: "3.2" }),
        facts({ context: {} }),
      ),
    ).toBe(false);
  });

  it("non-customers are in no RFM segment or churn band", () => {
    const f = facts({ rfmSegment: null, churnBand: null, scores: null });
    expect(evaluateSegment(parse({ type: "rfmSegment", in: ["Hibernating"] }), f)).toBe(false);
    expect(evaluateSegment(parse({ type: "not", filter: { type: "churnBand", in: ["high"] } }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "score", score: "r", op: "lt", value: 3 }), f)).toBe(false);
  });

  it("counts behaviour in windows, with property filters and bounds", () => {
    const events = [
      { name: "Product Added", at: NOW - 2 * HOUR, properties: { category: "shoes" } },
      { name: "Product Added", at: NOW - 30 * HOUR, properties: { category: "hats" } },
      { name: "Order Completed", at: NOW - 3 * DAY },
    ];
    const f = facts({ events, sessions: [NOW - HOUR, NOW - 2 * DAY, NOW - 6 * DAY, NOW - 8 * DAY] });
    const abandoned = parse({
      type: "and",
      filters: [
        { type: "event", name: "Product Added", within: "24h" },
        { type: "event", name: "Order Completed", within: "24h", did: false },
      ],
    });
    expect(evaluateSegment(abandoned, f)).toBe(true);
    expect(evaluateSegment(parse({ type: "event", name: "Product Added", within: "2d", atLeast: 2 }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "event", name: "Product Added", within: "2d", atMost: 1 }), f)).toBe(false);
    expect(
      evaluateSegment(
        parse({
          type: "event",
          name: "Product Added",
          within: "2d",
          where: [{ property: "category", op: "eq", value: "hats" }],
        }),
        f,
      ),
    ).toBe(true);
    expect(evaluateSegment(parse({ type: "event", name: "Order Completed", within: "7d", did: false }), f)).toBe(false);
    expect(evaluateSegment(parse({ type: "sessions", within: "7d", atLeast: 3 }), f)).toBe(true);
    expect(evaluateSegment(parse({ type: "sessions", within: "7d", atLeast: 4 }), f)).toBe(false);
    expect(
      evaluateSegment(parse({ type: "or", filters: [{ type: "loyal" }, { type: "not", filter: abandoned }] }), f),
    ).toBe(false);
  });

  it("knows when a window slides without any new event", () => {
    const added = NOW - 2 * HOUR;
    const f = facts({ events: [{ name: "Product Added", at: added }], sessions: [NOW - 6 * DAY] });
    expect(nextWindowChange(parse({ type: "event", name: "Product Added", within: "24h" }), f)).toBe(added + DAY + 1);
    expect(
      nextWindowChange(
        parse({
          type: "and",
          filters: [
            { type: "event", name: "Product Added", within: "24h" },
            { type: "sessions", within: "7d" },
          ],
        }),
        f,
      ),
    ).toBe(added + DAY + 1);
    expect(nextWindowChange(parse({ type: "sessions", within: "7d" }), f)).toBe(NOW + DAY + 1);
    expect(nextWindowChange(parse({ type: "loyal" }), f)).toBeNull();
    expect(nextWindowChange(parse({ type: "seen", when: "last", within: "7d" }), f)).toBe(NOW - HOUR + 7 * DAY + 1);
  });
});
