import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { launchCampaign, sent } from "./helpers/campaigns";

// 10:00 UTC on a Tuesday: outside the default quiet hours.
const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);
const MIN = 60_000;
const LAT = 48.8566,
  LNG = 2.3522;
const north = (m: number) => LAT + m / 111_195;

async function reachable(app: TestApp, userId: string) {
  const res = await sdk(
    app,
    "/v1/devices",
    {
      userId,
      register: [{ provider: "fcm", platform: "android", token: `tok-${userId}-000000` }],
      consent: { push: "opted_in" },
    },
    { clock: T0 - 10 * MIN },
  );
  expect(res.status).toBe(200);
}

const at = (app: TestApp, userId: string, clock: number, metres: number) =>
  sdk(app, "/v1/location", { userId, lat: north(metres), lng: LNG, accuracy: 10, timestamp: clock }, { clock });

describe("a campaign that sends on geofence entry", () => {
  it("entered a store, has a cart and no purchase in 2 h → one push; re-entry in the cooldown sends nothing", async () => {
    const app = await createTestApp();
    const fence = await admin(app, "/admin/geofences", {
      method: "POST",
      json: {
        name: "Store 12",
        geometry: { type: "Point", coordinates: [LNG, LAT] },
        radius: 100,
        tags: ["store"],
        cooldownSeconds: 3600,
      },
    });
    expect(fence.status).toBe(200);
    await launchCampaign(app, {
      name: "Store visit with a cart",
      trigger: { type: "geofence", on: "enter", tags: ["store"] },
      audience: {
        all: [
          { did: { event: "Product Added", withinHours: 48 } },
          { didNot: { event: "Order Completed", withinHours: 2 } },
        ],
      },
      steps: [
        {
          type: "message",
          id: "nearby",
          channels: ["push"],
          content: { push: { title: "You're at {{ event.name }}", body: "Your cart is waiting" } },
        },
      ],
    });
    for (const u of ["cart", "bought", "browser"]) await reachable(app, u);
    await sdk(
      app,
      "/v1/batch",
      {
        batch: [
          { type: "track", userId: "cart", event: "Product Added", properties: { sku: "a" } },
          { type: "track", userId: "bought", event: "Product Added", properties: { sku: "b" } },
          { type: "track", userId: "bought", event: "Order Completed", properties: { revenue: 20 } },
        ],
      },
      { clock: T0 - 5 * MIN },
    );

    for (const u of ["cart", "bought", "browser"]) expect((await at(app, u, T0, 0)).status).toBe(200);
    expect(await sent(app, "cart")).toEqual(["nearby:push"]);
    expect(await sent(app, "bought")).toEqual([]);
    expect(await sent(app, "browser")).toEqual([]);

    // Jitter at the edge, a walk out and back within the fence's 1 h cooldown: no second message.
    await at(app, "cart", T0 + MIN, 110);
    await at(app, "cart", T0 + 2 * MIN, 400);
    await at(app, "cart", T0 + 3 * MIN, 0);
    expect(await sent(app, "cart")).toEqual(["nearby:push"]);
  });

  it("dwell and beacon triggers: the timer's Geofence Dwelled and a Beacon Region Entered each start their campaign", async () => {
    const app = await createTestApp();
    const fence = (await (
      await admin(app, "/admin/geofences", {
        method: "POST",
        json: { name: "Lounge", geometry: { type: "Point", coordinates: [LNG, LAT] }, radius: 80, dwellSeconds: 600 },
      })
    ).json()) as { id: string };
    const region = (await (
      await admin(app, "/admin/beacons", {
        method: "POST",
        json: { type: "eddystone", name: "Gate A", namespace: "edd1ebeac04e5defa017" },
      })
    ).json()) as { id: string };
    await launchCampaign(app, {
      name: "Lounge offer",
      trigger: { type: "geofence", on: "dwell", fenceIds: [fence.id] },
      steps: [
        {
          type: "message",
          id: "lounge",
          channels: ["push"],
          content: { push: { body: "Enjoying {{ event.name }}? Drinks are 2-for-1" } },
        },
      ],
    });
    await launchCampaign(app, {
      name: "Gate",
      trigger: { type: "beacon", on: "enter", regionIds: [region.id] },
      steps: [
        {
          type: "message",
          id: "gate",
          channels: ["push"],
          content: { push: { body: "Boarding soon at {{ event.name }}" } },
        },
      ],
    });
    await reachable(app, "traveller");
    await at(app, "traveller", T0, 0);
    await admin(app, "/admin/users/traveller/tick", { method: "POST", clock: T0 + 9 * MIN });
    expect(await sent(app, "traveller")).toEqual([]);
    await admin(app, "/admin/users/traveller/tick", { method: "POST", clock: T0 + 10 * MIN });
    expect(await sent(app, "traveller")).toEqual(["lounge:push"]);
    await sdk(
      app,
      "/v1/track",
      {
        userId: "traveller",
        event: "Beacon Entered",
        properties: { namespace: "EDD1EBEAC04E5DEFA017", instance: "0bdb87539b67" },
      },
      { clock: T0 + 11 * MIN },
    );
    expect(await sent(app, "traveller")).toEqual(["lounge:push", "gate:push"]);
  });
});
