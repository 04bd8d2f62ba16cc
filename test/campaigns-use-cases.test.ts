import { describe, expect, it } from "vitest";
import { reachableUser, T0 } from "./helpers/people";
import { DAY, HOUR, MINUTE } from "../src/kernel/clock";
import { clearKeyCache } from "../src/stores/config/app-directory";
import { admin, createTestApp, sdk } from "./helpers/api";
import { decisions, launchCampaign, sent, tick } from "./helpers/campaigns";

// 10:00 UTC on a Tuesday: outside the default quiet hours (22:00–08:00 UTC for users without a timezone).

/** Loyalty milestone: the 10th purchase earns a reward, once. */
const TENTH_ORDER_REWARD = {
  name: "10th order reward",
  trigger: { type: "event", event: "Order Completed" },
  audience: { did: { event: "Order Completed", atLeast: 10 } },
  reentry: "once",
  transactional: true,
  steps: [
    {
      type: "message",
      id: "reward",
      channels: ["email"],
      content: { email: { subject: "Your 10th order: a gift", text: "Use code LOYAL10" } },
    },
  ],
};

describe("seed use cases, built through the admin API", () => {
  it("onboarding: welcome now, profile-completion nudge after 1 day unless completed", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Onboarding",
      trigger: { type: "event", event: "Signed Up" },
      reentry: "once",
      steps: [
        {
          type: "message",
          id: "welcome",
          channels: ["push", "email"],
          content: {
            push: {
              title: "Welcome, {{ user.first_name | default: 'friend' }}!",
              body: "Tap to set up your profile",
              deepLink: "shop://profile",
            },
            email: { subject: "Welcome", text: "Hi" },
          },
        },
        { type: "delay", id: "wait-a-day", duration: { days: 1 } },
        {
          type: "branch",
          id: "completed",
          condition: { did: { event: "Profile Completed" } },
          then: "done",
          else: "nudge",
        },
        {
          type: "message",
          id: "nudge",
          channels: ["push", "in_app"],
          content: {
            push: { body: "Finish your profile to get 10% off" },
            in_app: { type: "banner", title: "Almost there", body: "Complete your profile" },
          },
        },
        { type: "exit", id: "done" },
      ],
    });
    for (const u of ["ada", "bob"]) {
      await reachableUser(app, u);
      const res = await sdk(
        app,
        "/v1/identify",
        { userId: u, traits: { first_name: u === "ada" ? "Ada" : undefined } },
        { clock: T0 },
      );
      expect(res.status).toBe(200);
      const signup = await sdk(
        app,
        "/v1/track",
        { userId: u, event: "Signed Up", messageId: `su-${u}` },
        { clock: T0 },
      );
      // The welcome job is enqueued in the same request as the event.
      expect(((await signup.json()) as { applied: number }).applied).toBe(1);
    }
    expect(await sent(app, "ada")).toEqual(["welcome:push"]);
    await sdk(app, "/v1/track", { userId: "ada", event: "Profile Completed" }, { clock: T0 + 5 * HOUR });
    await tick(app, "ada", T0 + DAY);
    await tick(app, "bob", T0 + DAY);
    expect(await sent(app, "ada")).toEqual(["welcome:push"]);
    expect(await sent(app, "bob")).toEqual(["welcome:push", "nudge:push"]);
    // Signing up again does not re-enter (re-entry: once).
    await sdk(app, "/v1/track", { userId: "bob", event: "Signed Up", messageId: "su-bob-2" }, { clock: T0 + 2 * DAY });
    expect(await sent(app, "bob")).toHaveLength(2);
  });

  it("cart abandonment: reminder at 30 minutes, a purchase at 29 minutes cancels, two carts are two timers", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Cart abandonment",
      trigger: {
        type: "inaction",
        start: { event: "Product Added" },
        cancel: { event: "Order Completed" },
        key: "cart_id",
        within: { minutes: 30 },
      },
      steps: [
        {
          type: "message",
          id: "reminder",
          channels: ["push"],
          content: {
            push: {
              title: "Still thinking?",
              body: "Your {{ event.product }} is waiting",
              deepLink: "shop://cart/{{ event.cart_id }}",
            },
          },
        },
      ],
    });
    await reachableUser(app, "buyer");
    await reachableUser(app, "browser");
    await sdk(
      app,
      "/v1/track",
      { userId: "buyer", event: "Product Added", properties: { cart_id: "c1", product: "camera" } },
      { clock: T0 },
    );
    await sdk(
      app,
      "/v1/track",
      { userId: "buyer", event: "Order Completed", properties: { cart_id: "c1", revenue: 300 } },
      { clock: T0 + 29 * MINUTE },
    );
    await tick(app, "buyer", T0 + 31 * MINUTE);
    expect(await sent(app, "buyer")).toEqual([]);
    expect((await decisions(app, "buyer")).some((d) => d.detail.cancelled)).toBe(true);

    await sdk(
      app,
      "/v1/batch",
      {
        batch: [
          { type: "track", userId: "browser", event: "Product Added", properties: { cart_id: "c2", product: "lens" } },
          {
            type: "track",
            userId: "browser",
            event: "Product Added",
            properties: { cart_id: "c3", product: "tripod" },
          },
        ],
      },
      { clock: T0 },
    );
    // One cart converts; the other is abandoned.
    await sdk(
      app,
      "/v1/track",
      { userId: "browser", event: "Order Completed", properties: { cart_id: "c3" } },
      { clock: T0 + 10 * MINUTE },
    );
    await tick(app, "browser", T0 + 30 * MINUTE - 1);
    expect(await sent(app, "browser")).toEqual([]);
    await tick(app, "browser", T0 + 30 * MINUTE);
    expect(await sent(app, "browser")).toEqual(["reminder:push"]);
    await tick(app, "browser", T0 + 2 * HOUR);
    expect(await sent(app, "browser")).toEqual(["reminder:push"]);
  });

  it("dormancy re-engagement on active → dormant", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Win-back",
      trigger: { type: "lifecycle", from: "active", to: "dormant" },
      steps: [
        {
          type: "message",
          id: "winback",
          channels: ["push", "email"],
          content: {
            push: { body: "We miss you — here is 20% off" },
            email: { subject: "We miss you", text: "20% off" },
          },
        },
      ],
    });
    await reachableUser(app, "sleepy");
    await sdk(app, "/v1/track", { userId: "sleepy", event: "Application Opened" }, { clock: T0 });
    await tick(app, "sleepy", T0 + 7 * DAY);
    expect(await sent(app, "sleepy")).toEqual([]);
    // 14 days idle, at 10:00 UTC: dormant → the win-back message leaves at once.
    await tick(app, "sleepy", T0 + 14 * DAY);
    expect(await sent(app, "sleepy")).toEqual(["winback:push"]);
  });

  it("loyalty milestone: the 10th purchase earns a reward, once", async () => {
    const app = await createTestApp();
    await launchCampaign(app, TENTH_ORDER_REWARD);
    await reachableUser(app, "fan");
    for (let i = 1; i <= 12; i++) {
      await sdk(
        app,
        "/v1/track",
        { userId: "fan", event: "Order Completed", messageId: `o-${i}`, properties: { revenue: 10 } },
        { clock: T0 + i * HOUR },
      );
      expect((await sent(app, "fan")).length, `after order ${i}`).toBe(i >= 10 ? 1 : 0);
    }
  });

  it("loyalty milestone counts every purchase, not just those left in the trimmed recent-event log", async () => {
    // The smallest log the settings allow (10 events): by the 10th order most earlier ones have been trimmed.
    const app = await createTestApp({ recentEvents: 10 });
    await launchCampaign(app, TENTH_ORDER_REWARD);
    await reachableUser(app, "heavy");
    for (let i = 1; i <= 10; i++) {
      const browsing = Array.from({ length: 5 }, (_, k) => ({
        type: "track",
        userId: "heavy",
        event: "Product Viewed",
        messageId: `v-${i}-${k}`,
      }));
      await sdk(
        app,
        "/v1/batch",
        {
          batch: [
            ...browsing,
            {
              type: "track",
              userId: "heavy",
              event: "Order Completed",
              messageId: `o-${i}`,
              properties: { revenue: 10 },
            },
          ],
        },
        { clock: T0 + i * HOUR },
      );
      expect((await sent(app, "heavy")).length, `after order ${i}`).toBe(i >= 10 ? 1 : 0);
    }
    const user = (await (await admin(app, "/admin/users/heavy")).json()) as {
      profile: { counters: { purchases: number } };
    };
    expect(user.profile.counters.purchases).toBe(10);
  });

  it("upsell after a purchase in category X", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Lens upsell",
      trigger: {
        type: "event",
        event: "Order Completed",
        filters: [{ property: "category", op: "eq", value: "cameras" }],
      },
      steps: [
        { type: "delay", id: "settle", duration: { hours: 2 } },
        {
          type: "message",
          id: "lens",
          channels: ["email"],
          content: {
            email: { subject: "Lenses for your {{ event.product }}", html: "<p>Hi {{ user.first_name }}</p>" },
          },
        },
      ],
    });
    await reachableUser(app, "photog");
    await sdk(
      app,
      "/v1/track",
      { userId: "photog", event: "Order Completed", properties: { category: "books", product: "novel" } },
      { clock: T0 },
    );
    await sdk(
      app,
      "/v1/track",
      { userId: "photog", event: "Order Completed", properties: { category: "cameras", product: "X100" } },
      { clock: T0 + MINUTE },
    );
    await tick(app, "photog", T0 + 3 * HOUR);
    expect(await sent(app, "photog")).toEqual(["lens:email"]);
  });
});

