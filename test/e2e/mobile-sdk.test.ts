import { SignJWT } from "jose";
import { afterAll, describe, expect, it, vi } from "vitest";
import * as beckon from "../../sdk/react-native/src/client";
import { E2E_OPERATOR_TOKEN, type LocalWorker, startLocalWorker } from "./local-worker";

/**
 * The React Native SDK (on the shared core) in Node against `wrangler dev`: a simulated
 * app session starts, identifies, tracks and registers a push token; in-app messages and
 * cards arrive over the live socket and the person's clicks, answers, card actions, push
 * opens and location reach the Worker; the admin API shows it.
 */
let worker: LocalWorker | undefined;
afterAll(async () => {
  beckon.shutdown();
  await worker?.stop();
});

class AsyncMemoryStorage {
  readonly data = new Map<string, string>();
  getItem = async (k: string) => this.data.get(k) ?? null;
  setItem = async (k: string, v: string) => void this.data.set(k, v);
  removeItem = async (k: string) => void this.data.delete(k);
}

describe("React Native SDK against the local Worker", () => {
  it("an app session's lifecycle events, identify, track and push token reach the person", async () => {
    worker = await startLocalWorker();
    const created = await fetch(`${worker.url}/admin/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "mobile", settings: { identityVerification: "off" } }),
    });
    const app = (await created.json()) as { writeKey: string; adminKey: string };
    const listeners: Array<(s: string) => void> = [];
    const appState = {
      currentState: "active",
      addEventListener: (_t: "change", l: (s: string) => void) => (listeners.push(l), { remove: () => undefined }),
    };
    const messaging = { getToken: async () => "fcm-e2e-token-0001", onTokenRefresh: () => () => undefined };

    const storage = new AsyncMemoryStorage();
    await beckon.init({ writeKey: app.writeKey, host: worker.url, storage, appState, app: { version: "1.0.0" } });
    beckon.identify("rn-user-1", { email: "rn@example.com" });
    await beckon.init({ writeKey: app.writeKey, host: worker.url }); // a second init is ignored
    beckon.track("Added to Cart", { sku: "A1" });
    for (const l of listeners) l("background");
    await beckon.flush();
    // The next app start: the stored user id is back, and the push token is registered for that person.
    beckon.shutdown();
    await beckon.init({
      writeKey: app.writeKey,
      host: worker.url,
      storage,
      push: beckon.firebaseMessagingAdapter(messaging, "android"),
    });
    beckon.shutdown();

    const admin = { authorization: `Bearer ${app.adminKey}` };
    await vi.waitFor(
      async () => {
        const res = await fetch(`${worker!.url}/admin/users/rn-user-1/timeline`, { headers: admin });
        const text = await res.text();
        expect(res.status).toBe(200);
        for (const name of ["Application Installed", "Application Opened", "Added to Cart", "Application Backgrounded"])
          expect(text).toContain(name);
      },
      { timeout: 20_000, interval: 500 },
    );
    const profile = await (await fetch(`${worker.url}/admin/users/rn-user-1`, { headers: admin })).text();
    expect(profile).toContain("rn@example.com");
    expect(profile).toContain("fcm-e2e-token-0001");
  });

  it("in-app messages and cards arrive live; the click, survey answers, card dismissal, push open and location reach the person", async () => {
    expect(typeof WebSocket, "Node 22+ (the project's node package) has a global WebSocket").toBe("function");
    worker ??= await startLocalWorker();
    const created = await fetch(`${worker.url}/admin/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "mobile in-app",
        settings: { identityVerification: "off", quietHours: null, inApp: { minIntervalSeconds: 0 } },
      }),
    });
    const app = (await created.json()) as { writeKey: string; adminKey: string };
    const admin = (path: string, json?: unknown) =>
      fetch(`${worker!.url}${path}`, {
        method: json ? "POST" : "GET",
        headers: { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" },
        ...(json ? { body: JSON.stringify(json) } : {}),
      }).then(async (r) => {
        expect(r.status, await r.clone().text()).toBe(200);
        return r.json() as Promise<Record<string, unknown>>;
      });
    const deepLinks: string[] = [];
    const wait = { timeout: 15_000, interval: 100 };

    await beckon.init({
      writeKey: app.writeKey,
      host: worker.url,
      storage: new AsyncMemoryStorage(),
      flushInterval: 0,
      onDeepLink: (url) => (deepLinks.push(url), true),
    });
    beckon.identify("rn-user-2", { name: "Ada" });
    await vi.waitFor(() => admin("/admin/users/rn-user-2"), wait); // identify reached the person
    await vi.waitFor(() => expect(beckon.liveConnected()).toBe(true), wait);

    await admin("/admin/users/rn-user-2/in-app", {
      key: "rn:modal",
      campaignId: "manual-rn",
      content: {
        type: "modal",
        title: "Back in stock",
        buttons: [{ id: "see", label: "See it", action: "deeplink", deepLink: "myshop://product/42" }],
      },
    });
    await vi.waitFor(() => expect(beckon.currentInAppMessage()?.key).toBe("rn:modal"), wait);
    beckon.clickInAppButton("rn:modal", {
      id: "see",
      label: "See it",
      action: "deeplink",
      deepLink: "myshop://product/42",
    });
    expect(deepLinks).toEqual(["myshop://product/42"]);

    await admin("/admin/users/rn-user-2/in-app", {
      key: "rn:survey",
      campaignId: "manual-rn",
      content: {
        type: "survey",
        title: "Quick question",
        questions: [{ id: "reason", prompt: "Why did you come back?", kind: "single", options: ["Prices", "Stock"] }],
      },
    });
    await vi.waitFor(() => expect(beckon.currentInAppMessage()?.key).toBe("rn:survey"), wait);
    beckon.submitSurvey("rn:survey", [{ questionId: "reason", answer: "Stock" }]);

    await admin("/admin/users/rn-user-2/cards", {
      key: "rn:card",
      campaignId: "manual-rn",
      content: { title: "Your coupon", body: "10% off" },
    });
    await vi.waitFor(() => expect(beckon.currentCards().map((c) => c.title)).toEqual(["Your coupon"]), wait);
    await beckon.cardAction(beckon.currentCards()[0]!.id, "dismiss");

    beckon.pushOpened({ data: { beckon_key: "send-e2e-1", beckon_campaign: "winback" } });
    expect(await beckon.reportLocation({ lat: 52.52, lng: 13.405, accuracy: 25 }, { force: true })).toBe(true);
    await beckon.flush();

    await vi.waitFor(async () => {
      const profile = (await admin("/admin/users/rn-user-2")) as {
        features: { inapp: { answers: Record<string, unknown> } };
      };
      expect(profile.features.inapp.answers).toEqual({ reason: "Stock" });
    }, wait);
    const timeline = JSON.stringify(await admin("/admin/users/rn-user-2/timeline"));
    for (const fact of ['"kind":"impression"', '"kind":"click"', '"buttonId":"see"', "Push Notification Opened"])
      expect(timeline).toContain(fact);
    const view = (await admin("/admin/users/rn-user-2/in-app")) as {
      inApp: { messages: unknown[] };
      cards: { cards: unknown[] };
    };
    expect(view.inApp.messages).toEqual([]);
    expect(view.cards.cards).toEqual([]); // dismissed on the phone: gone on every device
    beckon.shutdown();
  });

  it("syncs the nearest fences and a refresh region to the OS, reports crossings, and re-syncs after moving out of the refresh region", async () => {
    worker ??= await startLocalWorker();
    const created = await fetch(`${worker.url}/admin/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "mobile geo", settings: { identityVerification: "off" } }),
    });
    const app = (await created.json()) as { writeKey: string; adminKey: string };
    const fence = async (name: string, lat: number) => {
      const res = await fetch(`${worker!.url}/admin/geofences`, {
        method: "POST",
        headers: { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name, geometry: { type: "Point", coordinates: [13.4, lat] }, radius: 100 }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { id: string }).id;
    };
    // Three stores on a meridian: two near each other, one 11 km north.
    const [mitte, nord, pankow] = [await fence("Mitte", 52.5), await fence("Nord", 52.51), await fence("Pankow", 52.6)];
    const monitored: Array<Array<{ identifier: string; radius: number }>> = [];
    const monitor = {
      monitor: async (regions: Array<{ identifier: string; radius: number }>) => void monitored.push(regions),
    };

    await beckon.init({ writeKey: app.writeKey, host: worker.url, storage: new AsyncMemoryStorage(), inApp: false });
    beckon.identify("rn-walker");
    await beckon.flush();
    const here = { lat: 52.5, lng: 13.4, accuracy: 10 };
    // Fences reach the edge cache within the config propagation bound.
    await vi.waitFor(
      async () =>
        expect((await beckon.syncRegions(monitor, here, { limit: 2 })).map((r) => r.identifier)).toEqual([
          mitte,
          nord,
          beckon.REFRESH_REGION,
        ]),
      { timeout: 15_000, interval: 500 },
    );
    const refresh = monitored.at(-1)!.at(-1)!;
    expect(refresh.radius).toBeGreaterThanOrEqual(100);
    expect(refresh.radius).toBeLessThan(1_112); // half the way to the farther of the two

    // The OS wakes the app on leaving the refresh region, 11 km north: Pankow comes into the set.
    await beckon.regionEvent(monitor, {
      identifier: beckon.REFRESH_REGION,
      exited: true,
      fix: { lat: 52.6, lng: 13.4, accuracy: 10 },
    });
    expect(
      monitored
        .at(-1)!
        .map((r) => r.identifier)
        .slice(0, 2),
    ).toEqual([pankow, nord]);
    // The crossing's fix went to Beckon: the person entered Pankow's fence on the server.
    await vi.waitFor(
      async () => {
        const timeline = await (
          await fetch(`${worker!.url}/admin/users/rn-walker/timeline`, {
            headers: { authorization: `Bearer ${app.adminKey}` },
          })
        ).text();
        expect(timeline).toContain(`"entered":"${pankow}"`);
      },
      { timeout: 15_000, interval: 500 },
    );
    beckon.shutdown();
  });

  it("a campaign's push, tapped on the phone, counts as opened in the campaign's stats and follows its deep link", async () => {
    worker ??= await startLocalWorker();
    const created = await fetch(`${worker.url}/admin/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "mobile push", settings: { identityVerification: "off", quietHours: null } }),
    });
    const app = (await created.json()) as { writeKey: string; adminKey: string };
    const admin = async <T>(path: string, json?: unknown): Promise<T> => {
      const res = await fetch(`${worker!.url}${path}`, {
        method: json ? "POST" : "GET",
        headers: { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" },
        ...(json ? { body: JSON.stringify(json) } : {}),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as T;
    };
    const campaign = await admin<{ id: string }>("/admin/campaigns", {
      name: "Cart push",
      transactional: true,
      trigger: { type: "event", event: "Product Added" },
      steps: [
        {
          type: "message",
          id: "push",
          channels: ["push"],
          content: { push: { title: "Your cart", body: "Still there", deepLink: "myshop://cart" } },
        },
      ],
    });
    await admin(`/admin/campaigns/${campaign.id}/activate`, {});

    let tap: (m: { data?: Record<string, unknown> }) => void = () => undefined;
    const messaging = {
      getToken: async () => "fcm-e2e-token-push-01",
      onTokenRefresh: () => () => undefined,
      hasPermission: async () => 1,
      onNotificationOpenedApp: (l: typeof tap) => ((tap = l), () => undefined),
    };
    const deepLinks: string[] = [];
    await beckon.init({
      writeKey: app.writeKey,
      host: worker.url,
      storage: new AsyncMemoryStorage(),
      inApp: false,
      flushInterval: 0,
      onDeepLink: (url) => (deepLinks.push(url), true),
    });
    beckon.identify("rn-pusher");
    await beckon.flush();
    await beckon.enablePush(beckon.firebaseMessagingAdapter(messaging, "android"));
    beckon.track("Product Added", { sku: "A1" });
    await beckon.flush();

    const send = await vi.waitFor(
      async () => {
        const { sends } = await admin<{ sends: Array<{ idempotencyKey: string; status: string }> }>(
          "/admin/sends?channel=push",
        );
        expect(sends[0]?.status).toBe("sent");
        return sends[0]!;
      },
      { timeout: 20_000, interval: 250 },
    );
    // Reported by the receiving device's address alone (what the web service worker sends: it knows its
    // endpoint, not who is signed in): another address is refused, the right one moves the send to opened.
    const byDevice = (token: string) =>
      fetch(`${worker!.url}/v1/push/opened`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ writeKey: app.writeKey, key: send.idempotencyKey, token }),
      });
    expect((await byDevice("fcm-someone-else")).status).toBe(404);
    const opened = await byDevice("fcm-e2e-token-push-01");
    expect(opened.status).toBe(200);
    expect(await opened.json()).toEqual({ success: true, status: "opened" });
    // What FCM would hand the app on a tap: the data Beckon put in the push (src/delivery/channels/fcm.ts).
    tap({ data: { beckon_key: send.idempotencyKey, beckon_campaign: campaign.id, beckon_deep_link: "myshop://cart" } });
    expect(deepLinks).toEqual(["myshop://cart"]);
    await beckon.flush();
    const stats = await vi.waitFor(
      async () => {
        const s = await admin<{ totals: Record<string, number> }>(`/admin/campaigns/${campaign.id}/stats`);
        expect(s.totals.opened).toBe(1);
        return s;
      },
      { timeout: 15_000, interval: 250 },
    );
    // Reported twice (device address, then the app's tap): counted once.
    expect(stats.totals).toMatchObject({ sent: 1, opened: 1 });
    beckon.shutdown();
  });

  it("under identity verification, a session identifies with a user token, refreshes an expired one, and receives and answers a survey live", async () => {
    worker ??= await startLocalWorker();
    const created = await fetch(`${worker.url}/admin/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "mobile verified",
        settings: { identityVerification: "required", quietHours: null, inApp: { minIntervalSeconds: 0 } },
      }),
    });
    const app = (await created.json()) as { writeKey: string; adminKey: string };
    const admin = async (path: string, json?: unknown) => {
      const res = await fetch(`${worker!.url}${path}`, {
        method: json ? "POST" : "GET",
        headers: { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" },
        ...(json ? { body: JSON.stringify(json) } : {}),
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    const { secret } = (await admin("/admin/app/identity-keys", { alg: "HS256", label: "backend" })) as {
      secret: string;
    };
    // What the app's backend does for the signed-in person.
    const mint = (sub: string, expiresAt: number) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(sub)
        .setIssuedAt(expiresAt - 3600)
        .setExpirationTime(expiresAt)
        .sign(new TextEncoder().encode(secret));
    const now = Math.floor(Date.now() / 1000);
    // The key reaches the edge within the config propagation bound.
    const fresh = await mint("rn-verified", now + 3600);
    await vi.waitFor(
      async () => {
        const res = await fetch(
          `${worker!.url}/v1/in-app?writeKey=${app.writeKey}&userId=rn-verified&userToken=${fresh}`,
        );
        expect(res.status).toBe(200);
      },
      { timeout: 15_000, interval: 500 },
    );
    const minted: string[] = [];
    const wait = { timeout: 15_000, interval: 100 };
    await beckon.init({
      writeKey: app.writeKey,
      host: worker.url,
      storage: new AsyncMemoryStorage(),
      flushInterval: 0,
      refreshUserToken: async (userId) => (minted.push(userId), mint(userId, Math.floor(Date.now() / 1000) + 3600)),
    });
    // Signed in with a token that has just expired: the SDK gets a fresh one and sends again.
    beckon.identify("rn-verified", { plan: "pro" }, { userToken: await mint("rn-verified", now - 60) });
    await beckon.flush();
    await vi.waitFor(
      async () => expect(JSON.stringify(await admin("/admin/users/rn-verified"))).toContain('"plan":"pro"'),
      wait,
    );
    expect(minted[0]).toBe("rn-verified");
    await vi.waitFor(() => expect(beckon.liveConnected()).toBe(true), wait);

    await admin("/admin/users/rn-verified/in-app", {
      key: "rn:verified-survey",
      campaignId: "manual-rn",
      content: {
        type: "survey",
        title: "One question",
        questions: [{ id: "fit", prompt: "How did it fit?", kind: "rating" }],
      },
    });
    await vi.waitFor(() => expect(beckon.currentInAppMessage()?.key).toBe("rn:verified-survey"), wait);
    beckon.submitSurvey("rn:verified-survey", [{ questionId: "fit", answer: 4 }]);
    // A second submit (a double tap) reports nothing more: the message is no longer on screen.
    beckon.submitSurvey("rn:verified-survey", [{ questionId: "fit", answer: 1 }]);
    await beckon.flush();
    await vi.waitFor(async () => {
      const profile = (await admin("/admin/users/rn-verified")) as {
        features: { inapp: { answers: Record<string, unknown> } };
      };
      expect(profile.features.inapp.answers).toEqual({ fit: 4 });
    }, wait);
    beckon.shutdown();
  });
});
