import { runInDurableObject } from "cloudflare:test";
import { userObject } from "./helpers/objects";
import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { launchCampaign } from "./helpers/campaigns";
import { eventually } from "./helpers/wait";
import { statsOf } from "./fakes/delivery-harness";

/**
 * `POST /v1/push/opened` (the mobile SDK reports a tapped push): the send's delivery record
 * moves to `opened`, the campaign funnel counts it once, and the person's journey hears it
 * (`message: opened`). Only the person the push was sent to can report it.
 */
async function journeySends(app: TestApp, userId: string): Promise<Record<string, string>> {
  return runInDurableObject(userObject(`${app.appId}/u/${userId}`), (_i, state) =>
    Object.fromEntries(
      state.storage.sql
        .exec<{ step_id: string; status: string }>(`SELECT step_id, status FROM campaign_sends`)
        .toArray()
        .map((r) => [r.step_id, r.status]),
    ),
  );
}

describe("push opens", () => {
  it("an opened push counts as opened once in the funnel and in the journey; another person cannot report it", async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "Cart reminder",
      transactional: true,
      trigger: { type: "event", event: "Product Added" },
      steps: [
        {
          type: "message",
          id: "nudge",
          channels: ["push"],
          content: { push: { title: "Still thinking?", body: "Your cart is waiting", deepLink: "myshop://cart" } },
        },
      ],
    });
    expect(
      (
        await sdk(app, "/v1/devices", {
          userId: "ada",
          register: [{ provider: "fcm", platform: "android", token: "tok-ada-0000000001" }],
          consent: { push: "opted_in" },
        })
      ).status,
    ).toBe(200);
    await sdk(app, "/v1/track", { userId: "ada", event: "Product Added", messageId: "pa-1", properties: { sku: "A" } });

    const send = await eventually(
      async () => {
        const body = (await (await admin(app, "/admin/sends?channel=push")).json()) as {
          sends: Array<{ idempotencyKey: string; status: string }>;
        };
        return body.sends[0]?.status === "sent" ? body.sends[0] : null;
      },
      15_000,
      "the push to be sent",
    );

    const open = (userId: string, key = send.idempotencyKey) => sdk(app, "/v1/push/opened", { userId, key });
    const someoneElse = await open("mallory");
    expect(someoneElse.status).toBe(404);
    expect(await statsOf(send.idempotencyKey)).toEqual({ sent: 1 });

    const first = await open("ada");
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ success: true, status: "opened" });
    expect((await open("ada")).status).toBe(200); // the app reported it twice (a cold start seen again)
    // Opened implies delivered (the status machine counts both, once).
    expect(await statsOf(send.idempotencyKey)).toEqual({ sent: 1, delivered: 1, opened: 1 });
    await eventually(
      async () => ((await journeySends(app, "ada")).nudge === "opened" ? true : null),
      15_000,
      "the journey to hear the open",
    );

    expect((await open("ada", "no-such-send")).status).toBe(404);
    const bad = await sdk(app, "/v1/push/opened", { userId: "ada" });
    expect(bad.status).toBe(400);
  });
});
