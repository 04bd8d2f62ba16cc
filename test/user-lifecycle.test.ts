import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { userObject } from "./helpers/objects";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY } from "../src/kernel/clock";
import type { UserObject } from "../src/engine/user-object";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { eventually } from "./helpers/wait";
import { indexFirst } from "./helpers/index-shards";

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);

async function view(app: TestApp, userId: string) {
  const res = await admin(app, `/admin/users/${userId}`);
  return (await res.json()) as {
    profile: { lifecycle: { state: string; loyal: boolean; reason: string } };
    timers: Array<{ key: string; dueAt: number }>;
  };
}

async function transitions(app: TestApp, userId: string) {
  const res = await admin(app, `/admin/users/${userId}/timeline?limit=200`);
  const body = (await res.json()) as {
    entries: Array<{ kind: string; at: number; detail: { from?: string; to?: string; reason?: string } }>;
  };
  return body.entries
    .filter((e) => e.kind === "transition" && e.detail.to)
    .reverse()
    .map((e) => `${e.detail.from}→${e.detail.to}`);
}

const tick = (app: TestApp, userId: string, at: number) =>
  admin(app, `/admin/users/${userId}/tick`, { method: "POST", clock: at });

describe("lifecycle state in the UserObject", () => {
  it("moves new → active → dormant → churned by the object's own timers, recording each transition", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "life", event: "Signed Up" }, { clock: T0 });
    expect((await view(app, "life")).profile.lifecycle.state).toBe("new");
    // The lifecycle timer is set to the next boundary: no scan finds dormant users.
    expect((await view(app, "life")).timers.find((t) => t.key === "lifecycle")?.dueAt).toBe(T0 + 7 * DAY);

    await tick(app, "life", T0 + 7 * DAY);
    expect((await view(app, "life")).profile.lifecycle.state).toBe("active");
    await tick(app, "life", T0 + 14 * DAY);
    expect((await view(app, "life")).profile.lifecycle.state).toBe("dormant");
    await tick(app, "life", T0 + 60 * DAY);
    const churned = await view(app, "life");
    expect(churned.profile.lifecycle).toMatchObject({ state: "churned", reason: "no activity for 60 days" });
    expect(await transitions(app, "life")).toEqual(["new→active", "active→dormant", "dormant→churned"]);

    // Coming back reactivates.
    await sdk(app, "/v1/track", { userId: "life", event: "Application Opened" }, { clock: T0 + 70 * DAY });
    expect((await view(app, "life")).profile.lifecycle.state).toBe("active");
    expect((await transitions(app, "life")).at(-1)).toBe("churned→active");
  });

  it("honours per-app thresholds", async () => {
    const app = await createTestApp({ lifecycle: { newDays: 1, dormantDays: 3, churnedDays: 5 } });
    await sdk(app, "/v1/track", { userId: "fast", event: "E" }, { clock: T0 });
    await tick(app, "fast", T0 + 3 * DAY);
    expect((await view(app, "fast")).profile.lifecycle.state).toBe("dormant");
  });

  it("activity keeps pushing dormancy back (the early timer re-arms itself)", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "busy", event: "E" }, { clock: T0 });
    await sdk(app, "/v1/track", { userId: "busy", event: "E2" }, { clock: T0 + 10 * DAY });
    await tick(app, "busy", T0 + 15 * DAY);
    expect((await view(app, "busy")).profile.lifecycle.state).toBe("active");
    await tick(app, "busy", T0 + 24 * DAY);
    expect((await view(app, "busy")).profile.lifecycle.state).toBe("dormant");
  });

  it("churns at once when every push token turns invalid (uninstall) or the user opts out everywhere", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/devices", {
      userId: "un",
      register: [{ provider: "fcm", platform: "android", token: "fcm-token-123456" }],
    });
    expect((await view(app, "un")).profile.lifecycle.state).toBe("new");
    const stub = userObject(`${app.appId}/u/un`);
    await stub.invalidateDevice({
      appId: app.appId,
      token: "fcm-token-123456",
      reason: "FCM UNREGISTERED",
      now: Date.now(),
    });
    expect((await view(app, "un")).profile.lifecycle).toMatchObject({
      state: "churned",
      reason: expect.stringContaining("uninstalled"),
    });

    await sdk(app, "/v1/devices", {
      userId: "out",
      email: "out@example.com",
      consent: { email: "opted_in", sms: "opted_in" },
    });
    await sdk(app, "/v1/devices", { userId: "out", consent: { email: "opted_out", sms: "opted_out" } });
    expect((await view(app, "out")).profile.lifecycle).toMatchObject({
      state: "churned",
      reason: "opted out of every channel",
    });
  });

  it("full opt-out means no usable channel is left: a push-only opt-out does not churn someone Beckon can still email", async () => {
    const app = await createTestApp();
    // What the web SDK records when a visitor declines notifications: push opted out, nothing about email.
    await sdk(app, "/v1/devices", { userId: "web", email: "web@example.com", consent: { push: "opted_out" } });
    expect((await view(app, "web")).profile.lifecycle.state).toBe("new");
    // Same without any address: an anonymous visitor who declined notifications is not "opted out everywhere".
    await sdk(app, "/v1/devices", { anonymousId: "visitor-1", consent: { push: "opted_out" } });
    const visitor = (await (await admin(app, "/admin/users/visitor-1?anonymous=true")).json()) as {
      profile: { lifecycle: { state: string } };
    };
    expect(visitor.profile.lifecycle.state).toBe("new");
    // A live push device opted out, and a phone with no SMS/WhatsApp opt-in recorded: SMS is still there (unknown).
    await sdk(app, "/v1/devices", {
      userId: "mobile",
      phone: "+14155550100",
      register: [{ provider: "fcm", platform: "android", token: "fcm-mobile-123456" }],
      consent: { push: "opted_out" },
    });
    expect((await view(app, "mobile")).profile.lifecycle.state).toBe("new");
    // Opting out of every channel they are reachable on churns them, with the reason.
    await sdk(app, "/v1/devices", { userId: "mobile", consent: { sms: "opted_out", whatsapp: "opted_out" } });
    expect((await view(app, "mobile")).profile.lifecycle).toMatchObject({
      state: "churned",
      reason: "opted out of every channel",
    });
    // The web user opts out of email too: no channel left.
    await sdk(app, "/v1/devices", { userId: "web", consent: { email: "opted_out" } });
    expect((await view(app, "web")).profile.lifecycle).toMatchObject({
      state: "churned",
      reason: "opted out of every channel",
    });
  });

  it("flags loyal users and emits the change", async () => {
    const app = await createTestApp({ lifecycle: { loyalPurchases: 2 } });
    await sdk(app, "/v1/batch", {
      batch: [1, 2].map((i) => ({
        type: "track",
        userId: "vip",
        event: "Order Completed",
        messageId: `vip-${i}`,
        properties: { revenue: 5 },
      })),
    });
    expect((await view(app, "vip")).profile.lifecycle.loyal).toBe(true);
  });

  it("keeps the users index in D1 current through the queue: one row per user, newest state", async () => {
    const app = await createTestApp();
    await sdk(
      app,
      "/v1/track",
      { userId: "idx", event: "Order Completed", properties: { revenue: 12 } },
      { clock: T0 },
    );
    const row = await eventually(
      () =>
        indexFirst<{ lifecycle: string; purchases: number }>(
          "SELECT * FROM users WHERE app_id = ? AND user_id = ?",
          app.appId,
          "idx",
        ),
      8000,
      "index row",
    );
    expect(row.lifecycle).toBe("new");
    await tick(app, "idx", T0 + 14 * DAY);
    await eventually(
      async () =>
        (
          await indexFirst<{ lifecycle: string }>(
            "SELECT lifecycle FROM users WHERE app_id = ? AND user_id = ?",
            app.appId,
            "idx",
          )
        )?.lifecycle === "dormant",
      8000,
      "dormant in index",
    );
    const counts = (await (await admin(app, "/admin/segments/lifecycle")).json()) as {
      total: number;
      states: Record<string, number>;
    };
    expect(counts).toMatchObject({ total: 1, states: { new: 0, active: 0, dormant: 1, churned: 0 } });
  });
});

describe("timers: rows, one alarm, at-least-once without double effects", () => {
  it("arms the alarm at the earliest timer and applies a re-fired alarm once", async () => {
    const app = await createTestApp({ lifecycle: { newDays: 0.00001 } });
    const now = Date.now();
    await sdk(app, "/v1/track", { userId: "alarm", event: "E" });
    const stub = userObject(`${app.appId}/u/alarm`);
    const alarmAt = await runInDurableObject(stub, async (_o: UserObject, state) => state.storage.getAlarm());
    expect(alarmAt).not.toBeNull();
    expect(alarmAt!).toBeGreaterThanOrEqual(now);
    expect(alarmAt!).toBeLessThan(now + 5_000);
    await new Promise((r) => setTimeout(r, Math.max(0, alarmAt! - Date.now()) + 5));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // A second (retried) run finds nothing due: the timer row went with its effect.
    await runDurableObjectAlarm(stub);
    const after = await transitions(app, "alarm");
    expect(after).toEqual(["new→active"]);
  });
});