describe("policies", () => {
  it("frequency caps across campaigns and channels: at most 3 per 24 h by default", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Every click",
      trigger: { type: "event", event: "Clicked" },
      steps: [{ type: "message", id: "m", channels: ["push"], content: { push: { body: "hi" } } }],
    });
    await reachableUser(app, "capped");
    for (let i = 0; i < 5; i++)
      await sdk(
        app,
        "/v1/track",
        { userId: "capped", event: "Clicked", messageId: `c-${i}` },
        { clock: T0 + i * MINUTE },
      );
    const d = await decisions(app, "capped");
    expect(d.filter((x) => x.detail.sent)).toHaveLength(3);
    // The suppression says when the person is next eligible: when the oldest of the three leaves the window.
    const eligible = new Date(T0 + DAY).toISOString();
    expect(d.filter((x) => x.detail.suppressed).map((x) => x.detail.reason)).toEqual([
      `frequency cap: 3 per 24 h; next eligible at ${eligible}`,
      `frequency cap: 3 per 24 h; next eligible at ${eligible}`,
    ]);
    expect(d.find((x) => x.detail.suppressed)?.detail).toMatchObject({ nextEligibleAt: T0 + DAY });
    // The window rolls: a day later it sends again.
    await sdk(
      app,
      "/v1/track",
      { userId: "capped", event: "Clicked", messageId: "c-later" },
      { clock: T0 + DAY + HOUR },
    );
    expect((await decisions(app, "capped")).filter((x) => x.detail.sent)).toHaveLength(4);
  });

  it("transactional campaigns bypass caps and quiet hours", async () => {
    const app = await createTestApp({ frequencyCaps: [{ windowHours: 24, max: 1 }] });
    await launchCampaign(app, {
      name: "Receipt",
      transactional: true,
      trigger: { type: "event", event: "Order Completed" },
      steps: [
        {
          type: "message",
          id: "receipt",
          channels: ["email"],
          content: { email: { subject: "Receipt", text: "Thanks" } },
        },
      ],
    });
    await reachableUser(app, "tx");
    const night = Date.UTC(2026, 2, 3, 23, 30);
    await sdk(app, "/v1/track", { userId: "tx", event: "Order Completed", messageId: "t1" }, { clock: night });
    await sdk(app, "/v1/track", { userId: "tx", event: "Order Completed", messageId: "t2" }, { clock: night + MINUTE });
    expect(await sent(app, "tx")).toEqual(["receipt:email", "receipt:email"]);
  });

  it("quiet hours in the user's timezone: deferred to the end of the window, across a timezone boundary", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Promo",
      trigger: { type: "event", event: "Browsed" },
      steps: [{ type: "message", id: "promo", channels: ["push"], content: { push: { body: "Sale!" } } }],
    });
    // 21:30 UTC is 22:30 in Paris (quiet) but 16:30 in New York (not quiet).
    const at = Date.UTC(2026, 2, 3, 21, 30);
    for (const [u, tz] of [
      ["paris", "Europe/Paris"],
      ["nyc", "America/New_York"],
    ] as const) {
      await reachableUser(app, u, at);
      await sdk(app, "/v1/devices", { userId: u, timezone: tz }, { clock: at });
      await sdk(app, "/v1/track", { userId: u, event: "Browsed" }, { clock: at });
    }
    expect(await sent(app, "nyc")).toEqual(["promo:push"]);
    expect(await sent(app, "paris")).toEqual([]);
    const deferred = (await decisions(app, "paris")).find((d) => d.detail.deferred);
    // 08:00 in Paris on 4 March (UTC+1) is 07:00 UTC.
    expect(deferred?.detail.until).toBe(Date.UTC(2026, 2, 4, 7, 0));
    expect(deferred?.detail.reason).toBe("quiet hours 22:00–08:00 in Europe/Paris: leaves at 2026-03-04T07:00:00.000Z");
    await tick(app, "paris", Date.UTC(2026, 2, 4, 6, 59));
    expect(await sent(app, "paris")).toEqual([]);
    await tick(app, "paris", Date.UTC(2026, 2, 4, 7, 0));
    expect(await sent(app, "paris")).toEqual(["promo:push"]);
  });

  it("quiet hours can drop instead of defer", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Flash",
      quietHours: "drop",
      trigger: { type: "event", event: "Browsed" },
      steps: [{ type: "message", id: "flash", channels: ["push"], content: { push: { body: "1 hour only" } } }],
    });
    await reachableUser(app, "owl");
    await sdk(app, "/v1/track", { userId: "owl", event: "Browsed" }, { clock: Date.UTC(2026, 2, 3, 23, 0) });
    const d = await decisions(app, "owl");
    expect(d.find((x) => x.detail.suppressed)?.detail.reason).toBe("quiet hours (dropped)");
  });

  it("falls back through channels by consent and reachability, and explains suppression", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Fallback",
      trigger: { type: "event", event: "Go" },
      steps: [
        {
          type: "message",
          id: "m",
          channels: ["push", "email", "sms"],
          content: { push: { body: "p" }, email: { subject: "e", text: "e" }, sms: { body: "s" } },
        },
      ],
    });
    await sdk(app, "/v1/devices", { userId: "mailonly", email: "m@example.com" }, { clock: T0 });
    await sdk(app, "/v1/track", { userId: "mailonly", event: "Go" }, { clock: T0 });
    expect(await sent(app, "mailonly")).toEqual(["m:email"]);
    await sdk(
      app,
      "/v1/devices",
      { userId: "nobody", phone: "+14155550100", consent: { sms: "opted_out" } },
      { clock: T0 },
    );
    await sdk(app, "/v1/track", { userId: "nobody", event: "Go" }, { clock: T0 });
    const d = await decisions(app, "nobody");
    expect(d.find((x) => x.detail.suppressed)?.detail.reason).toMatch(
      /no reachable channel \(push: not opted in; email: no address; sms: (opted out|not opted in)/,
    );
  });

  it("re-entry: once, every time, or after a cooldown", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Cooldown",
      reentry: { cooldownHours: 24 },
      trigger: { type: "event", event: "Ping" },
      steps: [
        {
          type: "message",
          id: "m",
          channels: ["in_app"],
          content: { in_app: { type: "modal", title: "Hi", body: "there" } },
        },
      ],
    });
    for (const [i, t] of [T0, T0 + HOUR, T0 + 25 * HOUR].entries())
      await sdk(app, "/v1/track", { userId: "re", event: "Ping", messageId: `p${i}` }, { clock: t });
    expect(await sent(app, "re")).toEqual(["m:in_app", "m:in_app"]);
    expect((await decisions(app, "re")).find((d) => d.detail.notEntered)?.detail.reason).toBe(
      "re-entry: cooldown of 24 h",
    );
  });

  it("idempotency: the same event twice sends one message", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Once",
      trigger: { type: "event", event: "Ping" },
      steps: [{ type: "message", id: "m", channels: ["push"], content: { push: { body: "x" } } }],
    });
    await reachableUser(app, "dup");
    const first = await sdk(app, "/v1/track", { userId: "dup", event: "Ping", messageId: "same" }, { clock: T0 });
    const again = await sdk(
      app,
      "/v1/track",
      { userId: "dup", event: "Ping", messageId: "same" },
      { clock: T0 + 1000 },
    );
    expect(await first.json()).toMatchObject({ applied: 1 });
    expect(await again.json()).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await sent(app, "dup")).toEqual(["m:push"]);
  });

  it("priority: when two campaigns want the same moment, the higher one goes first", async () => {
    const app = await createTestApp({ frequencyCaps: [{ windowHours: 1, max: 1 }] });
    await launchCampaign(app, {
      name: "Low",
      priority: 10,
      trigger: { type: "event", event: "Both" },
      steps: [{ type: "message", id: "low", channels: ["push"], content: { push: { body: "low" } } }],
    });
    await launchCampaign(app, {
      name: "High",
      priority: 90,
      trigger: { type: "event", event: "Both" },
      steps: [{ type: "message", id: "high", channels: ["push"], content: { push: { body: "high" } } }],
    });
    await reachableUser(app, "prio");
    await sdk(app, "/v1/track", { userId: "prio", event: "Both" }, { clock: T0 });
    expect(await sent(app, "prio")).toEqual(["high:push"]);
  });

  it("control group: a stable share gets no messages but is counted", async () => {
    const app = await createTestApp();
    const id = await launchCampaign(app, {
      name: "Holdout",
      controlPercent: 50,
      trigger: { type: "event", event: "Ping" },
      steps: [
        {
          type: "message",
          id: "m",
          channels: ["in_app"],
          content: { in_app: { type: "modal", title: "t", body: "b" } },
        },
      ],
    });
    const arms: Record<string, string> = {};
    for (let i = 0; i < 40; i++) {
      const u = `ctl-${i}`;
      await sdk(app, "/v1/track", { userId: u, event: "Ping", messageId: `p-${i}` }, { clock: T0 });
      const entered = (await decisions(app, u)).find((d) => d.detail.entered);
      arms[u] = entered!.detail.variant!;
      expect((await sent(app, u)).length).toBe(arms[u] === "control" ? 0 : 1);
    }
    const control = Object.values(arms).filter((a) => a === "control").length;
    expect(control).toBeGreaterThan(8);
    expect(control).toBeLessThan(32);
    // Stable: entering again lands in the same arm.
    await sdk(app, "/v1/track", { userId: "ctl-0", event: "Ping", messageId: "again" }, { clock: T0 + HOUR });
    const entries = (await decisions(app, "ctl-0")).filter((d) => d.detail.entered);
    expect(entries.map((e) => e.detail.variant)).toEqual([arms["ctl-0"], arms["ctl-0"]]);
    expect(id).toMatch(/^cmp_/);
  });
});

