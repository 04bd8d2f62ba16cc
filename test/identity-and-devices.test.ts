import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";

type View = {
  profile: {
    anonymousIds: string[];
    counters: { events: number; purchases: number };
    traits: Record<string, unknown>;
    email: string | null;
    phone: string | null;
    timezone: string | null;
    locale: string | null;
    consent: Record<string, { status: string; source: string }>;
  };
  devices: Array<{ token: string; provider: string; status: string }>;
};

describe("identity merge", () => {
  it("an anonymous visitor who identifies keeps their history", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/batch", {
      batch: [
        { type: "page", anonymousId: "anon-7", name: "Home", messageId: "a1" },
        {
          type: "track",
          anonymousId: "anon-7",
          event: "Product Added",
          properties: { cart_id: "c1" },
          messageId: "a2",
        },
      ],
    });
    await sdk(app, "/v1/identify", {
      userId: "user-7",
      anonymousId: "anon-7",
      traits: { name: "Ada" },
      messageId: "a3",
    });
    const res = await admin(app, "/admin/users/user-7");
    const v = (await res.json()) as View;
    expect(v.profile.anonymousIds).toEqual(["anon-7"]);
    expect(v.profile.counters.events).toBe(3);
    expect(v.profile.traits.name).toBe("Ada");
    const timeline = (await (await admin(app, "/admin/users/user-7/timeline")).json()) as {
      entries: Array<{ kind: string; detail: { name?: string } }>;
    };
    expect(
      timeline.entries
        .filter((e) => e.kind === "event")
        .map((e) => e.detail.name)
        .sort(),
    ).toEqual(["Identify", "Page Viewed", "Product Added"]);

    // Later calls that only carry the anonymousId reach the identified profile; a retry of an old call stays deduped.
    await sdk(app, "/v1/track", { anonymousId: "anon-7", event: "Checkout Started", messageId: "a4" });
    await sdk(app, "/v1/track", {
      anonymousId: "anon-7",
      event: "Product Added",
      properties: { cart_id: "c1" },
      messageId: "a2",
    });
    const after = (await (await admin(app, "/admin/users/user-7")).json()) as View;
    expect(after.profile.counters.events).toBe(4);
  });

  it("alias merges a previous id into the user", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { anonymousId: "old-id", event: "Browsed", messageId: "b1" });
    await sdk(app, "/v1/alias", { userId: "new-id", previousId: "old-id", messageId: "b2" });
    const v = (await (await admin(app, "/admin/users/new-id")).json()) as View;
    expect(v.profile.anonymousIds).toContain("old-id");
    expect(v.profile.counters.events).toBe(2);
  });
});

describe("POST /v1/devices", () => {
  it("registers push tokens and Web Push subscriptions, addresses, consent, timezone and locale", async () => {
    const app = await createTestApp();
    const res = await sdk(app, "/v1/devices", {
      userId: "dev",
      register: [
        { provider: "fcm", platform: "android", token: "fcm-token-aaaaaaaa" },
        { provider: "apns", platform: "ios", token: "apns-token-bbbbbbbb" },
        {
          provider: "webpush",
          platform: "web",
          subscription: {
            endpoint: "https://push.example/sub/1",
            keys: { p256dh: "BPubKeyBase64UrlXXXXXXXXXXX", auth: "authsecret1" },
          },
        },
      ],
      email: "Dev@Example.com",
      phone: "+14155550100",
      timezone: "Europe/Paris",
      locale: "fr-FR",
      consent: { push: "opted_in", email: "opted_in", sms: "opted_out" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, devices: 3 });
    const v = (await (await admin(app, "/admin/users/dev")).json()) as View;
    expect(v.devices.map((d) => d.provider).sort()).toEqual(["apns", "fcm", "webpush"]);
    expect(v.profile).toMatchObject({
      email: "dev@example.com",
      phone: "+14155550100",
      timezone: "Europe/Paris",
      locale: "fr-FR",
    });
    expect(v.profile.consent.sms).toMatchObject({ status: "opted_out", source: "sdk" });

    await sdk(app, "/v1/devices", { userId: "dev", unregister: ["fcm-token-aaaaaaaa"] });
    const after = (await (await admin(app, "/admin/users/dev")).json()) as View;
    expect(after.devices.find((d) => d.token === "fcm-token-aaaaaaaa")?.status).toBe("invalid");
  });

  it("rejects bad input with the field named, and changes nothing", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/devices", { userId: "strict", email: "keep@example.com" });
    const cases: Array<[unknown, string]> = [
      [{ userId: "strict", phone: "0612345678" }, "phone"],
      [{ userId: "strict", timezone: "Mars/Olympus" }, "timezone"],
      [{ userId: "strict", consent: { push: "maybe" } }, "consent.push"],
      [{ userId: "strict", register: [{ provider: "webpush", platform: "web" }] }, "register.0.subscription"],
      [{ userId: "strict", register: [{ provider: "fcm", platform: "android" }] }, "register.0.token"],
      [{ userId: "strict", email: "new@example.com", favouriteColour: "blue" }, "(body)"],
      [{ email: "x@example.com" }, "userId"],
    ];
    for (const [body, field] of cases) {
      const res = await sdk(app, "/v1/devices", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = (await res.json()) as { error: { problems: Array<{ field: string }> } };
      expect(
        err.error.problems.map((p) => p.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    const v = (await (await admin(app, "/admin/users/strict")).json()) as View;
    expect(v.profile.email).toBe("keep@example.com");
    expect(v.devices).toEqual([]);
  });
});
