import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryStorage } from "./helpers/memory-storage";

/**
 * The web SDK under identity verification, in Node over stubbed browser globals: the
 * user token travels with every call naming the person (body field, query parameter,
 * WebSocket URL), and a 401 naming the token makes the SDK ask the app for a fresh one
 * and send the refused request once more.
 */
const HOST = "https://beckon.test";

interface Sent {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown> | null;
}
let sent: Sent[];
let sockets: string[];
/** Tokens the fake server accepts. */
let valid: Set<string>;

const tokenOf = (s: Sent) => (s.body?.userToken as string | undefined) ?? s.query.get("userToken") ?? undefined;
const namesPerson = (s: Sent) =>
  !!(
    s.body?.userId ||
    s.query.get("userId") ||
    (s.body?.batch as Array<{ userId?: string }> | undefined)?.some((c) => c.userId)
  );

/** A JWT-shaped token with an `exp` (the SDK reads it, never verifies it). */
const jwt = (name: string, expS: number) =>
  `eyJhbGciOiJIUzI1NiJ9.${btoa(JSON.stringify({ sub: "ada", exp: expS, n: name })).replace(/=+$/, "")}.sig`;

beforeEach(() => {
  sent = [];
  sockets = [];
  valid = new Set();
  vi.stubGlobal("addEventListener", () => {});
  vi.stubGlobal("removeEventListener", () => {});
  vi.stubGlobal(
    "WebSocket",
    class {
      static OPEN = 1;
      readyState = 0;
      constructor(url: string) {
        sockets.push(url);
      }
      close() {}
    },
  );
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    const u = new URL(url);
    const s: Sent = {
      method: init.method ?? "GET",
      path: u.pathname,
      query: u.searchParams,
      body: init.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : null,
    };
    sent.push(s);
    if (namesPerson(s)) {
      const token = tokenOf(s);
      if (!token) return Response.json({ error: { code: "user_token_missing", message: "missing" } }, { status: 401 });
      if (!valid.has(token))
        return Response.json({ error: { code: "user_token_expired", message: "expired" } }, { status: 401 });
    }
    if (u.pathname === "/v1/in-app")
      return Response.json({ messages: [], rules: [], notBefore: null, minIntervalSeconds: 0 });
    if (u.pathname === "/v1/cards") return Response.json({ cards: [], unread: 0 });
    return Response.json({ success: true });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

interface Sdk {
  init(o: Record<string, unknown>): void;
  identify(id: string, traits?: Record<string, unknown>, o?: { userToken?: string }): void;
  track(event: string, properties?: Record<string, unknown>): void;
  flush(): Promise<void>;
  reset(): void;
  getCards(): Promise<unknown>;
  setUserToken(t: string | null): void;
}
const SDK_MODULE: string = "../../sdk/index";
async function load(options: Record<string, unknown> = {}) {
  vi.resetModules();
  const beckon = (await import(/* @vite-ignore */ SDK_MODULE)) as Sdk;
  beckon.init({
    writeKey: "wk_test_12345678",
    host: HOST,
    live: false,
    storage: new MemoryStorage() as unknown as Storage,
    flushInterval: 10,
    ...options,
  });
  return beckon;
}

const batches = () => sent.filter((s) => s.path === "/v1/batch");

describe("web SDK: user tokens", () => {
  it("sends the token given to identify with the person's calls, and none for an anonymous visitor", async () => {
    const token = jwt("t1", Date.now() / 1000 + 3600);
    valid.add(token);
    const beckon = await load({ inApp: false });
    beckon.track("Browsed");
    await beckon.flush();
    expect(batches()[0]!.body).not.toHaveProperty("userToken");

    beckon.identify("ada", { plan: "pro" }, { userToken: token });
    beckon.track("Viewed");
    await beckon.flush();
    const last = batches().at(-1)!;
    expect(last.body).toMatchObject({ userToken: token });
    expect((last.body!.batch as Array<{ userId?: string }>).every((c) => c.userId === "ada")).toBe(true);
    await beckon.getCards();
    expect(sent.at(-1)!.query.get("userToken")).toBe(token);

    beckon.reset();
    beckon.track("After logout");
    await beckon.flush();
    expect(batches().at(-1)!.body).not.toHaveProperty("userToken");
  });

  it("on a 401 naming the token it asks refreshUserToken for a fresh one and sends the same calls again", async () => {
    const stale = jwt("stale", Date.now() / 1000 + 3600);
    const fresh = jwt("fresh", Date.now() / 1000 + 3600);
    valid.add(fresh);
    const refreshUserToken = vi.fn(async (userId: string) => (userId === "ada" ? fresh : null));
    const beckon = await load({ userToken: stale, refreshUserToken });
    beckon.identify("ada", {}, { userToken: stale });
    beckon.track("Added to cart", { sku: "TEE-1" });
    await beckon.flush();

    expect(refreshUserToken).toHaveBeenCalledTimes(1);
    expect(refreshUserToken).toHaveBeenCalledWith("ada");
    const tries = batches().filter((b) =>
      (b.body!.batch as Array<{ type: string }>).some((c) => c.type === "identify"),
    );
    expect(tries.map(tokenOf)).toEqual([stale, fresh]);
    expect(tries[0]!.body!.batch).toEqual(tries[1]!.body!.batch); // the same calls, so their messageIds dedupe
    // Nothing was lost: the track call went out too, with the fresh token.
    const cart = batches().filter((b) =>
      (b.body!.batch as Array<{ event?: string }>).some((c) => c.event === "Added to cart"),
    );
    expect(cart.map(tokenOf).at(-1)).toBe(fresh);
    // The in-app fetch after identify carries the fresh token too.
    await vi.waitFor(() =>
      expect(sent.filter((s) => s.path === "/v1/in-app").map((s) => s.query.get("userToken"))).toContain(fresh),
    );
  });

  it("without refreshUserToken a refused batch is dropped, not retried forever", async () => {
    const beckon = await load({ inApp: false });
    beckon.identify("ada");
    await beckon.flush();
    await beckon.flush();
    expect(batches()).toHaveLength(1);
  });

  it("the live socket carries the token in its URL and refreshes an expired one before connecting", async () => {
    const expired = jwt("old", Date.now() / 1000 - 60);
    const fresh = jwt("new", Date.now() / 1000 + 3600);
    valid.add(fresh);
    valid.add(expired); // let the HTTP calls through: this test is about the socket
    const beckon = await load({ live: true, refreshUserToken: async () => fresh });
    beckon.identify("ada", {}, { userToken: expired });
    await vi.waitFor(() => expect(sockets.some((u) => u.includes("userId=ada"))).toBe(true));
    const url = new URL(sockets.find((u) => u.includes("userId=ada"))!);
    expect(url.protocol).toBe("wss:");
    expect(url.searchParams.get("userToken")).toBe(fresh);
  });
});
