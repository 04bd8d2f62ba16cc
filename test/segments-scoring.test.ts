import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY, MINUTE } from "../src/kernel/clock";
import { loadAppConfig } from "../src/stores/config/app-config";
import { runNightlySegmentation } from "../src/jobs/nightly-job";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { eventually } from "./helpers/wait";
import { indexFirst, indexSum } from "./helpers/index-shards";

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
/** The CDNOW estimates of Fader, Hardie & Lee (2005), used as a known model. */
const PAPER = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, logLikelihood: -9582.4, n: 2357, converged: true };
const CUTS = { recencyDays: [7, 30, 60, 120], frequency: [1, 2, 3, 5], monetary: [50, 100, 200, 500], n: 100 };

/** Installs a known model for the app (as the nightly job would) and makes this isolate's config current. */
async function installModel(app: TestApp, at: number) {
  const version = await env.DB.prepare(`SELECT COALESCE(MAX(version), 0) + 1 AS v FROM model_params WHERE app_id = ?`)
    .bind(app.appId)
    .first<number>("v");
  await env.DB.prepare(
    `INSERT INTO model_params (app_id, version, computed_at, purchasers, cut_points, bgnbd) VALUES (?, ?, ?, 100, ?, ?)`,
  )
    .bind(app.appId, version, at, JSON.stringify(CUTS), JSON.stringify(PAPER))
    .run();
  const configVersion = await env.DB.prepare(
    `UPDATE apps SET config_version = config_version + 1 WHERE id = ? RETURNING config_version`,
  )
    .bind(app.appId)
    .first<number>("config_version");
  await loadAppConfig(env.DB, app.appId, configVersion!);
}

