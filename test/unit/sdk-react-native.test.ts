import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

/** AsyncStorage's shape: every call answers later. */
class AsyncMemoryStorage {
  readonly data = new Map<string, string>();
  getItem = async (k: string) => this.data.get(k) ?? null;
  setItem = async (k: string, v: string) => void this.data.set(k, v);
  removeItem = async (k: string) => void this.data.delete(k);
}

/** React Native's AppState, driven by the test. */
class FakeAppState {
  currentState = "active";
  private listeners: Array<(s: string) => void> = [];
  addEventListener(_t: "change", l: (s: string) => void) {
    this.listeners.push(l);
    return { remove: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  }
  set(s: string) {
    for (const l of this.listeners) l(s);
    this.currentState = s;
  }
}

type Sdk = typeof import("../../sdk/react-native/src/client");
const load = async (): Promise<Sdk> => {
  vi.resetModules();
  return import("../../sdk/react-native/src/client");
};
const events = (bodies: Array<Record<string, unknown>>) =>
  bodies.flatMap((b) => ((b.batch as Array<{ type: string; event?: string }>) ?? []).map((c) => c.event ?? c.type));

describe("React Native SDK", () => {
  let requests: Array<{ url: string; body: Record<string, unknown> }>;
  let respond: (url: string, body: Record<string, unknown>) => Response | "offline";
  let sdk: Sdk | null;
  beforeEach(() => {
    requests = [];
    sdk = null;
    respond = (url) =>
      url.includes("/v1/in-app?")
        ? Response.json({ messages: [], notBefore: null, minIntervalSeconds: 0 })
        : url.includes("/v1/cards?")
          ? Response.json({ cards: [], unread: 0 })
          : new Response("{}", { status: 200 });
    // No socket here: these tests are about calls; the in-app tests run under Jest (sdk/react-native/test).
    vi.stubGlobal(
      "WebSocket",
      class {
        static OPEN = 1;
        readyState = 0;
        close() {}
      },
    );
    vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
      const body = (init.body ? JSON.parse(String(init.body)) : {}) as Record<string, unknown>;
      const r = respond(url, body);
      if (r === "offline") throw new TypeError("Network request failed");
      requests.push({ url, body });
      return r;
    });
  });
  afterEach(() => {
    sdk?.shutdown();
    vi.unstubAllGlobals();
  });
  const batches = () => requests.filter((r) => r.url.endsWith("/v1/batch")).map((r) => r.body);

  it("identifies, tracks and screens through /v1/batch with the user token, and sends lifecycle events", async () => {
    sdk = await load();
    const appState = new FakeAppState();
    await sdk.init({
      writeKey: "wk",
      host: "https://beckon.test/",
      storage: new AsyncMemoryStorage(),
      appState,
      app: { version: "1.0.0" },
      userToken: "tok",
    });
    sdk.identify("u1", { plan: "pro" });
    sdk.track("Added to Cart", { sku: "A" });
    sdk.screen("Checkout");
    await sdk.flush();
    const [first] = batches();
    expect(first?.writeKey).toBe("wk");
    expect(first?.userToken).toBe("tok");
    expect(events(batches())).toEqual([
      "Application Installed",
      "Application Opened",
      "identify",
      "Added to Cart",
      "screen",
    ]);
    // identify flushes at once (so the person exists before their in-app messages load): all calls, whatever the batches.
    const calls = batches().flatMap((b) => b.batch as Array<Record<string, unknown>>);
    expect(calls[3]).toMatchObject({
      userId: "u1",
      properties: { sku: "A" },
      context: { library: { name: "@beckon/react-native" } },
    });
    expect(calls[4]).toMatchObject({ type: "screen", name: "Checkout" });

    appState.set("background");
    await sdk.flush();
    appState.set("active");
    await sdk.flush();
    expect(events(batches()).slice(5)).toEqual(["Application Backgrounded", "Application Opened"]);
    expect((batches().at(-1)?.batch as Array<{ properties: unknown }>)[0]?.properties).toEqual({
      from_background: true,
    });
  });

