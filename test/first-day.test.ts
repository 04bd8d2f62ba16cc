import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";
import { decisions, launchCampaign } from "./helpers/campaigns";

/** Issue 12: the gaps a marketer hits on the first day. */
describe("first-day validation", () => {
  const base = {
    name: "x",
    steps: [{ type: "message", id: "m", channels: ["in_app"], content: { in_app: { type: "modal", title: "Hi" } } }],
  };

  it("refuses a frequency cap of 0, an abandonment window under a minute, and newDays ≥ dormantDays — naming the field", async () => {
    const app = await createTestApp();
    const cap = await admin(app, "/admin/campaigns", {
      method: "POST",
      json: { ...base, trigger: { type: "event", event: "E" }, frequencyCaps: [{ windowHours: 24, max: 0 }] },
    });
    expect(cap.status).toBe(400);
    expect(await cap.json()).toMatchObject({
      error: { problems: [{ field: "frequencyCaps.0.max", message: expect.stringContaining("at least 1") }] },
    });
    const settingsCap = await admin(app, "/admin/app/settings", {
      method: "PATCH",
      json: { frequencyCaps: [{ windowHours: 24, max: 0 }] },
    });
    expect(settingsCap.status).toBe(400);
    const quick = await admin(app, "/admin/campaigns", {
      method: "POST",
      json: {
        ...base,
        trigger: { type: "inaction", start: { event: "A" }, cancel: { event: "B" }, within: { seconds: 0 } },
      },
    });
    expect(quick.status).toBe(400);
    expect(await quick.json()).toMatchObject({
      error: { problems: [{ field: "trigger.within", message: "at least 60 seconds" }] },
    });
    const lifecycle = await admin(app, "/admin/app/settings", {
      method: "PATCH",
      json: { lifecycle: { newDays: 20, dormantDays: 14 } },
    });
    expect(lifecycle.status).toBe(400);
    expect(await lifecycle.json()).toMatchObject({
      error: { problems: [{ field: "settings.lifecycle.newDays", message: "newDays must be less than dormantDays" }] },
    });
    // Fractional days are fine: 6 hours new, 12 hours to dormant, a day to churned.
    const fractional = await admin(app, "/admin/app/settings", {
      method: "PATCH",
      json: { lifecycle: { newDays: 0.25, dormantDays: 0.5, churnedDays: 1 } },
    });
    expect(fractional.status).toBe(200);
  });
});

describe("abandonment deadlines count from the event's own time", () => {
  it("an offline-queued start has that much less to wait; one whose deadline already passed is due at once", async () => {
    const app = await createTestApp({ quietHours: null });
    const T = Date.UTC(2026, 11, 3, 12);
    await launchCampaign(
      app,
      {
        ...{ name: "Cart" },
        trigger: {
          type: "inaction",
          start: { event: "Product Added" },
          cancel: { event: "Order Completed" },
          key: "cart_id",
          within: { minutes: 30 },
        },
        steps: [
          {
            type: "message",
            id: "m",
            channels: ["in_app"],
            content: { in_app: { type: "modal", title: "Your cart" } },
          },
        ],
      },
      T,
    );
    const at = (minutesAgo: number) => new Date(T - minutesAgo * 60_000).toISOString();
    await sdk(
      app,
      "/v1/batch",
      {
        batch: [
          {
            type: "track",
            userId: "late",
            event: "Product Added",
            properties: { cart_id: "c20" },
            timestamp: at(20),
            messageId: "a1",
          },
          {
            type: "track",
            userId: "late",
            event: "Product Added",
            properties: { cart_id: "c40" },
            timestamp: at(40),
            messageId: "a2",
          },
        ],
      },
      { clock: T },
    );
    const timers = (await decisions(app, "late")).flatMap(
      (d) => (d.detail as { abandonmentTimer?: number }).abandonmentTimer ?? [],
    );
    expect(timers.sort()).toEqual([T, T + 10 * 60_000]);
  });
});

