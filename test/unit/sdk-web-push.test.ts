import { afterEach, describe, expect, it, vi } from "vitest";
import { webPushPayload } from "../../src/delivery/channels/webpush";
import type { SendJob } from "../../src/domain/delivery/send-job";

/**
 * Web push opens: the service worker (sdk/sw.ts) run in Node over a fake
 * ServiceWorkerGlobalScope, fed the payload Beckon's Web Push channel sends; and the web
 * SDK registering that worker with the host and write key it reports opens with.
 */
const SW_MODULE: string = "../../sdk/sw";
const SDK_MODULE: string = "../../sdk/index";
const ENDPOINT = "https://push.example.net/send/abc123";

type Handler = (event: Record<string, unknown>) => void;

function fakeWorkerScope(url: string) {
  const handlers = new Map<string, Handler>();
  const shown: Array<{ title: string; options: { data: Record<string, unknown> } }> = [];
  const opened: string[] = [];
  const scope = {
    location: new URL(url),
    addEventListener: (type: string, h: Handler) => void handlers.set(type, h),
    skipWaiting: async () => undefined,
    registration: {
      showNotification: async (title: string, options: { data: Record<string, unknown> }) =>
        void shown.push({ title, options }),
      pushManager: { getSubscription: async () => ({ endpoint: ENDPOINT }) },
    },
    clients: { openWindow: async (u: string) => void opened.push(u), claim: async () => undefined },
  };
  /** Dispatches an event; resolves once what it passed to waitUntil settled. */
  const dispatch = async (type: string, event: Record<string, unknown>) => {
    const waits: Array<Promise<unknown>> = [];
    handlers.get(type)!({ ...event, waitUntil: (p: Promise<unknown>) => void waits.push(p) });
    await Promise.all(waits);
  };
  return { scope, shown, opened, dispatch };
}

function recordFetch() {
  const posts: Array<{ url: string; body: Record<string, unknown> }> = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    posts.push({ url, body: JSON.parse(String(init.body ?? "{}")) as Record<string, unknown> });
    return Response.json({ success: true, status: "opened" });
  });
  return posts;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

describe("web push service worker", () => {
  const job = {
    idempotencyKey: "cmp_1:push:ada:0",
    campaignId: "cmp_1",
    content: { title: "Your cart", body: "Still there", deepLink: "https://shop.test/cart" },
  } as unknown as SendJob;

  it("shows Beckon's payload and reports a click to /v1/push/opened with the send key and the subscription endpoint", async () => {
    const sw = fakeWorkerScope("https://shop.test/beckon-sw.js?host=https%3A%2F%2Fbeckon.test&writeKey=wk_1");
    vi.stubGlobal("self", sw.scope);
    const posts = recordFetch();
    await import(/* @vite-ignore */ SW_MODULE);

    const payload = webPushPayload(job);
    await sw.dispatch("push", { data: { json: () => payload, text: () => JSON.stringify(payload) } });
    expect(sw.shown).toHaveLength(1);
    expect(sw.shown[0]!.title).toBe("Your cart");
    const data = sw.shown[0]!.options.data;
    expect(data).toMatchObject({ beckon_key: "cmp_1:push:ada:0", url: "https://shop.test/cart" });

    await sw.dispatch("notificationclick", { notification: { data, close: () => undefined } });
    expect(sw.opened).toEqual(["https://shop.test/cart"]);
    expect(posts).toEqual([
      {
        url: "https://beckon.test/v1/push/opened",
        body: { writeKey: "wk_1", key: "cmp_1:push:ada:0", token: ENDPOINT },
      },
    ]);
  });

  it("reports nothing for a notification that is not Beckon's, or when registered without a write key", async () => {
    const sw = fakeWorkerScope("https://shop.test/beckon-sw.js");
    vi.stubGlobal("self", sw.scope);
    const posts = recordFetch();
    await import(/* @vite-ignore */ SW_MODULE);
    await sw.dispatch("notificationclick", {
      notification: { data: { url: "https://shop.test/a", beckon_key: "k" }, close: () => undefined },
    });
    await sw.dispatch("notificationclick", {
      notification: { data: { url: "https://shop.test/b" }, close: () => undefined },
    });
    expect(sw.opened).toEqual(["https://shop.test/a", "https://shop.test/b"]);
    expect(posts).toEqual([]);
  });
});

describe("web SDK: registerWebPush", () => {
  it("registers the service worker with Beckon's host and the write key in its URL, and the subscription", async () => {
    const registered: string[] = [];
    const posts: Array<{ path: string; body: Record<string, unknown> }> = [];
    const subscription = {
      endpoint: ENDPOINT,
      toJSON: () => ({ endpoint: ENDPOINT, keys: { p256dh: "p", auth: "a" } }),
    };
    const registration = {
      pushManager: { getSubscription: async () => null, subscribe: async () => subscription },
    };
    vi.stubGlobal("addEventListener", () => undefined);
    vi.stubGlobal("removeEventListener", () => undefined);
    vi.stubGlobal("location", new URL("https://shop.test/checkout"));
    vi.stubGlobal("window", { PushManager: {}, Notification: {} });
    vi.stubGlobal("Notification", { requestPermission: async () => "granted" });
    vi.stubGlobal("navigator", {
      serviceWorker: {
        register: async (url: string) => (registered.push(url), registration),
        ready: Promise.resolve(registration),
      },
    });
    vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
      const u = new URL(url);
      if (u.pathname === "/v1/config") return Response.json({ webPush: { vapidPublicKey: "BPk" } });
      posts.push({ path: u.pathname, body: JSON.parse(String(init.body ?? "{}")) as Record<string, unknown> });
      return Response.json({ success: true, devices: [] });
    });
    const beckon = (await import(/* @vite-ignore */ SDK_MODULE)) as {
      init(o: Record<string, unknown>): void;
      registerWebPush(o?: { serviceWorkerUrl?: string }): Promise<unknown>;
    };
    beckon.init({ writeKey: "wk_web_push", host: "https://beckon.test", inApp: false, storage: null });
    expect(await beckon.registerWebPush({ serviceWorkerUrl: "/beckon-sw.js" })).toBe(subscription);

    const url = new URL(registered[0]!);
    expect(url.origin + url.pathname).toBe("https://shop.test/beckon-sw.js");
    expect(Object.fromEntries(url.searchParams)).toEqual({ host: "https://beckon.test", writeKey: "wk_web_push" });
    expect(posts.find((p) => p.path === "/v1/devices")?.body).toMatchObject({
      register: [{ provider: "webpush", platform: "web", subscription: { endpoint: ENDPOINT } }],
      consent: { push: "opted_in" },
    });
  });
});
