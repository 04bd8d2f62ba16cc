import { userObject } from "./helpers/objects";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MINUTE } from "../src/kernel/clock";
import type { UserObject } from "../src/engine/user-object";
import { admin, createTestApp, sdk } from "./helpers/api";
import { launchCampaign, sent, tick } from "./helpers/campaigns";

const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

describe("a person's state stays consistent", () => {
  it("a transaction that throws leaves storage and the object's in-memory profile as they were", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "tx", event: "Order Completed", properties: { revenue: 10 } }, { clock: T0 });
    const stub = userObject(`${app.appId}/u/tx`);
    await runInDurableObject(stub, async (object: UserObject) => {
      // A feature handler failing halfway: the profile was already changed in place when it threw.
      const host = object.host;
      const config = await host.config(app.appId, 0);
      expect(() =>
        host.transaction(config, T0 + 1, (ctx) => {
          ctx.profile.counters.purchases += 5;
          ctx.profile.traits.tampered = true;
          throw new Error("handler failed");
        }),
      ).toThrow("handler failed");
    });
    // The next event must not persist the rolled-back changes.
    await sdk(app, "/v1/track", { userId: "tx", event: "Page Viewed" }, { clock: T0 + 2 });
    const { profile } = (await (await admin(app, "/admin/users/tx")).json()) as {
      profile: { counters: { purchases: number; events: number }; traits: Record<string, unknown> };
    };
    expect(profile.counters.purchases).toBe(1);
    expect(profile.counters.events).toBe(2);
    expect(profile.traits.tampered).toBeUndefined();
  });

  it("a batch that browses anonymously, identifies and buys applies in batch order across the two objects", async () => {
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
        { type: "message", id: "reminder", channels: ["push"], content: { push: { body: "Your cart is waiting" } } },
      ],
    });
    await sdk(
      app,
      "/v1/devices",
      {
        userId: "shopper",
        register: [{ provider: "fcm", platform: "android", token: "tok-shopper-000000" }],
        consent: { push: "opted_in" },
      },
      { clock: T0 },
    );
    const res = await sdk(
      app,
      "/v1/batch",
      {
        batch: [
          {
            type: "track",
            anonymousId: "visitor-1",
            event: "Product Added",
            properties: { cart_id: "c1" },
            timestamp: new Date(T0).toISOString(),
          },
          {
            type: "identify",
            userId: "shopper",
            anonymousId: "visitor-1",
            traits: { email: "s@example.com" },
            timestamp: new Date(T0 + 1000).toISOString(),
          },
          {
            type: "track",
            userId: "shopper",
            anonymousId: "visitor-1",
            event: "Order Completed",
            properties: { cart_id: "c1", revenue: 40 },
            timestamp: new Date(T0 + 2000).toISOString(),
          },
        ],
      },
      { clock: T0 + 3000 },
    );
    expect(res.status).toBe(200);
    // The cart was bought after it was filled: no reminder, and the visitor's history is the shopper's.
    await tick(app, "shopper", T0 + 31 * MINUTE);
    expect(await sent(app, "shopper")).toEqual([]);
    const { profile } = (await (await admin(app, "/admin/users/shopper")).json()) as {
      profile: { anonymousIds: string[]; counters: { events: number } };
    };
    expect(profile.anonymousIds).toContain("visitor-1");
    expect(profile.counters.events).toBe(3);
  });

  it("outbox rows an object never flushed (it died after the commit) are sent when its alarm comes back", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "ob", event: "E" });
    const stub = userObject(`${app.appId}/u/ob`);
    const before = Date.now();
    const alarmAt = await runInDurableObject(stub, async (object: UserObject, state) => {
      const host = object.host;
      const config = await host.config(app.appId, 0);
      // The commit without the flush that normally follows it.
      host.transaction(config, Date.now(), (ctx) => ctx.touchIndex(true));
      expect(state.storage.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n).toBe(1);
      return state.storage.getAlarm();
    });
    expect(alarmAt).not.toBeNull();
    expect(alarmAt!).toBeLessThanOrEqual(before + 6_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(stub, async (_o: UserObject, state) => ({
      outbox: state.storage.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n,
      alarm: await state.storage.getAlarm(),
    }));
    expect(left.outbox).toBe(0);
    // Back to the earliest real timer (the daily gc), not the guard.
    expect(left.alarm!).toBeGreaterThan(Date.now() + 60_000);
  });

  it("a cart filled before sign-in is reminded after it, to the identified person, and cancelled by their order", async () => {
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
          content: { push: { body: "Your {{ event.product }} is waiting" } },
        },
      ],
    });
    for (const [visitor, user] of [
      ["v-abandons", "abandoner"],
      ["v-buys", "buyer"],
    ] as const) {
      await sdk(
        app,
        "/v1/devices",
        {
          userId: user,
          register: [{ provider: "fcm", platform: "android", token: `tok-${user}-000000` }],
          consent: { push: "opted_in" },
        },
        { clock: T0 },
      );
      await sdk(
        app,
        "/v1/track",
        { anonymousId: visitor, event: "Product Added", properties: { cart_id: `cart-${user}`, product: "lens" } },
        { clock: T0 },
      );
      await sdk(
        app,
        "/v1/identify",
        { userId: user, anonymousId: visitor, traits: { name: user } },
        { clock: T0 + 5 * MINUTE },
      );
    }
    await sdk(
      app,
      "/v1/track",
      { userId: "buyer", event: "Order Completed", properties: { cart_id: "cart-buyer", revenue: 80 } },
      { clock: T0 + 10 * MINUTE },
    );

    await tick(app, "abandoner", T0 + 30 * MINUTE);
    await tick(app, "buyer", T0 + 30 * MINUTE);
    expect(await sent(app, "abandoner")).toEqual(["reminder:push"]);
    expect(await sent(app, "buyer")).toEqual([]);
    // Once: a later tick (or a re-fired alarm) sends nothing more.
    await tick(app, "abandoner", T0 + 2 * 60 * MINUTE);
    expect(await sent(app, "abandoner")).toEqual(["reminder:push"]);
  });
});
