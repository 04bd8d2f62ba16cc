import { runInDurableObject } from "cloudflare:test";
import { userObject } from "./helpers/objects";
import { describe, expect, it } from "vitest";
import { inAppFeature } from "../src/engine/features";
import type { Json } from "../src/kernel/json";
import type { UserContext } from "../src/engine/feature";
import { TimerTable } from "../src/engine/timers";
import { admin, basic, call, createTestApp, sdk } from "./helpers/api";
import { addCard, getJson, modal, postText, sendInApp } from "./helpers/inapp";

interface PendingBody {
  messages: Array<{
    key: string;
    campaignId: string;
    priority: number;
    content: { title: string; displayOn?: unknown };
  }>;
  rules: Array<{ key: string; event: string; properties?: Record<string, unknown> }>;
  notBefore: number | null;
  minIntervalSeconds: number;
}

const T0 = Date.parse("2026-11-24T09:00:00Z");

describe("in-app messages: delivery on app open", () => {
  it("returns pending messages by priority, with trigger rules, to the write key holder only", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "ana", event: "App Opened", messageId: "m1" }, { clock: T0 });
    expect(
      (await sendInApp(app, "ana", modal("Low", { priority: 10 }), { key: "c1:s1:a", campaignId: "c1", clock: T0 }))
        .body.stored,
    ).toBe(true);
    expect(
      (
        await sendInApp(app, "ana", modal("High", { priority: 90 }), {
          key: "c2:s1:a",
          campaignId: "c2",
          clock: T0 + 1000,
        })
      ).body.stored,
    ).toBe(true);
    await sendInApp(
      app,
      "ana",
      modal("On cart", { displayOn: { event: "Product Added", properties: { sku: "TEE-1" } } }),
      { key: "c3:s1:a", campaignId: "c3", clock: T0 + 2000 },
    );

    const res = await getJson<PendingBody>(`/v1/in-app?userId=ana&writeKey=${app.writeKey}`, T0 + 5000);
    expect(res.status).toBe(200);
    expect(res.body.messages.map((m) => m.content.title)).toEqual(["High", "On cart", "Low"]);
    expect(res.body.messages[0]).toMatchObject({ key: "c2:s1:a", campaignId: "c2", priority: 90 });
    expect(res.body.rules).toEqual([{ key: "c3:s1:a", event: "Product Added", properties: { sku: "TEE-1" } }]);
    expect(res.body).toMatchObject({ notBefore: null, minIntervalSeconds: 30 });

    // Basic auth works as well as ?writeKey=; a wrong key does not.
    const viaBasic = await call("/v1/in-app?userId=ana", {
      headers: { authorization: basic(app.writeKey) },
      clock: T0 + 5000,
    });
    expect(((await viaBasic.json()) as PendingBody).messages).toHaveLength(3);
    expect((await call("/v1/in-app?userId=ana&writeKey=wk_wrong")).status).toBe(401);
  });

  it("stores a campaign key once (idempotent delivery)", async () => {
    const app = await createTestApp();
    expect((await sendInApp(app, "bo", modal(), { key: "camp:step:1" })).body.stored).toBe(true);
    expect((await sendInApp(app, "bo", modal("Again"), { key: "camp:step:1" })).body.stored).toBe(false);
    const res = await getJson<PendingBody>(`/v1/in-app?userId=bo&writeKey=${app.writeKey}`);
    expect(res.body.messages.map((m) => m.content.title)).toEqual(["Hello"]);
  });

  it("drops messages after they expire (default 14 days, or expiresInSeconds)", async () => {
    const app = await createTestApp();
    await sendInApp(app, "cy", modal("Short", { expiresInSeconds: 3600 }), { key: "k:short", clock: T0 });
    await sendInApp(app, "cy", modal("Default"), { key: "k:default", clock: T0 });
    const titles = async (at: number) =>
      (await getJson<PendingBody>(`/v1/in-app?userId=cy&writeKey=${app.writeKey}`, at)).body.messages.map(
        (m) => m.content.title,
      );
    // Same priority and time: ties break on the key, so every device shows the same order.
    expect(await titles(T0 + 1000)).toEqual(["Default", "Short"]);
    expect(await titles(T0 + 3600_000)).toEqual(["Default"]);
    expect(await titles(T0 + 14 * 86400_000)).toEqual([]);
  });

  it("paces messages: notBefore is the last impression plus the app's minimum interval", async () => {
    const app = await createTestApp();
    await sendInApp(app, "di", modal("One"), { key: "k:1", clock: T0 });
    await sendInApp(app, "di", modal("Two"), { key: "k:2", clock: T0 });
    await postText(
      app,
      "/v1/in-app/events",
      { userId: "di", events: [{ kind: "impression", key: "k:1" }] },
      T0 + 10_000,
    );
    const res = await getJson<PendingBody>(`/v1/in-app?userId=di&writeKey=${app.writeKey}`, T0 + 11_000);
    expect(res.body.messages.map((m) => m.content.title)).toEqual(["Two"]);
    expect(res.body.notBefore).toBe(T0 + 10_000 + 30_000);
  });

  it("answers an unknown person with an empty list, and names the missing field", async () => {
    const app = await createTestApp();
    const res = await getJson<PendingBody>(`/v1/in-app?userId=nobody&writeKey=${app.writeKey}`);
    expect(res.status).toBe(200);
    expect(res.body.messages).toEqual([]);
    const bad = await getJson<{ error: { problems: Array<{ field: string }> } }>(`/v1/in-app?writeKey=${app.writeKey}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.problems[0]!.field).toBe("userId");
  });

  it("rejects invalid content with the field named, and stores nothing", async () => {
    const app = await createTestApp();
    const noLink = await sendInApp(app, "ed", {
      type: "modal",
      title: "x",
      buttons: [{ id: "b", label: "Go", action: "deeplink" }],
    });
    expect(noLink.status).toBe(400);
    expect(noLink.body.error!.problems.map((p) => p.field)).toContain("content.buttons.0.deepLink");
    const survey = await sendInApp(app, "ed", { type: "survey", title: "Tell us" });
    expect(survey.status).toBe(400);
    expect(survey.body.error!.problems.map((p) => p.field)).toContain("content.questions");
    const view = await admin(app, "/admin/users/ed/in-app");
    expect(view.status).toBe(404);
  });

  it("shows pending messages and cards in the admin view and the user profile", async () => {
    const app = await createTestApp();
    await sendInApp(app, "fi", modal());
    const view = await admin(app, "/admin/users/fi/in-app");
    expect(view.status).toBe(200);
    const body = (await view.json()) as { inApp: PendingBody; cards: { cards: unknown[] } };
    expect(body.inApp.messages).toHaveLength(1);
    expect(body.cards.cards).toEqual([]);
    const profile = (await (await admin(app, "/admin/users/fi")).json()) as {
      features: { inapp: { pending: number } };
    };
    expect(profile.features.inapp.pending).toBe(1);
  });

  it("exposes the public client config", async () => {
    const app = await createTestApp({});
    const res = await getJson<{ appId: string; webPush: unknown; inApp: { minIntervalSeconds: number } }>(
      `/v1/config?writeKey=${app.writeKey}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ appId: app.appId, webPush: null, inApp: { minIntervalSeconds: 30 } });
    // Pages on other origins call these routes: CORS applies to all of /v1/*.
    const cross = await call(`/v1/in-app?userId=x&writeKey=${app.writeKey}`, {
      headers: { origin: "https://shop.example" },
    });
    expect(cross.headers.get("access-control-allow-origin")).toBe("*");
    const preflight = await call("/v1/in-app/events", {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    expect(preflight.status).toBe(204);
  });

  it("has merge hooks that carry messages, cards and pacing from an anonymous object to the identified one", async () => {
    const app = await createTestApp();
    // "anon-1" stands in for the anonymous object (the hooks do not care about the name).
    await sendInApp(app, "anon-1", modal("Before sign-in"), { key: "k:anon" });
    await addCard(app, "anon-1", { title: "Welcome card" }, { key: "c:anon" });
    await sendInApp(app, "member", modal("Member"), { key: "k:member" });
    const from = userObject(`${app.appId}/u/anon-1`);
    const to = userObject(`${app.appId}/u/member`);
    const dump = await runInDurableObject(from, (_i, state) => inAppFeature.handOver(state.storage.sql));
    await runInDurableObject(to, (_i, state) => {
      const sql = state.storage.sql;
      inAppFeature.absorb(
        { sql, timers: new TimerTable(sql), now: Date.now() } as unknown as UserContext,
        dump as Json,
      );
      inAppFeature.absorb(
        { sql, timers: new TimerTable(sql), now: Date.now() } as unknown as UserContext,
        dump as Json,
      ); // twice: idempotent
    });
    const pending = await getJson<PendingBody>(`/v1/in-app?userId=member&writeKey=${app.writeKey}`);
    expect(pending.body.messages.map((m) => m.key).sort()).toEqual(["k:anon", "k:member"]);
    const cards = await getJson<{ cards: Array<{ id: string }> }>(`/v1/cards?userId=member&writeKey=${app.writeKey}`);
    expect(cards.body.cards.map((c) => c.id)).toEqual(["c:anon"]);
  });
});
