import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";
import { launchCampaign } from "./helpers/campaigns";
import { eventually } from "./helpers/wait";
import { statsOf } from "./fakes/delivery-harness";

/**
 * The whole path with the real queue: an event → the campaign's UserObject enqueues a SendJob on
 * SENDS → the Worker's queue handler (consumeSends) delivers it through the sandbox → the send is
 * listed by GET /admin/sends, counted once, and the person's timeline hears "sent".
 */
describe("delivery end to end through the SENDS queue", () => {
  it("an event-triggered email is delivered once and reported back to the person", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Receipt",
      transactional: true,
      trigger: { type: "event", event: "Order Completed" },
      steps: [
        {
          type: "message",
          id: "receipt",
          channels: ["email"],
          content: { email: { subject: "Receipt {{ event.order_id }}", text: "Thanks" } },
        },
      ],
    });
    await sdk(app, "/v1/devices", { userId: "ada", email: "ada@example.com", consent: { email: "opted_in" } });
    await sdk(app, "/v1/track", {
      userId: "ada",
      event: "Order Completed",
      messageId: "o1",
      properties: { order_id: "A-1" },
    });

    const sends = await eventually(
      async () => {
        const body = (await (await admin(app, "/admin/sends?channel=email")).json()) as {
          sends: Array<{
            idempotencyKey: string;
            status: string;
            provider: string;
            address: string;
            content: { content: { subject: string } };
          }>;
        };
        return body.sends.length > 0 && body.sends[0]!.status === "sent" ? body.sends : null;
      },
      15_000,
      "the send to be recorded",
    );
    expect(sends).toHaveLength(1);
    expect(sends[0]).toMatchObject({ provider: "sandbox", address: "ada@example.com" });
    expect(sends[0]!.content.content.subject).toBe("Receipt A-1");
    expect(await statsOf(sends[0]!.idempotencyKey)).toEqual({ sent: 1 });

    const timeline = await eventually(
      async () => {
        const t = (await (await admin(app, "/admin/users/ada/timeline?limit=100")).json()) as {
          entries: Array<{ kind: string; detail: Record<string, unknown> }>;
        };
        return t.entries.find((e) => e.kind === "delivery" && e.detail.status === "sent") ? t.entries : null;
      },
      15_000,
      "the deliveryStatus report",
    );
    expect(timeline.filter((e) => e.kind === "delivery" && e.detail.key === sends[0]!.idempotencyKey)).toHaveLength(1);
  });
});
