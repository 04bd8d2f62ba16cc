import { afterAll, describe, expect, it, vi } from "vitest";
import * as beckon from "../../sdk/react-native/src/client";
import { E2E_OPERATOR_TOKEN, type LocalWorker, startLocalWorker } from "./local-worker";

/**
 * The React Native SDK (on the shared core) in Node against `wrangler dev`: a simulated
 * app session starts, identifies, tracks and registers a push token; the admin API shows it.
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
    const appState = { currentState: "active", addEventListener: (_t: "change", l: (s: string) => void) => (listeners.push(l), { remove: () => undefined }) };
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
    await beckon.init({ writeKey: app.writeKey, host: worker.url, storage, push: beckon.firebaseMessagingAdapter(messaging, "android") });
    beckon.shutdown();

    const admin = { authorization: `Bearer ${app.adminKey}` };
    await vi.waitFor(
      async () => {
        const res = await fetch(`${worker!.url}/admin/users/rn-user-1/timeline`, { headers: admin });
        const text = await res.text();
        expect(res.status).toBe(200);
        for (const name of ["Application Installed", "Application Opened", "Added to Cart", "Application Backgrounded"]) expect(text).toContain(name);
      },
      { timeout: 20_000, interval: 500 },
    );
    const profile = await (await fetch(`${worker.url}/admin/users/rn-user-1`, { headers: admin })).text();
    expect(profile).toContain("rn@example.com");
    expect(profile).toContain("fcm-e2e-token-0001");
  });
});
