import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { decisions, launchCampaign, tick } from "./helpers/campaigns";
import { eventually } from "./helpers/wait";

// A Monday.
const T0 = Date.UTC(2026, 2, 2, 10);
const D = 86_400_000;
const LATER = T0 + 60 * D;
const track = (app: TestApp, userId: string, event: string, at: number) =>
  sdk(app, "/v1/track", { userId, event, timestamp: new Date(at).toISOString() }, { clock: at });

type Table = { cohorts: Array<{ cohort: string; size: number; retained: number[]; rates: Array<number | null> }> };
const retention = async (app: TestApp, q: string) => {
  const res = await admin(app, `/admin/analytics/retention?${q}`, { clock: LATER });
  expect(res.status).toBe(200);
  return (await res.json()) as Table;
};

describe("retention cohorts", () => {
  it("counts distinct people per cohort and period, by day and by week, from first seen or a first event", async () => {
    const app = await createTestApp({ retentionEvents: ["Signed Up"] });
    // a: days 0, 1, 7 (twice on day 0). b: days 0 and 2, buys on day 2. c: first seen on day 1, buys on days 1 and 8.
    for (const [u, d] of [
      ["a", 0],
      ["a", 0.1],
      ["a", 1],
      ["a", 7],
      ["b", 0],
      ["b", 2],
      ["c", 1],
      ["c", 8],
    ] as const)
      await track(app, u, "Screen Viewed", T0 + d * D);
    await track(app, "b", "Order Completed", T0 + 2 * D + 1000);
    await track(app, "c", "Order Completed", T0 + D + 1000);
    await track(app, "c", "Order Completed", T0 + 8 * D + 1000);

    const daily = await eventually(
      async () => {
        const t = await retention(app, "by=day&from=2026-03-01&to=2026-03-10&periods=9");
        return t.cohorts.length === 2 && t.cohorts[1]!.retained[7] === 1 && t.cohorts[0]!.retained[7] === 1 ? t : null;
      },
      10_000,
      "daily cohorts",
    );
    expect(daily.cohorts.map((c) => [c.cohort, c.size, c.retained])).toEqual([
      ["2026-03-02", 2, [2, 1, 1, 0, 0, 0, 0, 1, 0]],
      ["2026-03-03", 1, [1, 0, 0, 0, 0, 0, 0, 1, 0]],
    ]);
    expect(daily.cohorts[0]!.rates.slice(0, 3)).toEqual([1, 0.5, 0.5]);

    const weekly = await retention(app, "by=week&from=2026-03-02&to=2026-03-08&periods=3");
    expect(weekly.cohorts.map((c) => [c.cohort, c.size, c.retained])).toEqual([["2026-03-02", 3, [3, 2, 0]]]);

    // Start: the first purchase (the app's purchase event); return: another purchase.
    const buyers = await retention(
      app,
      "by=week&from=2026-03-02&to=2026-03-08&start=Order%20Completed&return=Order%20Completed&periods=2",
    );
    expect(buyers.cohorts.map((c) => [c.size, c.retained])).toEqual([[2, [2, 1]]]);

    const bad = await admin(app, "/admin/analytics/retention?start=Unknown", { clock: LATER });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "start",
    );
    const badBy = await admin(app, "/admin/analytics/retention?by=month");
    expect(((await badBy.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "by",
    );
  });
});

describe("lifecycle flow", () => {
  it("counts the objects' moves per day and week, and a campaign's difference on one move against its control group", async () => {
    const app = await createTestApp({ lifecycle: { newDays: 1, dormantDays: 3, churnedDays: 5 } });
    const id = await launchCampaign(
      app,
      {
        name: "Welcome",
        trigger: { type: "event", event: "Viewed Offer" },
        controlPercent: 50,
        steps: [
          {
            type: "message",
            id: "hi",
            channels: ["in_app"],
            content: { in_app: { type: "modal", title: "Hi", body: "Welcome" } },
          },
        ],
      },
      T0 - 1000,
    );
    const arms = new Map<string, string>();
    const N = 12;
    for (let i = 0; i < N; i++) {
      const u = `l-${i}`;
      await track(app, u, "Viewed Offer", T0);
      arms.set(u, (await decisions(app, u)).find((d) => d.detail.entered)!.detail.variant!);
      await tick(app, u, T0 + D + 60_000); // new → active
      if (i % 2 === 0) await track(app, u, "Screen Viewed", T0 + 2 * D);
      await tick(app, u, T0 + 3 * D + 60_000); // odd ones: active → dormant
    }
    const flow = await eventually(
      async () => {
        const res = await admin(app, "/admin/analytics/lifecycle?by=day&from=2026-03-01&to=2026-03-10", {
          clock: LATER,
        });
        const body = (await res.json()) as {
          periods: Array<{ period: string; moves: Array<{ from: string; to: string; n: number }> }>;
          totals: Array<{ from: string; to: string; n: number }>;
        };
        return body.totals.find((m) => m.to === "dormant")?.n === N / 2 &&
          body.totals.find((m) => m.to === "active")?.n === N
          ? body
          : null;
      },
      10_000,
      "lifecycle moves",
    );
    expect(flow.periods).toEqual([
      { period: "2026-03-03", moves: [{ from: "new", to: "active", n: N }] },
      { period: "2026-03-05", moves: [{ from: "active", to: "dormant", n: N / 2 }] },
    ]);
    const weekly = (await (
      await admin(app, "/admin/analytics/lifecycle?by=week&from=2026-03-02&to=2026-03-08", { clock: LATER })
    ).json()) as { periods: Array<{ period: string; moves: unknown[] }> };
    expect(weekly.periods.map((p) => [p.period, p.moves.length])).toEqual([["2026-03-02", 2]]);

    const group = (u: string) => (arms.get(u) === "control" ? "control" : "treatment");
    const expected = { treatment: { entered: 0, moved: 0 }, control: { entered: 0, moved: 0 } };
    for (const [u] of arms) {
      expected[group(u)].entered++;
      if (Number(u.slice(2)) % 2 === 1) expected[group(u)].moved++;
    }
    const effect = await eventually(
      async () => {
        const res = await admin(app, `/admin/analytics/lifecycle/campaigns/${id}?move=active>dormant`, {
          clock: LATER,
        });
        const body = (await res.json()) as {
          treatment: { entered: number; moved: number };
          control: { entered: number; moved: number };
          difference: number | null;
          ci: { low: number; high: number } | null;
        };
        return body.treatment.entered + body.control.entered === N &&
          body.treatment.moved + body.control.moved === N / 2
          ? body
          : null;
      },
      10_000,
      "campaign effect",
    );
    expect(effect.treatment).toMatchObject(expected.treatment);
    expect(effect.control).toMatchObject(expected.control);
    if (expected.treatment.entered > 0 && expected.control.entered > 0) {
      expect(effect.difference).toBeCloseTo(
        expected.treatment.moved / expected.treatment.entered - expected.control.moved / expected.control.entered,
        10,
      );
      expect(effect.ci!.low).toBeLessThanOrEqual(effect.difference!);
    }
    const badMove = await admin(app, `/admin/analytics/lifecycle/campaigns/${id}?move=asleep>awake`);
    expect(((await badMove.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "move",
    );
    expect((await admin(app, `/admin/analytics/lifecycle/campaigns/nope`)).status).toBe(404);
  });
});