describe("campaign editing verbs", () => {
  const def = {
    name: "Welcome",
    trigger: { type: "event", event: "Signed Up" },
    controlPercent: 10,
    steps: [{ type: "message", id: "m", channels: ["in_app"], content: { in_app: { type: "modal", title: "Hi" } } }],
  };

  it("PATCH is a JSON Merge Patch (partial body, null removes), PUT replaces the whole definition", async () => {
    const app = await createTestApp();
    const { id } = (await (await admin(app, "/admin/campaigns", { method: "POST", json: def })).json()) as {
      id: string;
    };
    const patched = await admin(app, `/admin/campaigns/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ name: "Welcome v2", controlPercent: null }),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      version: 2,
      name: "Welcome v2",
      definition: { name: "Welcome v2", controlPercent: 0, trigger: { event: "Signed Up" }, steps: [{ id: "m" }] },
    });
    const partialPut = await admin(app, `/admin/campaigns/${id}`, { method: "PUT", json: { name: "Only a name" } });
    expect(partialPut.status).toBe(400);
    expect(await partialPut.json()).toMatchObject({
      error: { problems: expect.arrayContaining([{ field: "trigger", message: "required" }]) },
    });
    const put = await admin(app, `/admin/campaigns/${id}`, { method: "PUT", json: { ...def, name: "Welcome v3" } });
    expect(await put.json()).toMatchObject({ version: 3, name: "Welcome v3", definition: { controlPercent: 10 } });
    // A patch that breaks the definition is refused whole, naming the field; nothing changes.
    const broken = await admin(app, `/admin/campaigns/${id}`, { method: "PATCH", json: { steps: [] } });
    expect(broken.status).toBe(400);
    expect(((await (await admin(app, `/admin/campaigns/${id}`)).json()) as { version: number }).version).toBe(3);
  });

  it("a draft that never ran can be deleted; a campaign that ran cannot (archive it)", async () => {
    const app = await createTestApp();
    const { id: draft } = (await (await admin(app, "/admin/campaigns", { method: "POST", json: def })).json()) as {
      id: string;
    };
    expect(await (await admin(app, `/admin/campaigns/${draft}`, { method: "DELETE" })).json()).toEqual({
      deleted: true,
    });
    expect((await admin(app, `/admin/campaigns/${draft}`)).status).toBe(404);
    const ran = await launchCampaign(app, def);
    await admin(app, `/admin/campaigns/${ran}/pause`, { method: "POST" });
    const refused = await admin(app, `/admin/campaigns/${ran}`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /only a draft that never ran can be deleted; archive it instead/,
    );
    const drafts = (await (await admin(app, "/admin/campaigns?status=draft")).json()) as { campaigns: unknown[] };
    expect(drafts.campaigns).toEqual([]);
  });
});

describe("virtual time", () => {
  it("says where to enable it when it is off", async () => {
    const { callWith, testEnv } = await import("./fakes/delivery-harness");
    const app = await createTestApp();
    const res = await callWith({ ...testEnv, ALLOW_VIRTUAL_CLOCK: "false" }, "/admin/tick", {
      method: "POST",
      headers: { authorization: `Bearer ${app.adminKey}`, "x-beckon-clock": "2026-12-03T00:00:00Z" },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        code: "virtual_clock_disabled",
        message: expect.stringContaining("ALLOW_VIRTUAL_CLOCK=true in .dev.vars"),
      },
    });
  });
});

describe("where timezone, locale, email and phone come from", () => {
  it("identify traits count like the device's context and /v1/devices; the latest valid value wins; invalid ones are ignored", async () => {
    const app = await createTestApp();
    const profileOf = async () =>
      (
        (await (await admin(app, "/admin/users/tz")).json()) as {
          profile: { timezone: string | null; locale: string | null; email: string | null; phone: string | null };
        }
      ).profile;
    await sdk(app, "/v1/identify", {
      userId: "tz",
      traits: { timezone: "Asia/Tokyo", locale: "ja-JP", email: "Tz@Example.com", phone: "+819012345678" },
      context: { timezone: "Europe/Paris", locale: "fr-FR" },
    });
    expect(await profileOf()).toMatchObject({
      timezone: "Asia/Tokyo",
      locale: "ja-JP",
      email: "tz@example.com",
      phone: "+819012345678",
    });
    // A later call's context moves the timezone (the person travelled).
    await sdk(app, "/v1/track", { userId: "tz", event: "Opened", context: { timezone: "America/New_York" } });
    expect(await profileOf()).toMatchObject({ timezone: "America/New_York" });
    // Invalid values never replace valid ones.
    await sdk(app, "/v1/identify", {
      userId: "tz",
      traits: { timezone: "Mars/Olympus", locale: "not a locale!", email: "nope", phone: "0800 123" },
    });
    expect(await profileOf()).toMatchObject({
      timezone: "America/New_York",
      locale: "ja-JP",
      email: "tz@example.com",
      phone: "+819012345678",
    });
    // An explicit /v1/devices call is the latest, so it wins until something newer arrives.
    await sdk(app, "/v1/devices", { userId: "tz", timezone: "Europe/Berlin", email: "tz@work.example" });
    expect(await profileOf()).toMatchObject({ timezone: "Europe/Berlin", email: "tz@work.example" });
  });
});
