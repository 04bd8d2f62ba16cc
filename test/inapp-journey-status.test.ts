import { runInDurableObject } from "cloudflare:test";
import { userObject } from "./helpers/objects";
import { describe, expect, it } from "vitest";
import { HOUR, MINUTE } from "../src/kernel/clock";
import { createTestApp, sdk, type TestApp } from "./helpers/api";
import { launchCampaign, sent, tick } from "./helpers/campaigns";
import { getJson, kinds, postText, statsOf } from "./helpers/inapp";

/**
 * In-app and content-card engagement moves the journey's own send record forward, so a
 * branch on `{"message": {"stepId", "status": "clicked"}}` works for these channels as it
 * does for push and email (where provider webhooks move it).
 */

// 10:00 UTC on a Tuesday (follow-ups are cards, which quiet hours do not hold anyway).
const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

/** The journey's record of each send of this person (`campaign_sends` in their UserObject). */
async function sendsOf(app: TestApp, userId: string): Promise<Record<string, string>> {
  const stub = userObject(`${app.appId}/u/${userId}`);
  return runInDurableObject(stub, (_i, state) =>
    Object.fromEntries(
      state.storage.sql
        .exec<{ step_id: string; status: string }>(`SELECT step_id, status FROM campaign_sends ORDER BY step_id`)
        .toArray()
        .map((r) => [r.step_id, r.status]),
    ),
  );
}

async function feed(app: TestApp, userId: string): Promise<string[]> {
  return (
    await getJson<{ cards: Array<{ title: string }> }>(
      `/v1/cards?userId=${userId}&writeKey=${app.writeKey}`,
      T0 + 2 * HOUR,
    )
  ).body.cards.map((c) => c.title);
}

/** offer (step under test) → 1 h → branch on "offer was clicked" → thanks card | reminder card. */
const journey = (offer: Record<string, unknown>) => [
  { type: "message", id: "offer", ...offer },
  { type: "delay", id: "wait", duration: { hours: 1 } },
  {
    type: "branch",
    id: "clicked",
    condition: { message: { stepId: "offer", status: "clicked" } },
    then: "thanks",
    else: "reminder",
  },
  {
    type: "message",
    id: "thanks",
    channels: ["content_card"],
    content: { content_card: { title: "Thanks for looking" } },
    next: "done",
  },
  {
    type: "message",
    id: "reminder",
    channels: ["content_card"],
    content: { content_card: { title: "Still interested?" } },
    next: "done",
  },
  { type: "exit", id: "done" },
];

