import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { decisions, launchCampaign, sent, tick } from "./helpers/campaigns";
import { getJson } from "./helpers/inapp";
import { userObject } from "./helpers/objects";
import { reachableUser, T0 } from "./helpers/people";

/**
 * The journey feature (src/engine/features/journey/) through a real UserObject: the adapter
 * loads the records, steps the pure engine and applies its effects to the object's timers,
 * timeline, outbox and, through the InAppInbox port, its in-app store.
 */

const MINUTE = 60_000;

/** The object's journey timers and journeys, as stored. */
async function stored(app: TestApp, userId: string) {
  return runInDurableObject(userObject(`${app.appId}/u/${userId}`), (_instance, state) => {
    const sql = state.storage.sql;
    return {
      timers: sql
        .exec<{ key: string; due_at: number }>(`SELECT key, due_at FROM timers WHERE key LIKE 'journey:%' ORDER BY key`)
        .toArray(),
      journeys: sql
        .exec<{ instance: string; arm: string; status: string; step: string | null; converted: number }>(
          `SELECT instance, arm, status, step, converted FROM journeys ORDER BY instance`,
        )
        .toArray(),
    };
  });
}

describe("journey feature in the UserObject", () => {
  it("abandonment: the timer row is set at the deadline and removed when the purchase comes first", async () => {
    const app = await createTestApp({ quietHours: null, identityVerification: "off" });
    const campaignId = await launchCampaign(app, {
      name: "Cart",
      trigger: {
        type: "inaction",
        start: { event: "Product Added" },
        cancel: { event: "Order Completed" },
        key: "cart_id",
        within: { minutes: 30 },
      },
      goal: { event: "Order Completed", windowHours: 24 },
      steps: [{ type: "message", id: "reminder", channels: ["push"], content: { push: { body: "Your cart" } } }],
    });
    await reachableUser(app, "shopper");
    await sdk(
      app,
      "/v1/track",
      { userId: "shopper", event: "Product Added", properties: { cart_id: "c1" } },
      { clock: T0 },
    );

    const pending = await stored(app, "shopper");
    expect(pending.timers).toEqual([{ key: `journey:${campaignId}:ia:c1:${T0}`, due_at: T0 + 30 * MINUTE }]);
    expect(pending.journeys).toEqual([expect.objectContaining({ status: "pending" })]);

    await sdk(
      app,
      "/v1/track",
      { userId: "shopper", event: "Order Completed", properties: { cart_id: "c1" } },
      { clock: T0 + 10 * MINUTE },
    );
    const after = await stored(app, "shopper");
    expect(after.timers).toEqual([]);
    expect(after.journeys).toEqual([]);
    expect((await decisions(app, "shopper")).filter((d) => d.detail.cancelled)).toHaveLength(1);
    await tick(app, "shopper", T0 + 31 * MINUTE);
    expect(await sent(app, "shopper")).toEqual([]);
  });

  it("wait for event: the journey waits on its timer, the event resumes it and the A/B arm is recorded", async () => {
    const app = await createTestApp({ quietHours: null, identityVerification: "off" });
    const campaignId = await launchCampaign(app, {
      name: "Onboarding",
      trigger: { type: "event", event: "Signed Up" },
      variants: [
        { id: "A", weight: 1 },
        { id: "B", weight: 1 },
      ],
      steps: [
        {
          type: "wait_for_event",
          id: "wait",
          event: "Profile Completed",
          timeout: { hours: 24 },
          onEvent: "thanks",
          onTimeout: "nudge",
        },
        {
          type: "message",
          id: "thanks",
          channels: ["push"],
          content: { push: { body: "Thanks" } },
          variants: { B: { push: { body: "Thanks (B)" } } },
          next: "end",
        },
        { type: "message", id: "nudge", channels: ["push"], content: { push: { body: "Nudge" } } },
        { type: "exit", id: "end" },
      ],
    });
    await reachableUser(app, "newbie");
    await sdk(app, "/v1/track", { userId: "newbie", event: "Signed Up", messageId: "su-1" }, { clock: T0 });

    const waiting = await stored(app, "newbie");
    const instance = `${campaignId}:su-1`;
    expect(waiting.timers).toEqual([{ key: `journey:${instance}`, due_at: T0 + 24 * 60 * MINUTE }]);
    const [journey] = waiting.journeys;
    expect(journey).toMatchObject({ instance, status: "waiting", step: "wait" });
    expect(["A", "B"]).toContain(journey!.arm);
    const entry = (await decisions(app, "newbie")).find((d) => d.detail.entered);
    expect(entry?.detail.variant).toBe(journey!.arm);

    await sdk(app, "/v1/track", { userId: "newbie", event: "Profile Completed" }, { clock: T0 + MINUTE });
    expect(await sent(app, "newbie")).toEqual(["thanks:push"]);
    const done = await stored(app, "newbie");
    expect(done.timers).toEqual([]);
    expect(done.journeys).toEqual([expect.objectContaining({ instance, status: "done", arm: journey!.arm })]);
    const send = (await decisions(app, "newbie")).find((d) => d.detail.sent);
    expect(send?.detail).toMatchObject({ step: "thanks", variant: journey!.arm });
  });

  it("an in-app step is delivered through the in-app inbox port and recorded as sent", async () => {
    const app = await createTestApp({ quietHours: null, identityVerification: "off" });
    const campaignId = await launchCampaign(app, {
      name: "Welcome modal",
      trigger: { type: "event", event: "App Opened" },
      steps: [
        {
          type: "message",
          id: "hello",
          channels: ["in_app"],
          content: { in_app: { type: "modal", title: "Hello {{ user.id }}" } },
        },
      ],
    });
    await sdk(app, "/v1/track", { userId: "visitor", event: "App Opened", messageId: "open-1" }, { clock: T0 });

    const pending = await getJson<{ messages: Array<{ key: string; campaignId: string; content: { title: string } }> }>(
      `/v1/in-app?userId=visitor&writeKey=${app.writeKey}`,
      T0 + 1000,
    );
    const key = `${campaignId}:open-1:hello`;
    expect(pending.body.messages).toEqual([
      expect.objectContaining({ key, campaignId, content: expect.objectContaining({ title: "Hello visitor" }) }),
    ]);
    const timeline = (await (await admin(app, "/admin/users/visitor/timeline?limit=50")).json()) as {
      entries: Array<{ kind: string; detail: Record<string, unknown> }>;
    };
    expect(
      timeline.entries.some((e) => e.kind === "delivery" && e.detail.channel === "in_app" && e.detail.key === key),
    ).toBe(true);
    expect(await sent(app, "visitor")).toEqual(["hello:in_app"]);
    const sends = await runInDurableObject(userObject(`${app.appId}/u/visitor`), (_i, state) =>
      state.storage.sql.exec<{ key: string; status: string }>(`SELECT key, status FROM campaign_sends`).toArray(),
    );
    expect(sends).toEqual([{ key, status: "sent" }]);
  });
});
