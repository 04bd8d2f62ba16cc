import { describe, expect, it } from "vitest";
import type { EventRow } from "../../src/domain/analytics/export";
import { FunnelDefinition, liveFunnel } from "../../src/domain/analytics/funnel";
import {
  backfillDims,
  cursorOf,
  emptyBackfillState,
  nextDay,
  parseCursor,
  replayHour,
} from "../../src/domain/analytics/funnel-backfill";

const H = 3600_000;
const T0 = Date.UTC(2026, 2, 2, 10);
const funnel = liveFunnel(
  "f1",
  FunnelDefinition.parse({ name: "f", steps: [{ event: "View" }, { event: "Add" }], windowHours: 2 }),
);

const row = (userId: string, name: string, at: number, receivedAt = at): EventRow => ({
  type: "event",
  appId: "a",
  userId,
  anonymous: false,
  messageId: `${userId}-${name}-${at}`,
  callType: "track",
  name,
  timestamp: new Date(at).toISOString(),
  receivedAt: new Date(receivedAt).toISOString(),
  properties: {},
});
const entries = (counts: Array<{ dim: string; step: number; bucket: number; n: number }>, step: number) =>
  counts.filter((c) => c.dim === "" && c.step === step && c.bucket === -1).reduce((s, c) => s + c.n, 0);

describe("funnel backfill replay", () => {
  it("replays rows in event-time order whatever the files' order, and counts breakdowns as (unknown)", () => {
    const rows = [row("u", "Add", T0 + 10 * 60_000), row("u", "View", T0)];
    const r = replayHour(funnel, emptyBackfillState(), rows, T0 + 24 * H, T0 + H);
    expect([entries(r.counts, 0), entries(r.counts, 1)]).toEqual([1, 1]);
    expect(r.counts.filter((c) => c.dim === "os" && c.bucket === -1).map((c) => c.value)).toEqual([
      "(unknown)",
      "(unknown)",
    ]);
    expect(backfillDims(funnel)).not.toHaveProperty("arm");
    expect(r.state.people).toEqual({}); // the entry completed
  });

  it("leaves out events received after the funnel existed (counted live), and carries open entries to the next hour", () => {
    const until = T0 + 30 * 60_000;
    const first = replayHour(
      funnel,
      emptyBackfillState(),
      [row("u", "View", T0), row("v", "View", T0, until)],
      until,
      T0 + H,
    );
    expect(first.events).toBe(1);
    expect(Object.keys(first.state.people)).toEqual(["u"]);
    const next = replayHour(funnel, first.state, [row("u", "Add", T0 + H + 1)], until + 2 * H, T0 + 2 * H);
    expect(entries(next.counts, 1)).toBe(1);
    expect(next.counts.filter((c) => c.dim === "" && c.step === 1 && c.bucket >= 0)).toHaveLength(1);
  });

  it("drops entries whose window is over before the next partition", () => {
    const r = replayHour(funnel, emptyBackfillState(), [row("u", "View", T0)], T0 + 9 * H, T0 + 3 * H);
    expect(r.state.people).toEqual({});
  });

  it("cursors are UTC hour partitions, ordered as strings", () => {
    expect(cursorOf("2026-03-02", 7)).toBe("2026-03-02/07");
    expect(parseCursor("2026-03-02/07")).toEqual({ day: "2026-03-02", hour: 7, start: Date.UTC(2026, 2, 2, 7) });
    expect(nextDay("2026-02-28")).toBe("2026-03-01");
    expect(cursorOf("2026-03-02", 10) > cursorOf("2026-03-02", 9)).toBe(true);
  });
});
