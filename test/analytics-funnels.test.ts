import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { applyAnalyticsCounts } from "../src/stores/analytics/analytics-store";
import type { AnalyticsMessage } from "../src/domain/analytics/counters";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { eventually } from "./helpers/wait";
import { decisions, launchCampaign } from "./helpers/campaigns";

const T0 = Date.UTC(2026, 2, 2, 10);
const MIN = 60_000;

const CHECKOUT = {
  name: "Checkout",
  steps: [
    { event: "Product Viewed" },
    { event: "Product Added" },
    { event: "Order Completed", where: [{ property: "revenue", op: "gt", value: 0 }] },
  ],
  windowHours: 24,
};

async function createFunnel(app: TestApp, body: unknown = CHECKOUT) {
  const res = await admin(app, "/admin/funnels", { method: "POST", json: body, clock: T0 - MIN });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; countsFrom: string };
}

type Report = {
  steps: Array<{ entries: number; conversion: number | null; medianFromPreviousMs: number | null }>;
  values?: Array<{ value: string; steps: Array<{ entries: number }> }>;
};
async function report(app: TestApp, id: string, query = "from=2026-03-01&to=2026-03-31"): Promise<Report> {
  const res = await admin(app, `/admin/funnels/${id}/report?${query}`, { clock: T0 + 40 * 24 * 60 * MIN });
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}
const entries = (r: { steps: Array<{ entries: number }> }) => r.steps.map((s) => s.entries);
const track = (
  app: TestApp,
  who: Record<string, string>,
  event: string,
  at: number,
  properties: Record<string, unknown> = {},
  context?: Record<string, unknown>,
) =>
  sdk(
    app,
    "/v1/track",
    { ...who, event, properties, timestamp: new Date(at).toISOString(), ...(context ? { context } : {}) },
    { clock: at },
  );

