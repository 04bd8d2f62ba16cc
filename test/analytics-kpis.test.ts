import { env } from "cloudflare:workers";
import { userObject } from "./helpers/objects";
import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { eventually } from "./helpers/wait";

const T0 = Date.UTC(2026, 2, 2, 10); // Monday 2 March
const D = 86_400_000;
const track = (app: TestApp, who: Record<string, string>, at: number) =>
  sdk(app, "/v1/track", { ...who, event: "Screen Viewed", timestamp: new Date(at).toISOString() }, { clock: at });

type Kpis = {
  days: Array<{
    day: string;
    dau: number;
    people: number;
    optIn: Record<string, { optedIn: number; optedOut: number; rate: number | null }>;
    push: { installed: number; uninstalled: number; uninstallRate: number | null };
  }>;
  weeks: Array<{ week: string; wau: number }>;
  months: Array<{ month: string; mau: number; avgDau: number | null; stickiness: number | null }>;
  channels: Array<{
    day: string;
    channel: string;
    sent: number;
    delivered: number;
    opened: number;
    clicked: number;
    converted: number;
    openRate: number | null;
    conversionRate: number | null;
  }>;
};
const kpis = async (app: TestApp, q = "from=2026-03-02&to=2026-03-10") =>
  (await (await admin(app, `/admin/analytics/kpis?${q}`, { clock: T0 + 30 * D })).json()) as Kpis;

describe("KPIs over time", () => {
  it("DAU/WAU/MAU and stickiness, opt-in per channel, uninstalls, from the objects' counters", async () => {
    const app = await createTestApp();
    await track(app, { userId: "a" }, T0);
    await track(app, { userId: "a" }, T0 + 1000);
    await track(app, { userId: "a" }, T0 + D);
    await track(app, { userId: "b" }, T0);
    await track(app, { userId: "c" }, T0 + 8 * D);
    await sdk(
      app,
      "/v1/devices",
      {
        userId: "a",
        register: [{ provider: "fcm", platform: "android", token: "fcm-token-kpi-a" }],
        consent: { push: "opted_in" },
      },
      { clock: T0 + 2000 },
    );
    await sdk(
      app,
      "/v1/devices",
      { userId: "b", consent: { push: "opted_out", email: "opted_in" }, email: "b@example.com" },
      { clock: T0 + 2000 },
    );
    await userObject(`${app.appId}/u/a`).invalidateDevice({
      appId: app.appId,
      token: "fcm-token-kpi-a",
      reason: "FCM UNREGISTERED",
      now: T0 + 2 * D,
    });
    // A visitor who signs up is one person, not two.
    await track(app, { anonymousId: "v-1" }, T0 + 8 * D);
    await sdk(
      app,
      "/v1/identify",
      { userId: "dan", anonymousId: "v-1", timestamp: new Date(T0 + 8 * D + 1000).toISOString() },
      { clock: T0 + 8 * D + 1000 },
    );

    const k = await eventually(
      async () => {
        const x = await kpis(app);
        const last = x.days.at(-1)!;
        return last.people === 4 && x.days[2]!.push.uninstalled === 1 && x.days[8]!.dau === 2 ? x : null;
      },
      10_000,
      "KPI counters",
    );
    expect(k.days.map((d) => d.dau)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 2]);
    expect(k.days.map((d) => d.people)).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 4]);
    expect(k.days[0]!.optIn.push).toEqual({ optedIn: 1, optedOut: 1, rate: 0.5 });
    expect(k.days[0]!.optIn.email).toEqual({ optedIn: 1, optedOut: 0, rate: 0.5 });
    expect(k.days[8]!.optIn.push!.rate).toBe(0.25);
    expect(k.days[1]!.push).toEqual({ installed: 1, uninstalled: 0, uninstallRate: 0 });
    expect(k.days[2]!.push).toEqual({ installed: 0, uninstalled: 1, uninstallRate: 1 });
    expect(k.weeks).toEqual([
      { week: "2026-03-02", wau: 2 },
      { week: "2026-03-09", wau: 2 },
    ]);
    expect(k.months).toEqual([
      {
        month: "2026-03",
        mau: 4,
        avgDau: Math.round((5 / 9) * 100) / 100,
        stickiness: Math.round((Math.round((5 / 9) * 100) / 100 / 4) * 10000) / 10000,
      },
    ]);
  });

  it("engagement and conversion per channel from deliveries and campaign conversions", async () => {
    const app = await createTestApp();
    const ins = (key: string, channel: string, sent: number | null, delivered: number | null, opened: number | null) =>
      env.DB.prepare(
        `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, created_at, updated_at, sent_at, delivered_at, opened_at) VALUES (?, '', ?, ?, 'x', 'camp', 'A', ?, 'sandbox', 'sent', ?, ?, ?, ?, ?)`,
      )
        .bind(key, app.appId, key.split(":")[0], channel, T0, T0, sent, delivered, opened)
        .run();
    await ins("u1:i1:s1", "push", T0, T0 + 1, T0 + 2);
    await ins("u2:i2:s1", "push", T0, T0 + 1, null);
    await ins("u3:i3:s1", "email", T0, null, null);
    await env.DB.prepare(
      `INSERT INTO campaign_stats (dedupe_key, app_id, campaign_id, variant, kind, user_id, at) VALUES ('u1:i1:converted', ?, 'camp', 'A', 'converted', 'u1', ?)`,
    )
      .bind(app.appId, T0 + 5)
      .run();
    const k = await kpis(app, "from=2026-03-02&to=2026-03-02");
    expect(k.channels).toEqual([
      {
        day: "2026-03-02",
        channel: "email",
        sent: 1,
        delivered: 0,
        opened: 0,
        clicked: 0,
        converted: 0,
        openRate: null,
        clickRate: null,
        conversionRate: null,
        simulated: false,
      },
      {
        day: "2026-03-02",
        channel: "push",
        sent: 2,
        delivered: 2,
        opened: 1,
        clicked: 0,
        converted: 1,
        openRate: 0.5,
        clickRate: 0,
        conversionRate: 0.5,
        simulated: false,
      },
    ]);
    const bad = await admin(app, "/admin/analytics/kpis?from=2026-03-05&to=2026-03-01");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "from",
    );
  });
});