describe("versions, pausing, API trigger", () => {
  it("people inside a journey finish the version they entered; pausing stops journeys", async () => {
    const app = await createTestApp();
    const def = (body: string) => ({
      name: "Versioned",
      trigger: { type: "event", event: "Start" },
      steps: [
        { type: "delay", id: "d", duration: { hours: 1 } },
        { type: "message", id: "m", channels: ["in_app"], content: { in_app: { type: "modal", title: "v", body } } },
      ],
    });
    const id = await launchCampaign(app, def("v1"));
    await sdk(app, "/v1/track", { userId: "early", event: "Start" }, { clock: T0 });
    const patched = await admin(app, `/admin/campaigns/${id}`, {
      method: "PATCH",
      json: {
        ...def("v2"),
        steps: [
          {
            type: "message",
            id: "now",
            channels: ["in_app"],
            content: { in_app: { type: "modal", title: "v2", body: "v2" } },
          },
        ],
      },
    });
    expect(((await patched.json()) as { version: number }).version).toBe(2);
    clearKeyCache(); // what the edge's revalidation does within 3 seconds
    await sdk(app, "/v1/track", { userId: "late", event: "Start" }, { clock: T0 });
    expect(await sent(app, "late")).toEqual(["now:in_app"]);
    await tick(app, "early", T0 + 2 * HOUR);
    expect(await sent(app, "early")).toEqual(["m:in_app"]);

    await sdk(app, "/v1/track", { userId: "paused", event: "Start", messageId: "x" }, { clock: T0 });
    await admin(app, `/admin/campaigns/${id}/pause`, { method: "POST" });
    clearKeyCache();
    await sdk(app, "/v1/track", { userId: "paused", event: "Start", messageId: "y" }, { clock: T0 + MINUTE });
    expect((await decisions(app, "paused")).filter((d) => d.detail.entered)).toHaveLength(1);
  });

  it("API trigger for transactional messages, idempotent by requestId", async () => {
    const app = await createTestApp();
    const id = await launchCampaign(app, {
      name: "Password reset",
      transactional: true,
      trigger: { type: "api" },
      steps: [
        {
          type: "message",
          id: "reset",
          channels: ["email"],
          content: { email: { subject: "Reset your password", text: "Code: {{ event.code }}" } },
        },
      ],
    });
    await sdk(app, "/v1/devices", { userId: "forgetful", email: "f@example.com" }, { clock: T0 });
    const body = { userId: "forgetful", payload: { code: "123456" }, requestId: "req-1" };
    expect(
      await (await admin(app, `/admin/campaigns/${id}/trigger`, { method: "POST", json: body, clock: T0 })).json(),
    ).toMatchObject({ entered: true });
    expect(
      await (await admin(app, `/admin/campaigns/${id}/trigger`, { method: "POST", json: body, clock: T0 })).json(),
    ).toMatchObject({ entered: false });
    expect(await sent(app, "forgetful")).toEqual(["reset:email"]);
  });

  it("API trigger dedupes retries by Idempotency-Key header, or without any key by a hash of (campaign, user, payload)", async () => {
    const app = await createTestApp();
    const id = await launchCampaign(app, {
      name: "Receipt",
      transactional: true,
      trigger: { type: "api" },
      steps: [
        {
          type: "message",
          id: "receipt",
          channels: ["email"],
          content: { email: { subject: "Receipt", text: "Order {{ event.order }}" } },
        },
      ],
    });
    await sdk(app, "/v1/devices", { userId: "payer", email: "p@example.com" }, { clock: T0 });
    const trigger = (json: unknown, headers: Record<string, string> = {}) =>
      admin(app, `/admin/campaigns/${id}/trigger`, { method: "POST", json, headers, clock: T0 });
    const entered = async (res: Response) => ((await res.json()) as { entered: boolean }).entered;

    // Idempotency-Key header: a retried call sends once.
    expect(
      await entered(await trigger({ userId: "payer", payload: { order: "1" } }, { "idempotency-key": "key-1" })),
    ).toBe(true);
    expect(
      await entered(await trigger({ userId: "payer", payload: { order: "1" } }, { "idempotency-key": "key-1" })),
    ).toBe(false);
    expect(await sent(app, "payer")).toEqual(["receipt:email"]);
    // The body's requestId and the header are the same key space.
    expect(await entered(await trigger({ userId: "payer", payload: { order: "1" }, requestId: "key-1" }))).toBe(false);

    // No key at all: an identical retry dedupes (key order in the payload does not matter)…
    expect(await entered(await trigger({ userId: "payer", payload: { order: "2", total: 5 } }))).toBe(true);
    expect(await entered(await trigger({ userId: "payer", payload: { total: 5, order: "2" } }))).toBe(false);
    // …while a different payload is a different message.
    expect(await entered(await trigger({ userId: "payer", payload: { order: "3", total: 5 } }))).toBe(true);
    expect(await sent(app, "payer")).toEqual(["receipt:email", "receipt:email", "receipt:email"]);

    // A header that disagrees with the body's requestId, or an oversized key, is a 400 naming the field.
    const clash = await trigger({ userId: "payer", payload: {}, requestId: "a" }, { "idempotency-key": "b" });
    expect(clash.status).toBe(400);
    expect(await clash.json()).toMatchObject({ error: { problems: [{ field: "Idempotency-Key" }] } });
    const long = await trigger({ userId: "payer", payload: {} }, { "idempotency-key": "x".repeat(200) });
    expect(long.status).toBe(400);
    expect(JSON.stringify(await long.json())).toContain("idempotency-key");
  });

  it("rejects invalid campaigns with the field named, including template errors at save time", async () => {
    const app = await createTestApp();
    const cases: Array<[unknown, string]> = [
      [
        {
          name: "x",
          trigger: { type: "event", event: "E" },
          steps: [
            {
              type: "message",
              id: "m",
              channels: ["push"],
              content: { push: { body: "Hi {{ user.name | no_such_filter }}" } },
            },
          ],
        },
        "steps.0.content.push.body",
      ],
      [
        {
          name: "x",
          trigger: { type: "event", event: "E" },
          steps: [{ type: "message", id: "m", channels: ["push"], content: { push: { body: "{% if %}" } } }],
        },
        "steps.0.content.push.body",
      ],
      [
        {
          name: "x",
          trigger: { type: "event", event: "E" },
          steps: [{ type: "message", id: "m", channels: ["sms"], content: { push: { body: "x" } } }],
        },
        "steps.0.channels.0",
      ],
      [
        {
          name: "x",
          trigger: { type: "event", event: "E" },
          steps: [{ type: "branch", id: "b", condition: { loyal: true }, then: "nowhere", else: "b" }],
        },
        "steps.0.then",
      ],
      [{ name: "x", trigger: { type: "teleport" }, steps: [{ type: "exit", id: "e" }] }, "trigger.type"],
      [
        {
          name: "x",
          trigger: { type: "inaction", start: { event: "A" }, cancel: { event: "B" }, within: {} },
          steps: [{ type: "exit", id: "e" }],
        },
        "trigger.within",
      ],
    ];
    for (const [def, field] of cases) {
      const res = await admin(app, "/admin/campaigns", { method: "POST", json: def });
      expect(res.status, JSON.stringify(def)).toBe(400);
      const err = (await res.json()) as { error: { problems: Array<{ field: string; message: string }> } };
      expect(
        err.error.problems.map((p) => p.field),
        JSON.stringify(err),
      ).toContain(field);
    }
  });
});
