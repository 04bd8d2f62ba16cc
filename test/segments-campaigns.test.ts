import { env } from "cloudflare:workers";
import { reachableUser, T0 } from "./helpers/people";
import { describe, expect, it } from "vitest";
import { DAY, HOUR } from "../src/kernel/clock";
import { loadAppConfig } from "../src/stores/config/app-config";
import { clearKeyCache } from "../src/stores/config/app-directory";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { launchCampaign, sent, tick } from "./helpers/campaigns";

// 10:00 UTC: outside the default quiet hours.

async function installPaperModel(app: TestApp) {
  const cuts = { recencyDays: [7, 30, 60, 120], frequency: [1, 2, 3, 5], monetary: [50, 100, 200, 500], n: 100 };
  const fit = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, logLikelihood: -9582.4, n: 2357, converged: true };
  await env.DB.prepare(
    `INSERT INTO model_params (app_id, version, computed_at, purchasers, cut_points, bgnbd) VALUES (?, 1, ?, 100, ?, ?)`,
  )
    .bind(app.appId, T0 - DAY, JSON.stringify(cuts), JSON.stringify(fit))
    .run();
  const v = await env.DB.prepare(
    `UPDATE apps SET config_version = config_version + 1 WHERE id = ? RETURNING config_version`,
  )
    .bind(app.appId)
    .first<number>("config_version");
  await loadAppConfig(env.DB, app.appId, v!);
  clearKeyCache();
}
const purchase = (app: TestApp, userId: string, at: number) =>
  sdk(
    app,
    "/v1/track",
    {
      userId,
      event: "Order Completed",
      messageId: `${userId}-${at}`,
      properties: { revenue: 50 },
      timestamp: new Date(at).toISOString(),
    },
    { clock: at },
  );

describe("campaigns trigger on segmentation events", () => {
  it("entering a saved segment starts a journey", async () => {
    const app = await createTestApp();
    const res = await admin(app, "/admin/segments", {
      method: "POST",
      json: {
        name: "Browsing, not buying",
        filter: {
          type: "and",
          filters: [
            { type: "event", name: "Product Viewed", within: "1h", atLeast: 2 },
            { type: "event", name: "Order Completed", within: "1d", did: false },
          ],
        },
      },
      clock: T0,
    });
    const segment = (await res.json()) as { id: string };
    await launchCampaign(app, {
      name: "Nudge browsers",
      trigger: { type: "segment", segmentId: segment.id, on: "enter" },
      steps: [
        {
          type: "message",
          id: "nudge",
          channels: ["push"],
          content: { push: { body: "Still looking? Here is free shipping" } },
        },
      ],
    });
    await reachableUser(app, "viewer", T0, { email: false });
    await sdk(app, "/v1/track", { userId: "viewer", event: "Product Viewed", messageId: "v1" }, { clock: T0 });
    expect(await sent(app, "viewer")).toEqual([]);
    await sdk(
      app,
      "/v1/track",
      { userId: "viewer", event: "Product Viewed", messageId: "v2" },
      { clock: T0 + 10 * 60_000 },
    );
    expect(await sent(app, "viewer")).toEqual(["nudge:push"]);
  });

  it("churn-risk outreach: a customer going quiet crosses into the high band and is messaged once", async () => {
    const app = await createTestApp();
    await installPaperModel(app);
    await launchCampaign(app, {
      name: "Churn save",
      trigger: { type: "event", event: "Churn Risk Changed", filters: [{ property: "to", op: "eq", value: "high" }] },
      steps: [
        { type: "message", id: "save", channels: ["push"], content: { push: { body: "We saved you a 15% discount" } } },
      ],
    });
    await reachableUser(app, "quiet", T0, { email: false });
    for (const week of [0, 1, 2, 3]) await purchase(app, "quiet", T0 + week * 7 * DAY);
    const last = T0 + 21 * DAY;
    await tick(app, "quiet", last + 30 * DAY); // medium risk: no message
    expect(await sent(app, "quiet")).toEqual([]);
    await tick(app, "quiet", last + 65 * DAY); // high risk
    expect(await sent(app, "quiet")).toEqual(["save:push"]);
    await tick(app, "quiet", last + 66 * DAY);
    expect(await sent(app, "quiet")).toEqual(["save:push"]);
  });

  it("becoming a Champion earns a thank-you", async () => {
    const app = await createTestApp();
    await installPaperModel(app);
    await launchCampaign(app, {
      name: "Champions",
      trigger: {
        type: "event",
        event: "RFM Segment Changed",
        filters: [{ property: "to", op: "eq", value: "Champions" }],
      },
      steps: [
        {
          type: "message",
          id: "thanks",
          channels: ["push"],
          content: { push: { body: "Thank you for being a champion" } },
        },
      ],
    });
    await reachableUser(app, "fan", T0, { email: false });
    for (const k of [0, 1, 2]) await purchase(app, "fan", T0 + k * 2 * DAY);
    expect(await sent(app, "fan")).toEqual([]);
    await purchase(app, "fan", T0 + 6 * DAY + HOUR);
    expect(await sent(app, "fan")).toEqual(["thanks:push"]);
  });
});