  it("sends Application Updated (not Installed) when the stored version differs", async () => {
    const storage = new AsyncMemoryStorage();
    await storage.setItem("beckon:wk:appVersion", "1.0.0");
    sdk = await load();
    await sdk.init({ writeKey: "wk", host: "https://beckon.test", storage, app: { version: "1.1.0" } });
    await sdk.flush();
    expect(events(batches())).toEqual(["Application Updated"]);
    expect((batches()[0]?.batch as Array<{ properties: unknown }>)[0]?.properties).toMatchObject({
      version: "1.1.0",
      previous_version: "1.0.0",
    });
  });

  it("keeps calls made offline in storage and sends them after an app restart, with the same anonymous id", async () => {
    const storage = new AsyncMemoryStorage();
    respond = () => "offline";
    sdk = await load();
    await sdk.init({ writeKey: "wk", host: "https://beckon.test", storage });
    sdk.track("Offline 1");
    sdk.track("Offline 2");
    await sdk.flush();
    expect(requests).toHaveLength(0);
    sdk.shutdown();
    const anonymousId = storage.data.get("beckon:wk:anonymousId");
    expect(JSON.parse(storage.data.get("beckon:wk:queue") ?? "[]")).toHaveLength(2);

    respond = (url) =>
      url.includes("/v1/in-app?")
        ? Response.json({ messages: [], notBefore: null, minIntervalSeconds: 0 })
        : new Response("{}", { status: 200 });
    sdk = await load(); // a fresh process: module state gone, only storage remains
    await sdk.init({ writeKey: "wk", host: "https://beckon.test", storage });
    sdk.track("Online");
    await sdk.flush();
    expect(events(batches())).toEqual(["Offline 1", "Offline 2", "Online"]);
    expect((batches()[0]?.batch as Array<{ anonymousId: string }>).every((c) => c.anonymousId === anonymousId)).toBe(
      true,
    );
    expect(storage.data.has("beckon:wk:queue")).toBe(false);
  });

  it("refreshes an expired user token once and resends the batch with the new one", async () => {
    const refreshUserToken = vi.fn(async (id: string) => `fresh-for-${id}`);
    respond = (_url, body) =>
      body.userToken === "old"
        ? new Response(JSON.stringify({ error: { code: "user_token_expired", message: "expired", problems: [] } }), {
            status: 401,
          })
        : new Response("{}");
    sdk = await load();
    await sdk.init({
      writeKey: "wk",
      host: "https://beckon.test",
      storage: new AsyncMemoryStorage(),
      userToken: "old",
      refreshUserToken,
    });
    sdk.identify("u1");
    await sdk.flush();
    expect(refreshUserToken).toHaveBeenCalledExactlyOnceWith("u1");
    expect(batches().map((b) => b.userToken)).toEqual(["old", "fresh-for-u1"]);
  });

  it("registers the push token from an adapter with POST /v1/devices, and again when it rotates", async () => {
    let rotate: (t: string) => void = () => undefined;
    const messaging = {
      getToken: async () => "fcm-token-1234",
      onTokenRefresh: (l: (t: string) => void) => ((rotate = l), () => undefined),
    };
    sdk = await load();
    const storage = new AsyncMemoryStorage();
    await sdk.init({
      writeKey: "wk",
      host: "https://beckon.test",
      storage,
      push: sdk.firebaseMessagingAdapter(messaging, "android"),
    });
    const devices = () => requests.filter((r) => r.url === "https://beckon.test/v1/devices").map((r) => r.body);
    expect(devices()).toEqual([
      {
        writeKey: "wk",
        anonymousId: storage.data.get("beckon:wk:anonymousId"),
        register: [{ provider: "fcm", platform: "android", token: "fcm-token-1234" }],
      },
    ]);
    rotate("fcm-token-5678");
    await vi.waitFor(() => expect(devices()).toHaveLength(2));
    expect(devices()[1]?.register).toEqual([{ provider: "fcm", platform: "android", token: "fcm-token-5678" }]);
  });

  it("maps expo-notifications device tokens to APNs on iOS", async () => {
    sdk = await load();
    const adapter = sdk.expoNotificationsAdapter(
      {
        getDevicePushTokenAsync: async () => ({ type: "ios", data: "apns-hex-token" }),
        addPushTokenListener: () => ({ remove: () => undefined }),
      },
      "ios",
    );
    expect(adapter.provider).toBe("apns");
    expect(await adapter.getToken()).toBe("apns-hex-token");
  });
});
