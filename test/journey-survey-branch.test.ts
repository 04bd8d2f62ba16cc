import { describe, expect, it } from "vitest";
import { createTestApp, sdk } from "./helpers/api";
import { launchCampaign } from "./helpers/campaigns";
import { getJson, postText } from "./helpers/inapp";

/**
 * Churn prevention asks why: "Why are you shopping less?" The journey branches on the answer:
 * Prices → a discount, Delivery → free shipping, anything else → a plain thank-you.
 */
describe("branching on what the person answered", () => {
  it("a branch reads the survey answer given in this journey, and the event that resumed the wait", async () => {
    const app = await createTestApp({ quietHours: null, inApp: { minIntervalSeconds: 0 } });
    await launchCampaign(app, {
      name: "Why less?",
      trigger: { type: "event", event: "Shopping Less" },
      steps: [
        {
          type: "message",
          id: "ask",
          channels: ["in_app"],
          content: {
            in_app: {
              type: "survey",
              title: "Why are you shopping less?",
              questions: [
                { id: "why", prompt: "The main reason", kind: "single", options: ["Prices", "Delivery", "Other"] },
              ],
            },
          },
          next: "wait",
        },
        {
          type: "wait_for_event",
          id: "wait",
          event: "Survey Answered",
          timeout: { days: 3 },
          onEvent: "ask-prices",
          onTimeout: "done",
        },
        // From the journey's own survey answers…
        {
          type: "branch",
          id: "ask-prices",
          condition: { answer: { property: "why", op: "eq", value: "Prices" } },
          then: "discount",
          else: "ask-delivery",
        },
        // … or from the event that resumed the wait (its properties).
        {
          type: "branch",
          id: "ask-delivery",
          condition: { event: { property: "answer", op: "eq", value: "Delivery" } },
          then: "shipping",
          else: "thanks",
        },
        {
          type: "message",
          id: "discount",
          channels: ["content_card"],
          content: { content_card: { title: "15% off, just for you", body: "Prices matter" } },
          next: "done",
        },
        {
          type: "message",
          id: "shipping",
          channels: ["content_card"],
          content: { content_card: { title: "Free shipping on your next order", body: "Delivery matters" } },
          next: "done",
        },
        {
          type: "message",
          id: "thanks",
          channels: ["content_card"],
          content: { content_card: { title: "Thanks for telling us", body: "We listen" } },
          next: "done",
        },
        { type: "exit", id: "done" },
      ],
    });
    const answer = async (userId: string, reason: string) => {
      await sdk(app, "/v1/track", { userId, event: "Shopping Less" });
      const pending = await getJson<{ messages: Array<{ key: string; content: { type: string } }> }>(
        `/v1/in-app?userId=${userId}&writeKey=${app.writeKey}`,
      );
      expect(pending.body.messages.map((m) => m.content.type)).toEqual(["survey"]);
      const res = await postText(app, "/v1/in-app/events", {
        userId,
        events: [
          { kind: "answer", key: pending.body.messages[0]!.key, answers: [{ questionId: "why", answer: reason }] },
        ],
      });
      expect(res.status).toBe(200);
      return (
        await getJson<{ cards: Array<{ title: string }> }>(`/v1/cards?userId=${userId}&writeKey=${app.writeKey}`)
      ).body.cards.map((c) => c.title);
    };
    expect(await answer("pat", "Prices")).toEqual(["15% off, just for you"]);
    expect(await answer("dee", "Delivery")).toEqual(["Free shipping on your next order"]);
    expect(await answer("oto", "Other")).toEqual(["Thanks for telling us"]);
  });

  it("a `track` named Survey Answered neither answers nor resumes", async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "Why less?",
      trigger: { type: "event", event: "Shopping Less" },
      steps: [
        {
          type: "message",
          id: "ask",
          channels: ["in_app"],
          content: {
            in_app: {
              type: "survey",
              title: "Why?",
              questions: [{ id: "why", prompt: "Reason", kind: "single", options: ["Prices", "Other"] }],
            },
          },
          next: "wait",
        },
        {
          type: "wait_for_event",
          id: "wait",
          event: "Survey Answered",
          timeout: { days: 3 },
          onEvent: "ask-prices",
          onTimeout: "done",
        },
        {
          type: "branch",
          id: "ask-prices",
          condition: { answer: { property: "why", op: "eq", value: "Prices" } },
          then: "discount",
          else: "done",
        },
        {
          type: "message",
          id: "discount",
          channels: ["content_card"],
          content: { content_card: { title: "15% off", body: "x" } },
          next: "done",
        },
        { type: "exit", id: "done" },
      ],
    });
    await sdk(app, "/v1/track", { userId: "spoof", event: "Shopping Less" });
    const pending = await getJson<{ messages: Array<{ key: string }> }>(
      `/v1/in-app?userId=spoof&writeKey=${app.writeKey}`,
    );
    await sdk(app, "/v1/track", {
      userId: "spoof",
      event: "Survey Answered",
      properties: { key: pending.body.messages[0]!.key, questionId: "why", answer: "Prices" },
    });
    expect((await getJson<{ cards: unknown[] }>(`/v1/cards?userId=spoof&writeKey=${app.writeKey}`)).body.cards).toEqual(
      [],
    );
  });
});
