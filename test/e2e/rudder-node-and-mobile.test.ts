import Analytics from "@rudderstack/rudder-sdk-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { E2E_OPERATOR_TOKEN, type LocalWorker, startLocalWorker } from "./local-worker";

/**
 * Server and mobile clients against `wrangler dev`, over real HTTP: the real
 * `@rudderstack/rudder-sdk-node` (anonymous calls with `userId: ""`, `originalTimestamp`,
 * a device clock that runs an hour fast, gzip), and a batch shaped exactly as Segment's
 * mobile libraries (analytics-swift / analytics-kotlin) send it, whose `context.device.token`
 * registers a push device.
 */
const HOUR = 3600_000;
let worker: LocalWorker;
let app: { writeKey: string; adminKey: string };

beforeAll(async () => {
  worker = await startLocalWorker();
  const created = await fetch(`${worker.url}/admin/apps`, {
    method: "POST",
    headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "clients", settings: { identityVerification: "off" } }),
  });
  expect(created.status).toBe(200);
  app = (await created.json()) as typeof app;
});
afterAll(async () => {
  vi.useRealTimers();
  await worker?.stop();
});

const adminGet = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${worker.url}${path}`, { headers: { authorization: `Bearer ${app.adminKey}` } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
};
type Timeline = {
  entries: Array<{
    kind: string;
    at: number;
    detail: { name?: string; context?: Record<string, Record<string, unknown>>; properties?: Record<string, unknown> };
  }>;
};
type Profile = {
  profile: {
    timezone: string | null;
    anonymousIds: string[];
    counters: { events: number; purchases: number };
    context?: Record<string, Record<string, unknown>>;
  };
  devices: Array<{ token: string; provider: string; platform: string }>;
};

describe("@rudderstack/rudder-sdk-node pointed at Beckon", () => {
  it('anonymous calls with userId "", originalTimestamp from an offline queue and a fast device clock land corrected, with their context', async () => {
    const realStart = Date.now();
    // The client's clock runs one hour fast (only Date is faked; timers and sockets are real).
    vi.useFakeTimers({ toFake: ["Date"], now: realStart + HOUR, shouldAdvanceTime: true });
    const errors: unknown[] = [];
    const client = new Analytics(app.writeKey, {
      dataPlaneUrl: worker.url,
      flushAt: 20,
      flushInterval: 100,
      errorHandler: (e) => void errors.push(e),
    });
    const context = {
      app: { name: "Shop", version: "3.1.0", build: "310", namespace: "com.example.shop" },
      os: { name: "Android", version: "14" },
      device: {
        type: "android",
        manufacturer: "Google",
        model: "Pixel 8",
        token: "fcm-rudder-token-" + "z".repeat(60),
      },
      campaign: { name: "spring", source: "newsletter", medium: "email" },
      timezone: "GMT+0530",
      locale: "en-IN",
    };
    // Queued offline on the device two hours before it was sent (device time, i.e. fast by an hour).
    const offlineAt = new Date(Date.now() - 2 * HOUR);
    client.track({
      userId: "",
      anonymousId: "rs-anon-1",
      event: "Product Viewed",
      properties: { sku: "A1" },
      context,
      originalTimestamp: offlineAt,
    } as never);
    client.page({ userId: "", anonymousId: "rs-anon-1", name: "Pricing", context } as never);
    client.identify({ userId: "rs-user-1", anonymousId: "rs-anon-1", traits: { email: "rs@example.com" }, context });
    client.track({ userId: "rs-user-1", event: "Order Completed", properties: { revenue: 12.5 }, context });
    await client.flush();
    vi.useRealTimers();
    expect(errors).toEqual([]);

    const profile = await vi.waitFor(
      async () => {
        const p = await adminGet<Profile>("/admin/users/rs-user-1");
        expect(p.profile.counters.events).toBe(4);
        return p;
      },
      { timeout: 15_000, interval: 300 },
    );
    expect(profile.profile.anonymousIds).toEqual(["rs-anon-1"]);
    expect(profile.profile.counters.purchases).toBe(1);
    expect(profile.profile.timezone).toBe("+05:30");
    expect(profile.profile.context).toMatchObject({
      app: { version: "3.1.0", build: "310" },
      os: { name: "Android" },
      device: { type: "android", model: "Pixel 8" },
      firstCampaign: { name: "spring" },
      library: { name: "analytics-node" },
    });
    expect(profile.devices).toEqual([
      expect.objectContaining({ token: context.device.token, provider: "fcm", platform: "android" }),
    ]);

    const events = (await adminGet<Timeline>("/admin/users/rs-user-1/timeline?limit=50")).entries.filter(
      (e) => e.kind === "event",
    );
    expect(events.map((e) => e.detail.name).sort()).toEqual([
      "Identify",
      "Order Completed",
      "Page Viewed",
      "Product Viewed",
    ]);
    // Skew-corrected: two hours before it was sent, on the server's clock — not at arrival, not an hour in the future.
    const viewed = events.find((e) => e.detail.name === "Product Viewed")!;
    expect(Math.abs(viewed.at - (realStart - 2 * HOUR))).toBeLessThan(5_000);
    for (const e of events.filter((e) => e.detail.name !== "Product Viewed")) {
      expect(e.at).toBeLessThanOrEqual(Date.now());
      expect(e.at).toBeGreaterThan(realStart - 5_000);
    }
    for (const e of events)
      expect(e.detail.context).toMatchObject({
        app: { version: "3.1.0" },
        os: { name: "Android" },
        campaign: { name: "spring" },
        timezone: "GMT+0530",
      });
  });
});

describe("a Segment-mobile-shaped payload (analytics-swift / analytics-kotlin)", () => {
  it("registers the push token in context.device.token and keeps the app, OS and device", async () => {
    const sentAt = new Date().toISOString();
    const common = (messageId: string) => ({
      messageId,
      anonymousId: "5D8E0C4A-1F2B-4C3D-9E8F-0A1B2C3D4E5F",
      userId: "swift-user-1",
      timestamp: sentAt,
      integrations: {},
      context: {
        app: { name: "Shop", version: "3.2.1", build: "321", namespace: "com.example.shop" },
        device: {
          id: "B1C2-IDFV",
          manufacturer: "Apple",
          model: "iPhone16,1",
          name: "iPhone",
          type: "ios",
          token: "4f".repeat(32),
          adTrackingEnabled: false,
        },
        os: { name: "iOS", version: "17.5.1" },
        library: { name: "analytics-swift", version: "1.6.1" },
        network: { wifi: true, cellular: false },
        screen: { width: 393, height: 852 },
        locale: "en-US",
        timezone: "America/New_York",
        traits: {},
        instanceId: "0B0B…",
      },
      _metadata: { bundled: [], unbundled: [], bundledIds: [] },
    });
    const res = await fetch(`${worker.url}/v1/b`, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${app.writeKey}:`)}`, "content-type": "application/json" },
      body: JSON.stringify({
        batch: [
          { ...common("sw-1"), type: "identify", traits: { email: "swift@example.com" } },
          { ...common("sw-2"), type: "screen", name: "Home", properties: {} },
          { ...common("sw-3"), type: "track", event: "Application Opened", properties: { from_background: false } },
        ],
        sentAt,
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, applied: 3 });
    const p = await adminGet<Profile>("/admin/users/swift-user-1");
    expect(p.devices).toEqual([expect.objectContaining({ token: "4f".repeat(32), provider: "apns", platform: "ios" })]);
    expect(p.profile.timezone).toBe("America/New_York");
    expect(p.profile.context).toMatchObject({
      app: { version: "3.2.1", build: "321" },
      os: { name: "iOS", version: "17.5.1" },
      device: { model: "iPhone16,1" },
      library: { name: "analytics-swift" },
    });
  });
});
