import { describe, expect, it } from "vitest";
import { admin, call, createTestApp, OPERATOR, sdk } from "./helpers/api";
import { decisions } from "./helpers/campaigns";

/**
 * "Activate" means live: once a config change has answered, every event is decided by the new
 * version, even on an edge whose cache was warm (no clearKeyCache here, unlike launchCampaign).
 */
describe("config changes are live when they answer", () => {
  it("an event right after the activate response enters the campaign, and the timeline names the version that decided", async () => {
    const app = await createTestApp();
    // Warm the edge's cache with the current version.
    expect((await sdk(app, "/v1/track", { userId: "eve", event: "Warm Up" })).status).toBe(200);
    const created = await admin(app, "/admin/campaigns", {
      method: "POST",
      json: {
        name: "Welcome",
        trigger: { type: "event", event: "Signed Up" },
        steps: [
          { type: "message", id: "hi", channels: ["in_app"], content: { in_app: { type: "modal", title: "Hi" } } },
        ],
      },
    });
    const { id } = (await created.json()) as { id: string };
    const activated = await admin(app, `/admin/campaigns/${id}/activate`, { method: "POST" });
    expect(activated.status).toBe(200);
    const { configVersion } = (await (await admin(app, "/admin/app")).json()) as { configVersion: number };

    expect((await sdk(app, "/v1/track", { userId: "eve", event: "Signed Up" })).status).toBe(200);
    const entered = (await decisions(app, "eve")).find((d) => d.detail.campaignId === id && d.detail.entered);
    expect(entered?.detail).toMatchObject({ configVersion });
  });

  it("a revoked write key is refused as soon as the revoke has answered", async () => {
    const app = await createTestApp();
    expect((await sdk(app, "/v1/track", { userId: "rev", event: "Warm Up" })).status).toBe(200);
    const prefix = app.writeKey.slice(0, 10);
    const res = await call(`/admin/apps/${app.appId}/keys/${prefix}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${OPERATOR}` },
    });
    expect(await res.json()).toEqual({ revoked: 1 });
    const refused = await sdk(app, "/v1/track", { userId: "rev", event: "After Revoke" });
    expect(refused.status).toBe(401);
  });
});
