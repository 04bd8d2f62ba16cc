import { describe, expect, it } from "vitest";
import { HOUR, MINUTE } from "../src/clock";
import { clearKeyCache } from "../src/config/app-directory";
import { admin, createTestApp, sdk } from "./helpers/api";
import { decisions, launchCampaign, sent } from "./helpers/campaigns";

const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);
const STORE = { lat: 48.8566, lng: 2.3522 };

describe("location campaigns", () => {
  it("sends on geofence entry, joined with other conditions (has a cart, no purchase in 2 h)", async () => {
    const app = await createTestApp();
    const fence = await admin(app, "/admin/geofences", { method: "POST", json: { name: "Store 12", geometry: { type: "Point", coordinates: [STORE.lng, STORE.lat] }, radius: 150, tags: ["store"] } });
    expect(fence.status).toBe(200);
    await launchCampaign(app, {
      name: "In-store nudge",
      trigger: { type: "geofence", on: "enter", tags: ["store"] },
      audience: { all: [{ did: { event: "Product Added", withinHours: 72 } }, { didNot: { event: "Order Completed", withinHours: 2 } }] },
      steps: [{ type: "message", id: "store", channels: ["in_app"], content: { in_app: { type: "banner", title: "Welcome to {{ event.name }}", body: "Your cart is ready for pickup" } } }],
    });
    clearKeyCache();
    for (const u of ["shopper", "browser", "buyer"]) {
      if (u !== "browser") await sdk(app, "/v1/track", { userId: u, event: "Product Added", properties: { cart_id: `c-${u}` } }, { clock: T0 });
      if (u === "buyer") await sdk(app, "/v1/track", { userId: u, event: "Order Completed" }, { clock: T0 + MINUTE });
      // Outside the fence, then inside.
      await sdk(app, "/v1/location", { userId: u, lat: STORE.lat + 0.01, lng: STORE.lng, accuracy: 10, timestamp: T0 + 5 * MINUTE }, { clock: T0 + 5 * MINUTE });
      const inside = await sdk(app, "/v1/location", { userId: u, lat: STORE.lat, lng: STORE.lng + 0.0005, accuracy: 10, timestamp: T0 + 10 * MINUTE }, { clock: T0 + 10 * MINUTE });
      expect(inside.status, u).toBe(200);
    }
    expect(await sent(app, "shopper")).toEqual(["store:in_app"]);
    expect(await sent(app, "browser")).toEqual([]);
    expect(await sent(app, "buyer")).toEqual([]);
    expect((await decisions(app, "buyer")).find((d) => d.detail.notEntered)?.detail.reason).toBe("not in the campaign's audience");
    // Leaving and coming back within the fence's cooldown (default 300 s) is not a new entry; later it is.
    const fix = (lat: number, at: number) => sdk(app, "/v1/location", { userId: "shopper", lat, lng: STORE.lng, accuracy: 10, timestamp: at }, { clock: at });
    await fix(STORE.lat + 0.01, T0 + HOUR);
    await fix(STORE.lat, T0 + HOUR + MINUTE);
    expect(await sent(app, "shopper")).toEqual(["store:in_app"]);
    await fix(STORE.lat + 0.01, T0 + 2 * HOUR);
    await fix(STORE.lat, T0 + 3 * HOUR);
    expect(await sent(app, "shopper")).toEqual(["store:in_app", "store:in_app"]);
  });
});
