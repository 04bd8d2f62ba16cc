import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { clearKeyCache } from "../src/stores/config/app-directory";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { readTimezone } from "../src/domain/profile/timezone";
import { quietHours } from "../src/domain/campaigns/policy/quiet-hours";
import { decisions, launchCampaign, sent } from "./helpers/campaigns";

/**
 * What Segment and RudderStack clients mean by their calls (docs/api.md "SDK ingest"): RudderStack's
 * `originalTimestamp`, time zones reported as UTC offsets, the context kept with each event and
 * on the profile, push tokens in `context.device.token`, and alias of an identified user.
 */
type Entry = { kind: string; at: number; detail: Record<string, unknown> };
async function timeline(app: TestApp, userId: string, anonymous = false): Promise<Entry[]> {
  const res = await admin(
    app,
    `/admin/users/${encodeURIComponent(userId)}/timeline?limit=200${anonymous ? "&anonymous=true" : ""}`,
  );
  expect(res.status).toBe(200);
  return ((await res.json()) as { entries: Entry[] }).entries.reverse();
}
async function profileOf(
  app: TestApp,
  userId: string,
): Promise<{
  profile: Record<string, unknown> & { timezone: string | null };
  devices: Array<{ token: string; provider: string; platform: string; status: string }>;
}> {
  const res = await admin(app, `/admin/users/${encodeURIComponent(userId)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

describe("originalTimestamp (RudderStack)", () => {
  it("is the device time, skew-corrected from sentAt like timestamp; timestamp wins when both are sent", async () => {
    const app = await createTestApp();
    const receivedAt = Date.UTC(2026, 5, 1, 12, 0, 0);
    // The device clock runs 1 hour fast; the first call was queued offline 3 hours before the batch was sent.
    const sentAt = new Date(receivedAt + 3600_000).toISOString();
    const res = await sdk(
      app,
      "/v1/batch",
      {
        sentAt,
        batch: [
          {
            type: "track",
            userId: "rs",
            event: "Queued Offline",
            originalTimestamp: new Date(receivedAt + 3600_000 - 3 * 3600_000).toISOString(),
            messageId: "o1",
          },
          {
            type: "track",
            userId: "rs",
            event: "Both",
            originalTimestamp: new Date(receivedAt).toISOString(),
            timestamp: new Date(receivedAt + 3600_000 - 60_000).toISOString(),
            messageId: "o2",
          },
          {
            type: "track",
            userId: "rs",
            event: "Own SentAt",
            originalTimestamp: new Date(receivedAt - 5_000).toISOString(),
            sentAt: new Date(receivedAt).toISOString(),
            messageId: "o3",
          },
          {
            type: "track",
            userId: "rs",
            event: "From The Future",
            originalTimestamp: new Date(receivedAt + 5 * 86400_000).toISOString(),
            messageId: "o4",
          },
        ],
      },
      { clock: receivedAt },
    );
    expect(res.status).toBe(200);
    const at = Object.fromEntries(
      (await timeline(app, "rs")).filter((e) => e.kind === "event").map((e) => [e.detail.name, e.at]),
    );
    expect(at["Queued Offline"]).toBe(receivedAt - 3 * 3600_000);
    expect(at["Both"]).toBe(receivedAt - 60_000);
    expect(at["Own SentAt"]).toBe(receivedAt - 5_000);
    expect(at["From The Future"]).toBe(receivedAt);
    // The session and first-seen follow the device time, not the arrival.
    expect((await profileOf(app, "rs")).profile.firstSeen).toBe(receivedAt - 3 * 3600_000);
  });

  it("an invalid originalTimestamp is a 400 naming the field", async () => {
    const app = await createTestApp();
    const res = await sdk(app, "/v1/track", { userId: "rs-bad", event: "X", originalTimestamp: "yesterday-ish" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { problems: Array<{ field: string }> } };
    expect(body.error.problems.map((p) => p.field)).toContain("originalTimestamp");
    expect((await admin(app, "/admin/users/rs-bad")).status).toBe(404);
  });
});

describe("context.timezone as a UTC offset", () => {
  it("maps offsets to UTC, Etc/GMT∓h (inverted sign) or a fixed offset, and keeps IANA names", () => {
    expect(readTimezone("GMT+0000")).toEqual({ zone: "UTC" });
    expect(readTimezone("UTC")).toEqual({ zone: "UTC" });
    expect(readTimezone("GMT+0500")).toEqual({ zone: "Etc/GMT-5" });
    expect(readTimezone("GMT-0800")).toEqual({ zone: "Etc/GMT+8" });
    expect(readTimezone("UTC+14")).toEqual({ zone: "Etc/GMT-14" });
    expect(readTimezone("GMT-0530")).toEqual({ zone: "-05:30" });
    expect(readTimezone("UTC+05:30")).toEqual({ zone: "+05:30" });
    expect(readTimezone("+0545")).toEqual({ zone: "+05:45" });
    expect(readTimezone("Asia/Kolkata")).toEqual({ zone: "Asia/Kolkata" });
    expect(readTimezone("GMT+1500")).toHaveProperty("unmappable");
    expect(readTimezone("Mars/Olympus")).toHaveProperty("unmappable");
  });

  it("the mapped zone drives quiet hours in the Workers runtime (half-hour offsets too)", () => {
    const window = { start: "22:00", end: "08:00" };
    // 17:00 UTC is 22:30 at UTC+05:30: quiet, until 08:00 local = 02:30 UTC next day.
    const at = Date.UTC(2026, 2, 3, 17, 0);
    const india = quietHours(at, (readTimezone("GMT+0530") as { zone: string }).zone, window);
    expect(india).toMatchObject({ quiet: true });
    expect((india as { endsAt: number }).endsAt).toBe(Date.UTC(2026, 2, 4, 2, 30));
    // 17:00 UTC is 22:00 at UTC+5 (Etc/GMT-5): quiet; at UTC−8 it is 09:00: not quiet.
    expect(quietHours(at, (readTimezone("GMT+0500") as { zone: string }).zone, window)).toMatchObject({ quiet: true });
    expect(quietHours(at, (readTimezone("GMT-0800") as { zone: string }).zone, window)).toMatchObject({ quiet: false });
  });

  it("a person's profile gets the mapped zone; an unmappable one keeps the previous zone and says so", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", {
      anonymousId: "tz-1",
      event: "Opened",
      context: { timezone: "GMT+0530" },
      messageId: "t1",
    });
    let p = (await (await admin(app, "/admin/users/tz-1?anonymous=true")).json()) as {
      profile: { timezone: string | null; unmappedTimezone?: unknown };
    };
    expect(p.profile.timezone).toBe("+05:30");
    await sdk(app, "/v1/track", {
      anonymousId: "tz-1",
      event: "Moved",
      context: { timezone: "GMT-0800" },
      messageId: "t2",
    });
    p = (await (await admin(app, "/admin/users/tz-1?anonymous=true")).json()) as typeof p;
    expect(p.profile.timezone).toBe("Etc/GMT+8");
    await sdk(app, "/v1/track", {
      anonymousId: "tz-1",
      event: "Odd",
      context: { timezone: "Mars/Olympus" },
      messageId: "t3",
    });
    await sdk(app, "/v1/track", {
      anonymousId: "tz-1",
      event: "Odd Again",
      context: { timezone: "Mars/Olympus" },
      messageId: "t4",
    });
    p = (await (await admin(app, "/admin/users/tz-1?anonymous=true")).json()) as typeof p;
    expect(p.profile.timezone).toBe("Etc/GMT+8");
    expect(p.profile.unmappedTimezone).toMatchObject({ value: "Mars/Olympus" });
    const notes = (await timeline(app, "tz-1", true)).filter((e) => e.detail.ignored === "timezone");
    expect(notes).toHaveLength(1);
    expect(notes[0]!.detail).toMatchObject({ value: "Mars/Olympus", reason: expect.stringContaining("IANA") });
    // A usable zone later clears the note on the profile.
    await sdk(app, "/v1/track", {
      anonymousId: "tz-1",
      event: "Home",
      context: { timezone: "Europe/Paris" },
      messageId: "t5",
    });
    p = (await (await admin(app, "/admin/users/tz-1?anonymous=true")).json()) as typeof p;
    expect(p.profile).toMatchObject({ timezone: "Europe/Paris", unmappedTimezone: null });
  });
});

/** What analytics-swift sends from an iPhone (trimmed to the fields Beckon keeps, plus some it ignores). */
const iosContext = (over: Record<string, unknown> = {}) => ({
  app: { name: "Shop", version: "3.1.4", build: 314, namespace: "com.example.shop" },
  device: {
    id: "8E2C-IDFV",
    manufacturer: "Apple",
    model: "iPhone15,2",
    name: "iPhone",
    type: "ios",
    adTrackingEnabled: false,
  },
  os: { name: "iOS", version: "17.4" },
  network: { wifi: true, cellular: false, carrier: "Orange" },
  screen: { width: 393, height: 852, density: 3 },
  library: { name: "analytics-swift", version: "1.5.11" },
  locale: "fr-FR",
  timezone: "Europe/Paris",
  instanceId: "ignored-unknown-key",
  ...over,
});

describe("context kept", () => {
  it("each event keeps its bounded context (timeline and export); the profile the last-known device, OS, app and first/last-touch campaign", async () => {
    const app = await createTestApp();
    const t0 = Date.UTC(2026, 3, 1, 9, 0);
    await sdk(
      app,
      "/v1/batch",
      {
        batch: [
          {
            type: "page",
            anonymousId: "ctx-anon",
            name: "Spring",
            messageId: "c1",
            timestamp: new Date(t0).toISOString(),
            context: {
              userAgent: "Mozilla/5.0 " + "x".repeat(2000),
              page: {
                path: "/spring",
                url: "https://shop.example/spring?utm_campaign=spring",
                referrer: "https://news.example/",
                title: "Spring sale",
              },
              campaign: {
                name: "spring",
                source: "newsletter",
                medium: "email",
                term: "shoes",
                content: "hero",
                ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`extra${i}`, "v"])),
              },
              library: { name: "analytics.js", version: "next-1.84.3" },
            },
          },
        ],
      },
      { clock: t0 },
    );
    await sdk(
      app,
      "/v1/identify",
      {
        userId: "ctx-user",
        anonymousId: "ctx-anon",
        messageId: "c2",
        timestamp: new Date(t0 + 60_000).toISOString(),
        context: iosContext(),
      },
      { clock: t0 + 60_000 },
    );
    await sdk(
      app,
      "/v1/track",
      {
        userId: "ctx-user",
        event: "Opened",
        messageId: "c3",
        timestamp: new Date(t0 + 120_000).toISOString(),
        context: iosContext({ app: { version: "3.2.0", build: "320" }, campaign: { name: "summer", source: "push" } }),
      },
      { clock: t0 + 120_000 },
    );
    // An offline-queued call from before the update arrives last: it does not roll the app version back.
    await sdk(
      app,
      "/v1/track",
      {
        userId: "ctx-user",
        event: "Late",
        messageId: "c4",
        timestamp: new Date(t0 + 90_000).toISOString(),
        context: iosContext({ app: { version: "3.1.4", build: "314" }, campaign: { name: "late" } }),
      },
      { clock: t0 + 180_000 },
    );

    const { profile } = await profileOf(app, "ctx-user");
    const context = profile.context as Record<string, Record<string, unknown>>;
    expect(context.app).toEqual({ version: "3.2.0", build: "320" });
    expect(context.os).toEqual({ name: "iOS", version: "17.4" });
    expect(context.device).toEqual({
      id: "8E2C-IDFV",
      manufacturer: "Apple",
      model: "iPhone15,2",
      name: "iPhone",
      type: "ios",
    });
    expect(context.network).toEqual({ wifi: true, cellular: false, carrier: "Orange" });
    expect(context.firstCampaign).toMatchObject({
      name: "spring",
      source: "newsletter",
      medium: "email",
      term: "shoes",
      content: "hero",
      at: t0,
    });
    expect(context.lastCampaign).toMatchObject({ name: "summer", source: "push", at: t0 + 120_000 });
    expect(profile.locale).toBe("fr-FR");

    const events = (await timeline(app, "ctx-user")).filter((e) => e.kind === "event");
    const page = events.find((e) => e.detail.name === "Page Viewed")!.detail.context as Record<
      string,
      Record<string, unknown> | string
    >;
    expect((page.userAgent as string).length).toBe(512);
    expect(page.page).toMatchObject({ path: "/spring", title: "Spring sale" });
    expect(Object.keys(page.campaign as object)).toHaveLength(10);
    expect(Object.keys(page.campaign as object).slice(0, 5)).toEqual(["name", "source", "medium", "term", "content"]);
    const identify = events.find((e) => e.detail.name === "Identify")!.detail.context as Record<string, unknown>;
    expect(identify).toMatchObject({
      app: { name: "Shop", version: "3.1.4", build: "314", namespace: "com.example.shop" },
      screen: { width: 393, height: 852, density: 3 },
      library: { name: "analytics-swift" },
      timezone: "Europe/Paris",
    });
    expect(identify).not.toHaveProperty("instanceId");

    const exported = (await (await admin(app, "/admin/users/ctx-user/export")).json()) as {
      profile: { context: unknown };
      events: Array<{ name: string; context: string | null }>;
    };
    expect(exported.profile.context).toEqual(profile.context);
    expect(JSON.parse(exported.events.find((e) => e.name === "Opened")!.context!)).toMatchObject({
      app: { version: "3.2.0" },
      os: { name: "iOS" },
    });
  });

  it("RudderStack JS's own SDK identity in context.app is not taken for the person's app", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/page", {
      anonymousId: "rs-web",
      userId: "",
      name: "Home",
      messageId: "w1",
      context: {
        app: {
          name: "RudderLabs JavaScript SDK",
          namespace: "com.rudderlabs.javascript",
          version: "3.34.1",
          installType: "npm",
        },
        library: { name: "RudderLabs JavaScript SDK", version: "3.34.1" },
        os: { name: "", version: "" },
        timezone: "GMT+0000",
      },
    });
    const p = (await (await admin(app, "/admin/users/rs-web?anonymous=true")).json()) as {
      profile: { timezone: string; context: Record<string, unknown> };
    };
    expect(p.profile.context).not.toHaveProperty("app");
    expect(p.profile.context).not.toHaveProperty("os");
    expect(p.profile.context.library).toEqual({ name: "RudderLabs JavaScript SDK", version: "3.34.1" });
    expect(p.profile.timezone).toBe("UTC");
  });

  it("a known context field of the wrong type is a 400 naming it; nothing is stored", async () => {
    const app = await createTestApp();
    for (const [context, field] of [
      [{ os: "iOS" }, "context.os"],
      [{ app: { version: { major: 3 } } }, "context.app.version"],
      [{ screen: { width: "wide" } }, "context.screen.width"],
      [{ device: { token: "short" } }, "context.device.token"],
      [{ network: { wifi: "yes" } }, "context.network.wifi"],
    ] as const) {
      const res = await sdk(app, "/v1/track", { userId: "ctx-bad", event: "X", context });
      expect(res.status, JSON.stringify(context)).toBe(400);
      const body = (await res.json()) as { error: { problems: Array<{ field: string }> } };
      expect(body.error.problems.map((p) => p.field)).toContain(field);
    }
    expect((await admin(app, "/admin/users/ctx-bad")).status).toBe(404);
  });
});

describe("campaign conditions and segments on context fields", () => {
  const inApp = (id: string) => [
    { type: "message", id, channels: ["in_app"], content: { in_app: { type: "modal", title: id, body: id } } },
  ];

  it('"iOS users on an app version below 3.2" (semantic order) and "came from the spring campaign"', async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "Please update",
      trigger: { type: "event", event: "Application Opened" },
      audience: {
        all: [
          { context: { property: "app.version", op: "lt", value: "3.2" } },
          { context: { property: "os.name", op: "eq", value: "ios", ignoreCase: true } },
        ],
      },
      steps: inApp("update"),
    });
    const seg = await admin(app, "/admin/segments", {
      method: "POST",
      json: {
        name: "Spring campaign",
        filter: { type: "context", property: "firstCampaign.name", op: "eq", value: "spring" },
      },
    });
    expect(seg.status).toBe(200);
    const segment = (await seg.json()) as { id: string };
    await launchCampaign(app, {
      name: "Spring welcome",
      trigger: { type: "segment", segmentId: segment.id, on: "enter" },
      steps: inApp("spring"),
    });

    const open = (userId: string, context: Record<string, unknown>) =>
      sdk(app, "/v1/track", { userId, event: "Application Opened", context, messageId: `${userId}-open` });
    await open("old-ios", iosContext({ app: { version: "3.1.9" }, campaign: { name: "spring", source: "instagram" } }));
    await open("new-ios", iosContext({ app: { version: "3.10.0" } }));
    await open("old-android", {
      app: { version: "3.0.1" },
      os: { name: "Android", version: "14" },
      device: { type: "android" },
      campaign: { name: "autumn" },
    });
    await open("no-context", {});

    expect(await sent(app, "old-ios")).toEqual(["update:in_app", "spring:in_app"]);
    expect(await sent(app, "new-ios")).toEqual([]);
    expect(await sent(app, "old-android")).toEqual([]);
    expect(await sent(app, "no-context")).toEqual([]);
    expect((await decisions(app, "new-ios")).at(-1)?.detail.reason).toBe("not in the campaign's audience");

    // Validation names the field; the segment count says context conditions are estimated (objects evaluate them live).
    const bad = await admin(app, "/admin/campaigns", {
      method: "POST",
      json: {
        name: "x",
        trigger: { type: "event", event: "X" },
        audience: { context: { property: "app.version", op: "lt", value: "three" } },
        steps: inApp("x"),
      },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("audience.context.value");
    const count = (await (await admin(app, `/admin/segments/${segment.id}/count`)).json()) as {
      estimated: string[];
      live: number;
    };
    expect(count.estimated).toEqual(["context firstCampaign.name"]);
  });
});

describe("push tokens in context.device.token (Segment's mobile libraries)", () => {
  const APNS = "a1b2c3d4".repeat(8); // 32 bytes, hex: what analytics-swift reports
  const FCM = "fcm-registration-token:APA91b" + "x".repeat(120);

  it("registers the device once (APNs for iOS, FCM for Android), consent untouched", async () => {
    const app = await createTestApp();
    // analytics-swift: identify and a screen, both carrying the token.
    const swift = iosContext({ device: { ...iosContext().device, token: APNS } });
    await sdk(app, "/v1/batch", {
      batch: [
        { type: "identify", userId: "swift-user", traits: { email: "s@example.com" }, context: swift, messageId: "m1" },
        { type: "screen", userId: "swift-user", name: "Home", context: swift, messageId: "m2" },
      ],
    });
    await sdk(app, "/v1/track", { userId: "swift-user", event: "Application Opened", context: swift, messageId: "m3" });
    let p = await profileOf(app, "swift-user");
    expect(p.devices).toEqual([
      expect.objectContaining({ token: APNS, provider: "apns", platform: "ios", status: "active" }),
    ]);
    expect(p.profile.consent).toEqual({});
    expect(p.profile.hadPushToken).toBe(true);
    // Not copied into the stored context of every event.
    const entries = await timeline(app, "swift-user");
    expect(JSON.stringify(entries.filter((e) => e.kind === "event"))).not.toContain(APNS);
    expect(entries.filter((e) => e.kind === "device")).toHaveLength(1);

    // analytics-kotlin: device.type android.
    await sdk(app, "/v1/track", {
      userId: "kotlin-user",
      event: "Application Opened",
      messageId: "k1",
      context: {
        device: { type: "android", token: FCM, manufacturer: "Google" },
        os: { name: "Android", version: "14" },
        app: { version: "3.2.0", build: "320" },
      },
    });
    p = await profileOf(app, "kotlin-user");
    expect(p.devices).toEqual([expect.objectContaining({ token: FCM, provider: "fcm", platform: "android" })]);

    // Only os.name (analytics-react-native on iOS): APNs too.
    await sdk(app, "/v1/track", {
      anonymousId: "rn-anon",
      event: "Application Opened",
      messageId: "r1",
      context: { device: { token: APNS.replace(/a/g, "e") }, os: { name: "iOS" } },
    });
    const anon = (await (await admin(app, "/admin/users/rn-anon?anonymous=true")).json()) as {
      devices: Array<{ provider: string }>;
    };
    expect(anon.devices.map((d) => d.provider)).toEqual(["apns"]);
  });

  it("iOS tokens go to FCM when the app says so; no platform: not registered, noted once; a dead token is not revived by context", async () => {
    const app = await createTestApp({ iosPushProvider: "fcm" });
    await sdk(app, "/v1/track", {
      userId: "fire-ios",
      event: "Opened",
      messageId: "f1",
      context: { device: { type: "ios", token: FCM }, os: { name: "iOS" } },
    });
    expect((await profileOf(app, "fire-ios")).devices).toEqual([
      expect.objectContaining({ provider: "fcm", platform: "ios" }),
    ]);

    for (const id of ["w1", "w2"])
      await sdk(app, "/v1/track", {
        userId: "watch",
        event: "Opened",
        messageId: id,
        context: { device: { token: FCM }, os: { name: "watchOS" } },
      });
    expect((await profileOf(app, "watch")).devices).toEqual([]);
    const notes = (await timeline(app, "watch")).filter((e) => e.kind === "device");
    expect(notes).toHaveLength(1);
    expect(notes[0]!.detail.reason).toContain("iOS or Android");

    await sdk(app, "/v1/devices", { userId: "fire-ios", unregister: [FCM] });
    await sdk(app, "/v1/track", {
      userId: "fire-ios",
      event: "Opened",
      messageId: "f2",
      context: { device: { type: "ios", token: FCM } },
    });
    expect((await profileOf(app, "fire-ios")).devices[0]!.status).toBe("invalid");
  });

  it("keeps at most 10 active devices from context: the oldest registration is retired", async () => {
    const app = await createTestApp();
    const batch = Array.from({ length: 12 }, (_, i) => ({
      type: "track",
      userId: "many",
      event: "Opened",
      messageId: `d${i}`,
      context: { device: { type: "android", token: `fcm-token-${String(i).padStart(4, "0")}` } },
    }));
    expect((await sdk(app, "/v1/batch", { batch })).status).toBe(200);
    const { devices } = await profileOf(app, "many");
    expect(devices.filter((d) => d.status === "active").map((d) => d.token)).toEqual(
      batch.slice(2).map((b) => b.context.device.token),
    );
    expect(devices.filter((d) => d.status === "invalid").map((d) => d.token)).toEqual([
      "fcm-token-0000",
      "fcm-token-0001",
    ]);
  });

  it("identity verification applies as for POST /v1/devices: under `required` a write key alone cannot attach a token to a person", async () => {
    const app = await createTestApp({ identityVerification: "required" });
    const key = await admin(app, "/admin/app/identity-keys", { method: "POST", json: { alg: "HS256" } });
    const { secret } = (await key.json()) as { secret: string };
    clearKeyCache();
    const body = {
      userId: "verified",
      event: "Opened",
      messageId: "v1",
      context: { device: { type: "ios", token: APNS }, os: { name: "iOS" } },
    };
    const refused = await sdk(app, "/v1/track", body);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("user_token_missing");
    expect((await admin(app, "/admin/users/verified")).status).toBe(404);

    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("verified")
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(secret));
    const ok = await sdk(app, "/v1/track", body, { headers: { "x-beckon-user-token": token } });
    expect(ok.status).toBe(200);
    expect((await profileOf(app, "verified")).devices).toEqual([
      expect.objectContaining({ token: APNS, provider: "apns" }),
    ]);
  });
});

describe("alias of an already identified user", () => {
  it("is refused with a 400 naming previousId; neither profile changes and no merge is recorded", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "old-id", event: "Bought", messageId: "a1" });
    await sdk(app, "/v1/track", { userId: "new-id", event: "Signed Up", messageId: "a2" });
    const res = await sdk(app, "/v1/alias", { userId: "new-id", previousId: "old-id", messageId: "a3" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; problems: Array<{ field: string; message: string }> };
    };
    expect(body.error.problems).toEqual([
      { field: "previousId", message: expect.stringContaining("names an identified user") },
    ]);
    expect(body.error.message).toContain("previousId");
    const [oldP, newP] = [await profileOf(app, "old-id"), await profileOf(app, "new-id")];
    expect((oldP.profile.counters as { events: number }).events).toBe(1);
    expect((newP.profile.counters as { events: number }).events).toBe(1);
    expect(newP.profile.anonymousIds).toEqual([]);
    expect((await timeline(app, "new-id")).filter((e) => e.kind === "identity")).toEqual([]);
    // A retry is refused again (the refused call's messageId was not consumed).
    expect((await sdk(app, "/v1/alias", { userId: "new-id", previousId: "old-id", messageId: "a3" })).status).toBe(400);
  });

  it('in a batch only the alias is refused, by index; aliasing an anonymous id still merges, an unknown id is linked, not "merged"', async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "known", event: "X", messageId: "b0" });
    await sdk(app, "/v1/track", { anonymousId: "visitor", event: "Browsed", messageId: "b1" });
    const res = await sdk(app, "/v1/batch", {
      batch: [
        { type: "track", userId: "person", event: "Y", messageId: "b2" },
        { type: "alias", userId: "person", previousId: "known", messageId: "b3" },
        { type: "alias", userId: "person", previousId: "visitor", messageId: "b4" },
        { type: "alias", userId: "person", previousId: "never-seen", messageId: "b5" },
      ],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      applied: number;
      rejected: Array<{ index: number; messageId: string; problems: Array<{ field: string }> }>;
    };
    expect(body.rejected).toEqual([
      {
        index: 1,
        messageId: "b3",
        problems: [{ field: "batch.1.previousId", message: expect.stringContaining("identified") }],
      },
    ]);
    expect(body.applied).toBe(3);
    const p = await profileOf(app, "person");
    expect(p.profile.anonymousIds).toEqual(["visitor", "never-seen"]);
    const identity = (await timeline(app, "person")).filter((e) => e.kind === "identity").map((e) => e.detail);
    expect(identity).toEqual([
      { merged: "visitor", events: 1 },
      expect.objectContaining({ linked: "never-seen", events: 0 }),
    ]);
  });
});
