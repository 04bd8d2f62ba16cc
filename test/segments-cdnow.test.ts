/// <reference types="vite/client" />
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY } from "../src/kernel/clock";
// The 1/10 CDNOW sample (Fader, Hardie & Lee 2005): master id, sample id, YYYYMMDD, CDs, dollars.
import sample from "./fixtures/CDNOW_sample.txt?raw";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { eventually } from "./helpers/wait";
import { indexSum } from "./helpers/index-shards";

/** End of the paper's 39-week calibration period. */
const CALIBRATION_END = Date.UTC(1997, 8, 30);
const dateOf = (yyyymmdd: string) =>
  Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8)));

function purchasesByCustomer(): Map<string, Array<{ at: number; revenue: number }>> {
  const byCustomer = new Map<string, Array<{ at: number; revenue: number }>>();
  for (const line of sample.split(/\r?\n/)) {
    const [, id, date, , dollars] = line.trim().split(/\s+/);
    if (!id || !date) continue;
    const at = dateOf(date);
    if (at > CALIBRATION_END) continue;
    const list = byCustomer.get(id) ?? byCustomer.set(id, []).get(id)!;
    list.push({ at, revenue: Number(dollars) });
  }
  for (const list of byCustomer.values()) list.sort((a, b) => a.at - b.at);
  return byCustomer;
}

async function tickAll(app: TestApp, at: number) {
  let after: string | null = "";
  while (after !== null) {
    const res = await admin(app, `/admin/tick?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ""}`, {
      method: "POST",
      clock: at,
    });
    after = ((await res.json()) as { next: string | null }).next;
  }
}

describe("CDNOW replayed through the API", () => {
  it("the nightly job fits the paper's BG/NBD estimates from the users index, and fills the RFM grid and churn bands", {
    timeout: 300_000,
  }, async () => {
    const started = Date.now();
    const phase = (name: string) => console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const app = await createTestApp();
    const customers = [...purchasesByCustomer()];
    expect(customers).toHaveLength(2357);

    // Every calibration-period purchase as an `Order Completed` event, received at the end of the period.
    for (let i = 0; i < customers.length; i += 100) {
      const batch = customers.slice(i, i + 100).flatMap(([id, purchases]) =>
        purchases.map((p, k) => ({
          type: "track",
          userId: `cdnow-${id}`,
          event: "Order Completed",
          messageId: `${id}-${k}`,
          timestamp: new Date(p.at).toISOString(),
          properties: { revenue: p.revenue },
        })),
      );
      const res = await sdk(app, "/v1/batch", { batch }, { clock: CALIBRATION_END });
      expect(res.status).toBe(200);
    }
    // A new profile's first index row is urgent and carries the whole first call's counters: no tick needed.
    const expectedDays = customers.reduce((n, [, ps]) => n + new Set(ps.map((p) => p.at)).size, 0);
    await eventually(
      async () =>
        (await indexSum(`SELECT SUM(purchase_days) AS n FROM users WHERE app_id = ?`, app.appId)) === expectedDays,
      60_000,
      "every purchase day in the users index",
    );

    phase("replayed and indexed");
    const res = await admin(app, "/admin/segments/recompute", { method: "POST", clock: CALIBRATION_END });
    expect(res.status).toBe(200);
    const { model } = (await res.json()) as {
      model: {
        purchasers: number;
        bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; n: number };
      };
    };
    expect(model.purchasers).toBe(2357);
    expect(model.bgnbd.n).toBe(2357);
    expect(model.bgnbd.r.toFixed(3)).toBe("0.243");
    expect(model.bgnbd.alpha.toFixed(3)).toBe("4.414");
    expect(model.bgnbd.a.toFixed(3)).toBe("0.793");
    expect(model.bgnbd.b.toFixed(3)).toBe("2.426");
    expect(model.bgnbd.logLikelihood.toFixed(1)).toBe("-9582.4");

    phase("fitted");
    // A day later every customer has re-scored with the new model (daily timer).
    await tickAll(app, CALIBRATION_END + DAY);
    const grid = await eventually(
      async () => {
        const g = (await (await admin(app, "/admin/segments/rfm", { clock: CALIBRATION_END + DAY })).json()) as {
          purchasers: number;
          cells: Array<{ users: number }>;
          segments: Record<string, { users: number; avgMonetary: number | null }>;
          churnBands: Record<string, { users: number; avgPAlive: number | null }>;
        };
        const banded = Object.values(g.churnBands).reduce((n, b) => n + b.users, 0);
        return banded === 2357 ? g : null;
      },
      60_000,
      "churn bands for every customer",
    );
    phase("re-scored");
    expect(grid.purchasers).toBe(2357);
    expect(grid.cells.filter((c) => c.users > 0).length).toBeGreaterThanOrEqual(10);
    expect(Object.values(grid.segments).filter((s) => s.users > 0).length).toBeGreaterThanOrEqual(6);
    for (const band of ["high", "medium", "low"]) expect(grid.churnBands[band]!.users).toBeGreaterThan(0);
    console.log(
      "CDNOW sample RFM segments:",
      JSON.stringify(Object.fromEntries(Object.entries(grid.segments).map(([k, v]) => [k, v.users]))),
      "churn bands:",
      JSON.stringify(grid.churnBands),
    );
  });
});
