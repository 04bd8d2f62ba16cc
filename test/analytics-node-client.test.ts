import { Analytics } from "@segment/analytics-node";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, createTestApp } from "./helpers/api";

const worker = (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default;

describe("@segment/analytics-node pointed at Beckon", () => {
  it("delivers identify, track, page and screen unchanged", async () => {
    const app = await createTestApp();
    const seen: string[] = [];
    // The real client; its HTTP client is routed to the Worker under test instead of the network.
    const analytics = new Analytics({
      writeKey: app.writeKey,
      host: "http://beckon.test",
      maxEventsInBatch: 10,
      flushInterval: 50,
      httpClient: async (url, init) => {
        seen.push(`${init.method} ${new URL(url).pathname}`);
        return worker.fetch(
          new Request(url, { method: init.method, headers: init.headers as HeadersInit, body: init.body as BodyInit }),
        );
      },
    });
    analytics.identify({ userId: "node-user", traits: { email: "node@example.com", plan: "team" } });
    analytics.track({ userId: "node-user", event: "Order Completed", properties: { revenue: 19.99 } });
    analytics.page({ userId: "node-user", name: "Pricing" });
    analytics.screen({ userId: "node-user", name: "Checkout" });
    analytics.track({ anonymousId: "anon-node", event: "Browsed" });
    await analytics.closeAndFlush({ timeout: 10_000 });

    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s === "POST /v1/batch")).toBe(true);
    const res = await admin(app, "/admin/users/node-user");
    const body = (await res.json()) as {
      profile: { counters: { events: number; purchases: number; revenue: number }; traits: Record<string, unknown> };
    };
    expect(body.profile.counters).toMatchObject({ events: 4, purchases: 1, revenue: 19.99 });
    expect(body.profile.traits).toMatchObject({ plan: "team" });
    const anon = await admin(app, "/admin/users/anon-node?anonymous=true");
    expect(anon.status).toBe(200);
  });
});