describe("funnels", () => {
  it("CRUD with field errors; steps are fixed once counting began", async () => {
    const app = await createTestApp();
    const bad = await admin(app, "/admin/funnels", { method: "POST", json: { name: "x", steps: [{ event: "A" }] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "steps",
    );
    const filter = await admin(app, "/admin/funnels", {
      method: "POST",
      json: { name: "x", steps: [{ event: "A", where: [{ property: "p", op: "gt", value: "abc" }] }, { event: "B" }] },
    });
    expect(((await filter.json()) as { error: { message: string } }).error.message).toMatch(
      /^steps\.0\.where\.0\.value/,
    );

    const f = await createFunnel(app);
    expect(f.countsFrom).toBe("2026-03-02");
    const renamed = await admin(app, `/admin/funnels/${f.id}`, {
      method: "PUT",
      json: { ...CHECKOUT, name: "Checkout v1" },
    });
    expect(renamed.status).toBe(200);
    const changed = await admin(app, `/admin/funnels/${f.id}`, {
      method: "PUT",
      json: { ...CHECKOUT, windowHours: 48 },
    });
    expect(changed.status).toBe(400);
    expect(((await changed.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "windowHours",
    );
    const list = (await (await admin(app, "/admin/funnels")).json()) as { funnels: Array<{ name: string }> };
    expect(list.funnels.map((x) => x.name)).toEqual(["Checkout v1"]);
    const noArm = await admin(app, `/admin/funnels/${f.id}/report?breakdown=arm`);
    expect(noArm.status).toBe(400);
    const badDay = await admin(app, `/admin/funnels/${f.id}/report?from=2026-13-01`);
    expect(badDay.status).toBe(400);
    expect(((await badDay.json()) as { error: { message: string } }).error.message).toMatch(/^from/);
    expect((await admin(app, `/admin/funnels/${f.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await admin(app, `/admin/funnels/${f.id}`)).status).toBe(404);
  });

  it("each person's object counts their steps: conversion, median time, breakdown by OS, re-entry", async () => {
    const app = await createTestApp();
    const f = await createFunnel(app);
    const ios = { os: { name: "iOS", version: "17.2" } };
    const android = { os: { name: "Android", version: "14" } };
    // ann: the whole funnel on iOS, 10 and 20 minutes apart.
    await track(app, { userId: "ann" }, "Product Viewed", T0, {}, ios);
    await track(app, { userId: "ann" }, "Product Added", T0 + 10 * MIN);
    await track(app, { userId: "ann" }, "Order Completed", T0 + 30 * MIN, { revenue: 20 });
    // bob: Android, adds to cart, the order has no revenue (filter), then the window closes; comes back the next week.
    await track(app, { userId: "bob" }, "Product Viewed", T0, {}, android);
    await track(app, { userId: "bob" }, "Product Added", T0 + 10 * MIN);
    await track(app, { userId: "bob" }, "Order Completed", T0 + 20 * MIN, { revenue: 0 });
    await track(app, { userId: "bob" }, "Product Viewed", T0 + 7 * 24 * 60 * MIN);
    // cy: out of order (the order first), then views.
    await track(app, { userId: "cy" }, "Order Completed", T0, { revenue: 5 }, ios);
    await track(app, { userId: "cy" }, "Product Viewed", T0 + MIN);
    await track(app, { userId: "cy" }, "Product Viewed", T0 + 2 * MIN); // an entry is open: no re-entry

    const r = await eventually(
      async () => {
        const x = await report(app, f.id);
        return entries(x)[0] === 4 && entries(x)[2] === 1 ? x : null;
      },
      10_000,
      "funnel counts",
    );
    expect(entries(r)).toEqual([4, 2, 1]);
    expect(r.steps.map((s) => s.conversion)).toEqual([1, 0.5, 0.25]);
    // 10 minutes (both) and 20 minutes, within the ±6 % of the buckets.
    expect(Math.abs(r.steps[1]!.medianFromPreviousMs! - 10 * MIN) / (10 * MIN)).toBeLessThan(0.07);
    expect(Math.abs(r.steps[2]!.medianFromPreviousMs! - 20 * MIN) / (20 * MIN)).toBeLessThan(0.07);

    const byOs = await report(app, f.id, "from=2026-03-01&to=2026-03-31&breakdown=os");
    expect(byOs.values!.map((v) => [v.value, entries(v)])).toEqual([
      ["Android", [2, 1, 0]],
      ["iOS", [2, 1, 1]],
    ]);
    // The date range selects entries by their first step's UTC day.
    expect(entries(await report(app, f.id, "from=2026-03-03&to=2026-03-31"))).toEqual([1, 0, 0]);
  });

  it("same property: each cart converts on its own", async () => {
    const app = await createTestApp();
    const f = await createFunnel(app, {
      name: "Carts",
      steps: [{ event: "Cart Created" }, { event: "Checkout Started" }],
      sameProperty: "cart_id",
      windowHours: 2,
    });
    await track(app, { userId: "dee" }, "Cart Created", T0, { cart_id: "c1" });
    await track(app, { userId: "dee" }, "Cart Created", T0 + MIN, { cart_id: "c2" });
    await track(app, { userId: "dee" }, "Checkout Started", T0 + 2 * MIN, { cart_id: "c2" });
    await track(app, { userId: "dee" }, "Checkout Started", T0 + 3 * MIN, { cart_id: "c9" });
    await track(app, { userId: "dee" }, "Checkout Started", T0 + 3 * 60 * MIN, { cart_id: "c1" }); // after the window
    const r = await eventually(
      async () => {
        const x = await report(app, f.id);
        return entries(x)[0] === 2 && entries(x)[1] === 1 ? x : null;
      },
      10_000,
      "cart counts",
    );
    expect(entries(r)).toEqual([2, 1]);
  });

  it("identity merge: a visitor's open entry goes on in the identified person, counted once", async () => {
    const app = await createTestApp();
    const f = await createFunnel(app);
    await track(app, { anonymousId: "visitor-1" }, "Product Viewed", T0);
    await track(app, { anonymousId: "visitor-1" }, "Product Added", T0 + MIN);
    await sdk(
      app,
      "/v1/identify",
      {
        userId: "eve",
        anonymousId: "visitor-1",
        traits: { name: "Eve" },
        timestamp: new Date(T0 + 2 * MIN).toISOString(),
      },
      { clock: T0 + 2 * MIN },
    );
    await track(app, { userId: "eve" }, "Product Viewed", T0 + 3 * MIN); // the merged entry is open: no second entry
    await track(app, { userId: "eve" }, "Order Completed", T0 + 4 * MIN, { revenue: 9 });
    const r = await eventually(
      async () => {
        const x = await report(app, f.id);
        return entries(x)[2] === 1 ? x : null;
      },
      10_000,
      "merged funnel",
    );
    expect(entries(r)).toEqual([1, 1, 1]);
  });

  it("a redelivered analytics message counts once", async () => {
    const app = await createTestApp();
    const f = await createFunnel(app);
    const msg: AnalyticsMessage = {
      op: "analytics",
      key: `k-${crypto.randomUUID()}`,
      appId: app.appId,
      at: T0,
      counts: [{ kind: "funnel", subject: f.id, day: "2026-03-02", dim: "", value: "", step: 0, bucket: -1, n: 3 }],
    };
    const other: AnalyticsMessage = { ...msg, key: `k-${crypto.randomUUID()}`, counts: [{ ...msg.counts[0]!, n: 2 }] };
    await applyAnalyticsCounts(env.DB, [msg]);
    await applyAnalyticsCounts(env.DB, [msg, other, msg]); // the first again, with a new one
    await applyAnalyticsCounts(env.DB, [other]);
    expect(entries(await report(app, f.id))[0]).toBe(5);
  });
  it("breakdown by the A/B arm (or control) of a chosen campaign, as it was at entry", async () => {
    const app = await createTestApp();
    const campaignId = await launchCampaign(
      app,
      {
        name: "Offer",
        trigger: { type: "event", event: "Viewed Offer" },
        variants: [
          { id: "A", weight: 1 },
          { id: "B", weight: 1 },
        ],
        controlPercent: 30,
        steps: [
          {
            type: "message",
            id: "m",
            channels: ["in_app"],
            content: { in_app: { type: "modal", title: "Offer", body: "10% off" } },
          },
        ],
      },
      T0 - 2 * MIN,
    );
    const f = await createFunnel(app, { ...CHECKOUT, armCampaignId: campaignId });
    const arms = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      const u = `arm-${i}`;
      await track(app, { userId: u }, "Viewed Offer", T0);
      arms.set(u, (await decisions(app, u)).find((d) => d.detail.entered)!.detail.variant!);
      await track(app, { userId: u }, "Product Viewed", T0 + MIN);
      if (i % 2 === 0) await track(app, { userId: u }, "Product Added", T0 + 2 * MIN);
    }
    await track(app, { userId: "never-offered" }, "Product Viewed", T0 + MIN);
    const r = await eventually(
      async () => {
        const x = await report(app, f.id, "from=2026-03-01&to=2026-03-31&breakdown=arm");
        return entries(x)[0] === 13 && entries(x)[1] === 6 ? x : null;
      },
      10_000,
      "arm breakdown",
    );
    const expected = new Map<string, [number, number]>([["(not entered)", [1, 0]]]);
    for (const [u, arm] of arms) {
      const e = expected.get(arm) ?? [0, 0];
      e[0]++;
      if (Number(u.slice(4)) % 2 === 0) e[1]++;
      expected.set(arm, e);
    }
    expect(Object.fromEntries(r.values!.map((v) => [v.value, entries(v).slice(0, 2)]))).toEqual(
      Object.fromEntries(expected),
    );
  });
});