describe("in-app engagement in journey branches", () => {
  it("a click on an in-app message makes `message: clicked` true; an impression and a dismissal leave it at opened; replays change nothing", async () => {
    const app = await createTestApp({ quietHours: null });
    const campaignId = await launchCampaign(app, {
      name: "Offer follow-up",
      trigger: { type: "event", event: "Product Viewed" },
      steps: journey({
        channels: ["in_app"],
        content: {
          in_app: {
            type: "modal",
            title: "10% off {{ event.name }}",
            buttons: [
              { id: "buy", label: "Buy now", action: "deeplink", deepLink: "myshop://cart" },
              { id: "later", label: "Not now", action: "dismiss" },
            ],
          },
        },
      }),
    });

    const keys: Record<string, string> = {};
    for (const userId of ["clicker", "ignorer"]) {
      await sdk(
        app,
        "/v1/track",
        { userId, event: "Product Viewed", properties: { name: "Beckon Tee" }, messageId: `pv-${userId}` },
        { clock: T0 },
      );
      const pending = await getJson<{ messages: Array<{ key: string }> }>(
        `/v1/in-app?userId=${userId}&writeKey=${app.writeKey}`,
        T0,
      );
      expect(pending.body.messages).toHaveLength(1);
      keys[userId] = pending.body.messages[0]!.key;
      // Stored means "sent": nothing has been seen yet.
      expect(await sendsOf(app, userId)).toEqual({ offer: "sent" });
    }

    const clicks = [
      { kind: "impression", key: keys.clicker },
      { kind: "click", key: keys.clicker, buttonId: "buy" },
    ];
    const ignores = [
      { kind: "impression", key: keys.ignorer },
      { kind: "dismiss", key: keys.ignorer },
    ];
    const engage = async (userId: string, events: unknown[]) => {
      const res = await postText(app, "/v1/in-app/events", { userId, events }, T0 + MINUTE);
      expect(res.status).toBe(200);
      return ((await res.json()) as { results: Array<{ outcome: string }> }).results.map((r) => r.outcome);
    };
    expect(await engage("clicker", clicks)).toEqual(["recorded", "recorded"]);
    expect(await engage("ignorer", ignores)).toEqual(["recorded", "recorded"]);
    expect(await sendsOf(app, "clicker")).toEqual({ offer: "clicked" });
    expect(await sendsOf(app, "ignorer")).toEqual({ offer: "opened" });

    // Replayed twice through the endpoint: duplicates, and the send records stay put. Segment track calls with the
    // engagement names are not engagement at all (reserved names): they move nothing either.
    for (let i = 0; i < 2; i++) {
      expect(await engage("clicker", clicks)).toEqual(["duplicate", "duplicate"]);
      expect(await engage("ignorer", ignores)).toEqual(["duplicate", "duplicate"]);
      await sdk(
        app,
        "/v1/track",
        {
          userId: "clicker",
          event: "In-App Message Clicked",
          properties: { key: keys.clicker, buttonId: "buy" },
          messageId: `replay-click-${i}`,
        },
        { clock: T0 + 2 * MINUTE },
      );
      await sdk(
        app,
        "/v1/track",
        {
          userId: "ignorer",
          event: "In-App Message Viewed",
          properties: { key: keys.ignorer },
          messageId: `replay-view-${i}`,
        },
        { clock: T0 + 2 * MINUTE },
      );
    }
    expect(await sendsOf(app, "clicker")).toEqual({ offer: "clicked" });
    expect(await sendsOf(app, "ignorer")).toEqual({ offer: "opened" });

    // After the delay the branch reads the send records: each person gets their own follow-up.
    await tick(app, "clicker", T0 + HOUR);
    await tick(app, "ignorer", T0 + HOUR);
    expect(await sent(app, "clicker")).toEqual(["offer:in_app", "thanks:content_card"]);
    expect(await sent(app, "ignorer")).toEqual(["offer:in_app", "reminder:content_card"]);
    expect(await feed(app, "clicker")).toEqual(["Thanks for looking"]);
    expect(await feed(app, "ignorer")).toEqual(["Still interested?"]);
    expect(await sendsOf(app, "clicker")).toEqual({ offer: "clicked", thanks: "sent" });
    expect(await sendsOf(app, "ignorer")).toEqual({ offer: "opened", reminder: "sent" });

    // Campaign stats counted each engagement once.
    const rows = await statsOf(campaignId, (r) => kinds(r).sent === 4 && kinds(r).dismissed === 1);
    expect(kinds(rows)).toMatchObject({ entered: 2, sent: 4, impression: 2, clicked: 1, dismissed: 1 });
  });

  it("a survey answer is the survey's call to action: `message: clicked` is true", async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "Survey follow-up",
      trigger: { type: "event", event: "Product Viewed" },
      steps: journey({
        channels: ["in_app"],
        content: {
          in_app: {
            type: "survey",
            title: "Quick question",
            questions: [{ id: "fit", prompt: "How was the fit?", kind: "rating" }],
          },
        },
      }),
    });
    await sdk(app, "/v1/track", { userId: "rater", event: "Product Viewed", messageId: "pv-rater" }, { clock: T0 });
    const key = (
      await getJson<{ messages: Array<{ key: string }> }>(`/v1/in-app?userId=rater&writeKey=${app.writeKey}`, T0)
    ).body.messages[0]!.key;
    const res = await postText(
      app,
      "/v1/in-app/events",
      { userId: "rater", events: [{ kind: "answer", key, answers: [{ questionId: "fit", answer: 4 }] }] },
      T0 + MINUTE,
    );
    expect(res.status).toBe(200);
    expect(await sendsOf(app, "rater")).toEqual({ offer: "clicked" });
    await tick(app, "rater", T0 + HOUR);
    expect(await sent(app, "rater")).toEqual(["offer:in_app", "thanks:content_card"]);
  });

  it("content cards: a card click makes `message: clicked` true, a view alone leaves it at opened", async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "Card follow-up",
      trigger: { type: "event", event: "Product Viewed" },
      steps: journey({
        channels: ["content_card"],
        content: { content_card: { title: "New arrivals", deepLink: "myshop://new" } },
      }),
    });
    for (const [userId, action] of [
      ["clicker", "click"],
      ["viewer", "view"],
    ] as const) {
      await sdk(app, "/v1/track", { userId, event: "Product Viewed", messageId: `pv-${userId}` }, { clock: T0 });
      const cards = await getJson<{ cards: Array<{ id: string }> }>(
        `/v1/cards?userId=${userId}&writeKey=${app.writeKey}`,
        T0,
      );
      const id = cards.body.cards[0]!.id;
      for (const outcome of ["recorded", "duplicate", "duplicate"]) {
        const res = await postText(app, `/v1/cards/${encodeURIComponent(id)}/${action}`, { userId }, T0 + MINUTE);
        expect(((await res.json()) as { outcome: string }).outcome).toBe(outcome);
      }
      // Reading or pinning is not engagement the journey counts.
      await postText(app, `/v1/cards/${encodeURIComponent(id)}/pin`, { userId }, T0 + MINUTE);
    }
    expect(await sendsOf(app, "clicker")).toEqual({ offer: "clicked" });
    expect(await sendsOf(app, "viewer")).toEqual({ offer: "opened" });

    await tick(app, "clicker", T0 + HOUR);
    await tick(app, "viewer", T0 + HOUR);
    expect(await sent(app, "clicker")).toEqual(["offer:content_card", "thanks:content_card"]);
    expect(await sent(app, "viewer")).toEqual(["offer:content_card", "reminder:content_card"]);
  });
});
