import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryStorage } from "./helpers/memory-storage";

/**
 * The web SDK's routing of in-app engagement, run in Node over stubbed browser
 * globals: the renderer is replaced by a recorder (the DOM side is covered by the
 * e2e test), so a test can "click" a message and see which endpoint hears of it.
 */
const rendered = vi.hoisted(
  () =>
    [] as Array<{
      message: { key: string };
      on: { onClick(b: unknown): void; onDismiss(): void; onSubmit(a: unknown[]): void };
    }>,
);
vi.mock("../../sdk/render", () => ({
  renderMessage: (message: { key: string }, on: (typeof rendered)[number]["on"]) => void rendered.push({ message, on }),
}));

const HOST = "https://beckon.test";
const message = (key: string, content: Record<string, unknown> = {}) => ({
  key,
  campaignId: "cmp_1",
  priority: 50,
  createdAt: 1,
  expiresAt: Date.now() + 3_600_000,
  content: {
    type: "modal",
    title: "Love the tee?",
    buttons: [{ id: "checkout", label: "Go to cart", action: "deeplink", deepLink: "myshop://cart" }],
    ...content,
  },
});

interface Sent {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | null;
}
let sent: Sent[];
let serverPending: ReturnType<typeof message>[];
let offline: boolean;

beforeEach(() => {
  rendered.length = 0;
  sent = [];
  serverPending = [];
  offline = false;
  vi.stubGlobal("addEventListener", () => {});
  vi.stubGlobal("removeEventListener", () => {});
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const u = new URL(url);
    const method = init.method ?? "GET";
    if (offline && method === "POST") throw new TypeError("Failed to fetch");
    sent.push({
      method,
      path: u.pathname,
      query: u.searchParams,
      body: init.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : null,
    });
    if (method === "GET" && u.pathname === "/v1/in-app")
      return Response.json({
        messages: serverPending,
        rules: [],
        notBefore: null,
        minIntervalSeconds: 0,
        serverTime: Date.now(),
      });
    if (method === "POST" && (u.pathname === "/v1/in-app/events" || u.pathname === "/v1/batch"))
      return Response.json({ success: true });
    return new Response("{}", { status: 404 });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

/** The part of the SDK's API these tests use (sdk/ is type-checked on its own, with the DOM lib, so it is not imported statically here). */
interface Sdk {
  init(o: Record<string, unknown>): void;
  user(): { userId: string | null; anonymousId: string };
  identify(id: string): void;
  track(event: string, properties?: Record<string, unknown>): void;
  consent(c: { analytics: boolean }): Promise<void>;
  flush(): Promise<void>;
  reset(): void;
}
const SDK_MODULE: string = "../../sdk/index";

/** A page load: a fresh copy of the SDK module over the given storage. */
async function load(storage: MemoryStorage, options: Record<string, unknown> = {}) {
  vi.resetModules();
  const beckon = (await import(/* @vite-ignore */ SDK_MODULE)) as Sdk;
  beckon.init({
    writeKey: "wk_test_12345678",
    host: HOST,
    live: false,
    storage: storage as unknown as Storage,
    flushInterval: 10,
    onDeepLink: () => true,
    ...options,
  });
  return beckon;
}

const engagementPosts = () => sent.filter((s) => s.path === "/v1/in-app/events");
const engagementEvents = () => engagementPosts().flatMap((s) => s.body!.events as Array<Record<string, unknown>>);
const batchedCalls = () =>
  sent.filter((s) => s.path === "/v1/batch").flatMap((s) => s.body!.batch as Array<{ type: string; event?: string }>);

describe("web SDK: in-app engagement is message state, not analytics", () => {
  for (const requireConsent of [true, false]) {
    it(`reports impression, click, dismissal and answers to /v1/in-app/events for the person who saw it (analytics consent ${requireConsent ? "off" : "on"})`, async () => {
      serverPending = [message("cmp_1:nudge:ev-1")];
      const beckon = await load(new MemoryStorage(), { requireConsent });
      await vi.waitFor(() => expect(rendered).toHaveLength(1));
      const { anonymousId } = beckon.user();

      await vi.waitFor(() => expect(engagementEvents()).toEqual([{ kind: "impression", key: "cmp_1:nudge:ev-1" }]));
      expect(engagementPosts()[0]!.body).toEqual({
        writeKey: "wk_test_12345678",
        anonymousId,
        events: [{ kind: "impression", key: "cmp_1:nudge:ev-1" }],
      });

      beckon.track("Product Viewed", { sku: "TEE-1" });
      rendered[0]!.on.onClick({ id: "checkout", label: "Go to cart", action: "deeplink", deepLink: "myshop://cart" });
      await vi.waitFor(() =>
        expect(engagementEvents()).toContainEqual({ kind: "click", key: "cmp_1:nudge:ev-1", buttonId: "checkout" }),
      );

      // A survey, shown next: its answers go the same way, all in one event.
      serverPending = [
        message("cmp_2:ask:ev-2", {
          type: "survey",
          buttons: [],
          questions: [{ id: "nps", prompt: "Rate us", kind: "rating" }],
        }),
      ];
      beckon.identify("ada");
      await vi.waitFor(() => expect(rendered).toHaveLength(2));
      rendered[1]!.on.onSubmit([{ questionId: "nps", answer: 5 }]);
      await vi.waitFor(() =>
        expect(engagementEvents()).toContainEqual({
          kind: "answer",
          key: "cmp_2:ask:ev-2",
          answers: [{ questionId: "nps", answer: 5 }],
        }),
      );
      const surveyPost = engagementPosts().find((s) =>
        (s.body!.events as Array<{ key: string }>).some((e) => e.key === "cmp_2:ask:ev-2"),
      )!;
      expect(surveyPost.body).toMatchObject({ userId: "ada" });
      expect(surveyPost.body).not.toHaveProperty("anonymousId");

      await beckon.flush();
      await new Promise((r) => setTimeout(r, 30));
      // Engagement never travels as Segment track calls (it would be dropped without consent, and counted twice with it).
      expect(batchedCalls().filter((c) => /^(In-App Message|Survey Answered)/.test(c.event ?? ""))).toEqual([]);
      if (requireConsent)
        expect(batchedCalls()).toEqual([]); // and no analytics at all without consent
      else
        expect(batchedCalls().map((c) => c.event ?? c.type)).toEqual(
          expect.arrayContaining(["Product Viewed", "identify"]),
        );
    });
  }

  it("reports a dismissal with consent withdrawn mid-session", async () => {
    serverPending = [message("cmp_1:nudge:ev-3")];
    const beckon = await load(new MemoryStorage());
    await vi.waitFor(() => expect(rendered).toHaveLength(1));
    await beckon.consent({ analytics: false });
    rendered[0]!.on.onDismiss();
    await vi.waitFor(() => expect(engagementEvents()).toContainEqual({ kind: "dismiss", key: "cmp_1:nudge:ev-3" }));
  });

  it("does not show a message again after a reload while the server has not got the impression, and sends it then", async () => {
    const storage = new MemoryStorage();
    serverPending = [message("cmp_1:nudge:ev-4")];
    offline = true; // the impression cannot be sent: the server keeps listing the message as pending
    await load(storage, { requireConsent: true });
    await vi.waitFor(() => expect(rendered).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 20));
    expect(engagementPosts()).toEqual([]);
    expect(storage.keys().some((k) => k.endsWith(":engage"))).toBe(true);

    // Reload, back online: the queued impression goes out, and the message is not shown a second time.
    offline = false;
    await load(storage, { requireConsent: true });
    await vi.waitFor(() => expect(engagementEvents()).toEqual([{ kind: "impression", key: "cmp_1:nudge:ev-4" }]));
    await vi.waitFor(() => expect(sent.filter((s) => s.path === "/v1/in-app")).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(rendered).toHaveLength(1);

    // Another message still shows; the shown set is per person, so someone else on this browser would see theirs.
    serverPending = [message("cmp_1:nudge:ev-4"), message("cmp_1:nudge:ev-5")];
    const beckon = await load(storage, { requireConsent: true });
    await vi.waitFor(() =>
      expect(rendered.map((r) => r.message.key)).toEqual(["cmp_1:nudge:ev-4", "cmp_1:nudge:ev-5"]),
    );
    rendered[1]!.on.onDismiss();
    beckon.reset();
    await vi.waitFor(() =>
      expect(rendered.map((r) => r.message.key)).toEqual(["cmp_1:nudge:ev-4", "cmp_1:nudge:ev-5", "cmp_1:nudge:ev-4"]),
    );
  });
});