interface ScoringView {
  rfm: { segment: string | null; r?: number; f?: number; m?: number; inputs?: Record<string, number> };
  churn: {
    band: string | null;
    pAlive?: number;
    expectedPurchases30?: number;
    inputs?: { x: number; tx: number; T: number; unit: string };
    parameters?: Record<string, number>;
  };
}
async function scoring(app: TestApp, userId: string): Promise<ScoringView> {
  const res = await admin(app, `/admin/users/${userId}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { features: { scoring: ScoringView } }).features.scoring;
}
async function segmentTimeline(app: TestApp, userId: string) {
  const res = await admin(app, `/admin/users/${userId}/timeline?limit=500`);
  const body = (await res.json()) as {
    entries: Array<{ kind: string; at: number; detail: Record<string, { from: string | null; to: string | null }> }>;
  };
  const entries = body.entries.filter((e) => e.kind === "segment").reverse();
  return {
    rfm: entries.filter((e) => e.detail.rfm).map((e) => `${e.detail.rfm!.from}→${e.detail.rfm!.to}`),
    churn: entries
      .filter((e) => e.detail.churnRisk)
      .map((e) => `${e.detail.churnRisk!.from}→${e.detail.churnRisk!.to}`),
  };
}
const purchase = (app: TestApp, userId: string, at: number, revenue: number) =>
  sdk(
    app,
    "/v1/track",
    {
      userId,
      event: "Order Completed",
      messageId: `${userId}-${at}`,
      properties: { revenue },
      timestamp: new Date(at).toISOString(),
    },
    { clock: at },
  );
const tick = (app: TestApp, userId: string, at: number) =>
  admin(app, `/admin/users/${userId}/tick`, { method: "POST", clock: at });

describe("RFM and churn scoring in the UserObject", () => {
  it("moves a customer through RFM segments and churn bands as purchases and time pass", async () => {
    const app = await createTestApp();
    await installModel(app, T0 - DAY);

    await purchase(app, "ada", T0, 30);
    let s = await scoring(app, "ada");
    expect(s.rfm).toMatchObject({ segment: "New Customers", r: 5, f: 1, m: 1 });
    // One purchase: x = 0, so BG/NBD says alive (P = 1) by construction.
    expect(s.churn).toMatchObject({
      band: "low",
      pAlive: 1,
      inputs: { x: 0, tx: 0, T: 0, unit: "weeks" },
      parameters: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
    });

    await purchase(app, "ada", T0 + 7 * DAY, 40);
    expect((await scoring(app, "ada")).rfm).toMatchObject({ segment: "Potential Loyalists", f: 2, m: 2 });
    await purchase(app, "ada", T0 + 14 * DAY, 60);
    await purchase(app, "ada", T0 + 21 * DAY, 80);
    s = await scoring(app, "ada");
    expect(s.rfm).toMatchObject({
      segment: "Champions",
      r: 5,
      f: 4,
      m: 4,
      inputs: { recencyDays: 0, purchases: 4, revenue: 210 },
    });
    expect(s.churn.inputs).toMatchObject({ x: 3, tx: 3, T: 3 });
    expect(s.churn.pAlive).toBeCloseTo(1 / (1 + 0.793 / (2.426 + 2)), 5);
    expect(s.churn.band).toBe("low");
    expect(s.churn.expectedPurchases30).toBeGreaterThan(0);

    // Time alone: the daily timer re-scores recency and P(alive).
    const last = T0 + 21 * DAY;
    await tick(app, "ada", last + 10 * DAY);
    expect((await scoring(app, "ada")).rfm.segment).toBe("Loyal"); // R4 F4
    await tick(app, "ada", last + 30 * DAY);
    s = await scoring(app, "ada");
    expect(s.churn.band).toBe("medium"); // P(alive) < 0.6 after ~3.7 weeks of silence
    await tick(app, "ada", last + 65 * DAY);
    s = await scoring(app, "ada");
    expect(s.rfm.segment).toBe("At Risk"); // R2 F4
    expect(s.churn.band).toBe("high"); // P(alive) < 0.3 after ~9 weeks
    expect(s.churn.pAlive).toBeLessThan(0.3);

    // Coming back: a purchase makes them a Champion again and low risk.
    await purchase(app, "ada", last + 66 * DAY, 90);
    s = await scoring(app, "ada");
    expect(s.rfm.segment).toBe("Champions");
    expect(s.churn.band).toBe("low");

    const timeline = await segmentTimeline(app, "ada");
    expect(timeline.rfm).toEqual([
      "null→New Customers",
      "New Customers→Potential Loyalists",
      "Potential Loyalists→Champions",
      "Champions→Loyal",
      "Loyal→At Risk",
      "At Risk→Champions",
    ]);
    expect(timeline.churn).toEqual(["null→low", "low→medium", "medium→high", "high→low"]);

    // The index row carries the scores (state changes are urgent updates).
    const row = await eventually(
      async () => {
        const r = await indexFirst<{ attrs: string }>(
          `SELECT attrs FROM users WHERE app_id = ? AND user_id = 'ada'`,
          app.appId,
        );
        const attrs = r ? (JSON.parse(r.attrs) as Record<string, unknown>) : null;
        return attrs?.rfmSegment === "Champions" ? attrs : null;
      },
      8000,
      "scores in the users index",
    );
    expect(row).toMatchObject({ rfmSegment: "Champions", rfmR: 5, rfmF: 4, churnBand: "low" }); // 5 purchases ≤ c4 = 5 → F4
  });

  it("bands P(alive) with the app's own churnBands thresholds", async () => {
    const app = await createTestApp({ churnBands: { high: 0.5, medium: 0.9 } });
    await installModel(app, T0 - DAY);
    await purchase(app, "bo", T0, 20);
    await purchase(app, "bo", T0 + 2 * DAY, 20);
    // Bands follow the app's thresholds: 1/(1 + a/(b+x−1)) ≈ 0.75 right after a repeat purchase is "medium" here.
    expect((await scoring(app, "bo")).churn.band).toBe("medium");
  });

  it("explains that there is no score before a first purchase or a model", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "cy", event: "Signed Up" }, { clock: T0 });
    const s = await scoring(app, "cy");
    expect(s.rfm).toMatchObject({ segment: null, reason: "no purchase yet" });
    await purchase(app, "cy", T0 + MINUTE, 10);
    expect((await scoring(app, "cy")).rfm).toMatchObject({ segment: null, reason: "no RFM model yet" });
    // A customer wakes daily to re-score, however long they stay away (a new model re-scales everyone).
    await admin(app, "/admin/users/cy/tick", { method: "POST", clock: T0 + 500 * DAY });
    const view = (await (await admin(app, "/admin/users/cy")).json()) as {
      timers: Array<{ key: string; dueAt: number }>;
    };
    expect(view.timers.find((t) => t.key === "scoring-daily")?.dueAt).toBe(T0 + 501 * DAY);
  });
});

describe("the nightly job", () => {
  it("computes cut points and a BG/NBD fit from the users index, and the grid, history and activity follow", async () => {
    const app = await createTestApp();
    // 24 customers with 1–6 purchase days over the last 20 weeks, and 6 people who never bought.
    const start = T0 - 140 * DAY;
    for (let i = 0; i < 24; i++) {
      const first = start + (i % 6) * 7 * DAY;
      const days = 1 + (i % 6);
      const batch = Array.from({ length: days }, (_, k) => ({
        type: "track",
        userId: `c${i}`,
        event: "Order Completed",
        messageId: `c${i}-${k}`,
        properties: { revenue: 10 + 5 * i },
        timestamp: new Date(first + k * (9 + (i % 4)) * DAY).toISOString(),
      }));
      expect((await sdk(app, "/v1/batch", { batch }, { clock: T0 })).status).toBe(200);
    }
    for (let i = 0; i < 6; i++)
      await sdk(app, "/v1/track", { userId: `v${i}`, event: "Signed Up" }, { clock: T0 - i * 3 * DAY });
    // Counters reach the index within a minute (debounced): advance virtual time past it.
    await admin(app, "/admin/tick", { method: "POST", clock: T0 + 2 * MINUTE });
    await eventually(
      async () =>
        (await indexSum(`SELECT count(*) AS n FROM users WHERE app_id = ? AND purchases > 0`, app.appId)) === 24,
      8000,
      "24 purchasers indexed",
    );
    await eventually(
      async () => (await indexSum(`SELECT count(*) AS n FROM users WHERE app_id = ?`, app.appId)) === 30,
      8000,
      "all 30 people indexed",
    );

    const res = await admin(app, "/admin/segments/recompute", { method: "POST", clock: T0 + 3 * MINUTE });
    expect(res.status).toBe(200);
    const result = (await res.json()) as {
      model: {
        version: number;
        purchasers: number;
        cutPoints: { frequency: number[] };
        bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number };
      };
      snapshot: {
        total: number;
        dau: number;
        mau: number;
        lifecycle: Record<string, number>;
        rfm: Record<string, number>;
      };
    };
    expect(result.model.purchasers).toBe(24);
    expect(result.model.cutPoints.frequency).toEqual([2, 3, 4, 5]);
    for (const k of ["r", "alpha", "a", "b"] as const) expect(result.model.bgnbd[k]).toBeGreaterThan(0);
    expect(result.model.bgnbd.logLikelihood).toBeLessThan(0);
    expect(result.snapshot.total).toBe(30);
    expect(Object.values(result.snapshot.rfm).reduce((a, b) => a + b, 0)).toBe(24);

    // The grid: 25 cells, users per segment add up, average monetary value per cell.
    const grid = (await (await admin(app, "/admin/segments/rfm", { clock: T0 + 4 * MINUTE })).json()) as {
      purchasers: number;
      cells: Array<{ r: number; f: number; segment: string; users: number; avgMonetary: number | null }>;
      segments: Record<string, { users: number; avgMonetary: number | null }>;
      transitions: { moves: Array<{ from: string | null; to: string; users: number }> };
    };
    expect(grid.cells).toHaveLength(25);
    expect(grid.purchasers).toBe(24);
    expect(Object.values(grid.segments).reduce((n, s) => n + s.users, 0)).toBe(24);
    const filled = grid.cells.filter((c) => c.users > 0);
    expect(filled.length).toBeGreaterThan(3);
    for (const c of filled) expect(c.avgMonetary).toBeGreaterThan(0);
    // First run: everyone enters from "not scored".
    expect(grid.transitions.moves.every((m) => m.from === null)).toBe(true);
    expect(grid.transitions.moves.reduce((n, m) => n + m.users, 0)).toBe(24);

    // The objects score themselves with the new model on their next event or daily timer.
    await admin(app, "/admin/tick", { method: "POST", clock: T0 + DAY + 5 * MINUTE });
    const c5 = await scoring(app, "c5");
    expect(c5.rfm.segment).not.toBeNull();
    expect(c5.churn.band).not.toBeNull();
    expect(c5.churn.inputs!.x).toBe(5);

    // Some one-time buyers come back and buy on four more days; a second run 60 days later records the moves.
    for (const id of ["c0", "c6", "c12"]) for (let k = 0; k < 4; k++) await purchase(app, id, T0 + (50 + k) * DAY, 100);
    await admin(app, "/admin/tick", { method: "POST", clock: T0 + 60 * DAY });
    await eventually(
      async () =>
        (await indexSum(`SELECT count(*) AS n FROM users WHERE app_id = ? AND purchases = 5`, app.appId)) === 7,
      8000,
      "returning buyers indexed",
    );
    const second = (await (
      await admin(app, "/admin/segments/recompute", { method: "POST", clock: T0 + 60 * DAY })
    ).json()) as { transitions: number; model: { version: number } };
    expect(second.model.version).toBe(2);
    expect(second.transitions).toBeGreaterThan(0);
    const moves = (
      (await (await admin(app, "/admin/segments/rfm", { clock: T0 + 60 * DAY })).json()) as {
        transitions: { moves: Array<{ from: string | null; to: string; users: number }> };
      }
    ).transitions.moves;
    expect(moves.some((m) => m.from !== null && m.from !== m.to)).toBe(true);

    const history = (await (
      await admin(app, "/admin/segments/lifecycle/history", { clock: T0 + 60 * DAY })
    ).json()) as { days: Array<{ day: string; total: number; states: Record<string, number> }> };
    expect(history.days.map((d) => d.day)).toEqual(["2026-01-05", "2026-03-06"]);
    expect(history.days[0]!.total).toBe(30);
    expect(Object.values(history.days[1]!.states).reduce((a, b) => a + b, 0)).toBe(30);

    const activity = (await (await admin(app, "/admin/segments/activity", { clock: T0 + 60 * DAY })).json()) as {
      dau: number;
      wau: number;
      mau: number;
      history: Array<{ day: string; mau: number }>;
    };
    expect(activity.mau).toBeGreaterThanOrEqual(activity.wau);
    expect(activity.wau).toBeGreaterThanOrEqual(activity.dau);
    expect(activity.history).toHaveLength(2);
    // Only the three returning buyers (last seen on day 53) were active within 30 days of day 60.
    expect({ dau: activity.dau, wau: activity.wau, mau: activity.mau }).toEqual({ dau: 0, wau: 3, mau: 3 });
  });

  it("runs for every app from the nightly cron", async () => {
    const app = await createTestApp();
    await purchase(app, "solo", T0, 10);
    await eventually(
      async () => (await indexSum(`SELECT count(*) AS n FROM users WHERE app_id = ?`, app.appId)) === 1,
      8000,
      "indexed",
    );
    await runNightlySegmentation(env, T0 + DAY);
    const model = (await (await admin(app, "/admin/segments/model")).json()) as {
      version: number;
      purchasers: number;
      bgnbd: unknown;
    };
    expect(model.version).toBeGreaterThanOrEqual(1);
    // One customer is too few to fit four parameters: no fit rather than a wrong one.
    expect(model.bgnbd).toBeNull();
  });
});
