import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";
import { launchCampaign } from "./helpers/campaigns";
import { connect, getJson, postText } from "./helpers/inapp";

/** In-app messages and cards as campaign channels, end to end through the Worker. */

type Totals = Record<string, number>;
/** The campaign's funnel totals (stats reach D1 through the INDEX queue: poll). */
async function totals(
  app: Awaited<ReturnType<typeof createTestApp>>,
  campaignId: string,
  until: (t: Totals) => boolean,
): Promise<Totals> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const body = (await (await admin(app, `/admin/campaigns/${campaignId}/stats`)).json()) as { totals: Totals };
    if (until(body.totals) || Date.now() > deadline) return body.totals;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("in-app channel of campaigns", () => {
  it("a journey decides while the app is open: the message arrives live, the click reaches campaign stats", async () => {
    const app = await createTestApp({ quietHours: null });
    const campaignId = await launchCampaign(app, {
      name: "Cart nudge",
      trigger: { type: "event", event: "Product Added" },
      steps: [
        {
          type: "message",
          id: "nudge",
          channels: ["in_app"],
          content: {
            in_app: {
              type: "modal",
              title: "{{ event.name }} is popular",
              body: "Check out now and save 10%",
              buttons: [{ id: "checkout", label: "Check out", action: "deeplink", deepLink: "myshop://cart" }],
            },
          },
        },
      ],
    });
    await sdk(app, "/v1/identify", { userId: "shopper", traits: {} });
    const client = await connect(app, { userId: "shopper" });
    await client.next((m) => m.type === "sync");

    const t0 = Date.now();
    await sdk(app, "/v1/track", { userId: "shopper", event: "Product Added", properties: { name: "Beckon Tee" } });
    const pushed = await client.next((m) => m.type === "inapp", 1000);
    expect(Date.now() - t0).toBeLessThan(1000);
    const [message] = pushed.messages as Array<{ key: string; campaignId: string; content: { title: string } }>;
    expect(message).toMatchObject({ campaignId, content: { title: "Beckon Tee is popular" } });

    const res = await postText(app, "/v1/in-app/events", {
      userId: "shopper",
      events: [
        { kind: "impression", key: message!.key },
        { kind: "click", key: message!.key, buttonId: "checkout" },
      ],
    });
    expect(res.status).toBe(200);
    const t = await totals(app, campaignId, (x) => x.clicked! > 0);
    expect(t).toMatchObject({ entered: 1, sent: 1, impression: 1, clicked: 1 });
    client.ws.close();
  });

  it("survey answers are events journeys act on (wait for `Survey Answered`, then a thank-you card)", async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "NPS",
      trigger: { type: "event", event: "Order Completed" },
      steps: [
        {
          type: "message",
          id: "ask",
          channels: ["in_app"],
          content: {
            in_app: {
              type: "survey",
              title: "How did we do?",
              questions: [{ id: "nps", prompt: "Rate your order", kind: "rating" }],
            },
          },
          next: "wait",
        },
        {
          type: "wait_for_event",
          id: "wait",
          event: "Survey Answered",
          filters: [{ property: "answer", op: "gte", value: 4 }],
          timeout: { days: 3 },
          onEvent: "thanks",
          onTimeout: "done",
        },
        {
          type: "message",
          id: "thanks",
          channels: ["content_card"],
          content: {
            content_card: {
              title: "Thanks for rating us, {{ user.id }}!",
              body: "Here is 10% off your next order",
              deepLink: "myshop://coupon",
            },
          },
          next: "done",
        },
        { type: "exit", id: "done" },
      ],
    });
    const ask = async (userId: string, rating: number) => {
      await sdk(app, "/v1/track", { userId, event: "Order Completed", properties: { revenue: 40 } });
      const pending = await getJson<{ messages: Array<{ key: string; content: { type: string } }> }>(
        `/v1/in-app?userId=${userId}&writeKey=${app.writeKey}`,
      );
      expect(pending.body.messages.map((m) => m.content.type)).toEqual(["survey"]);
      const key = pending.body.messages[0]!.key;
      const answered = await postText(app, "/v1/in-app/events", {
        userId,
        events: [{ kind: "answer", key, answers: [{ questionId: "nps", answer: rating }] }],
      });
      expect(answered.status).toBe(200);
      return (
        await getJson<{ cards: Array<{ title: string }> }>(`/v1/cards?userId=${userId}&writeKey=${app.writeKey}`)
      ).body.cards.map((c) => c.title);
    };
    // A high rating matches the wait's filter and resumes the journey; a low one does not.
    expect(await ask("fan", 5)).toEqual(["Thanks for rating us, fan!"]);
    expect(await ask("critic", 2)).toEqual([]);
  });
});
