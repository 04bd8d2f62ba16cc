import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryStorage } from "./helpers/memory-storage";

/**
 * The web SDK's content cards run on the core's CardFeed (as React Native's do): the feed
 * is stored for the next page load, actions apply at once, views are reported once, and
 * signing out removes the person's stored feed. Run in Node over stubbed browser globals.
 */
const HOST = "https://beckon.test";
const SDK_MODULE: string = "../../sdk/index";
const card = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  campaignId: "cmp",
  title: `Card ${id}`,
  pinned: false,
  read: false,
  createdAt: 1,
  ...extra,
});

interface Sdk {
  init(o: Record<string, unknown>): void;
  identify(id: string): void;
  reset(): void;
  on(event: string, fn: (data: unknown) => void): () => void;
  getCards(): Promise<{ cards: Array<{ id: string; read: boolean; pinned: boolean }>; unread: number }>;
  cardAction(id: string, action: string): Promise<unknown>;
}

let serverCards: ReturnType<typeof card>[];
let offline: boolean;
let posts: string[];
beforeEach(() => {
  serverCards = [];
  offline = false;
  posts = [];
  vi.stubGlobal("addEventListener", () => undefined);
  vi.stubGlobal("removeEventListener", () => undefined);
  vi.stubGlobal("fetch", async (url: string, init: RequestInit = {}) => {
    if (offline) throw new TypeError("Failed to fetch");
    const u = new URL(url);
    if ((init.method ?? "GET") === "GET" && u.pathname === "/v1/cards")
      return Response.json({ cards: serverCards, unread: serverCards.length });
    posts.push(u.pathname);
    return Response.json({ success: true, outcome: "recorded" });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

async function load(storage: MemoryStorage) {
  vi.resetModules();
  const beckon = (await import(/* @vite-ignore */ SDK_MODULE)) as Sdk;
  beckon.init({ writeKey: "wk_cards_12345678", host: HOST, inApp: false, storage, flushInterval: 10 });
  return beckon;
}

describe("web SDK: content cards on the core's feed", () => {
  it("applies actions at once, reports them, and shows the stored feed on the next page load offline", async () => {
    const storage = new MemoryStorage();
    serverCards = [card("a"), card("b", { pinned: true }), card("c")];
    let beckon = await load(storage);
    const changes: unknown[] = [];
    beckon.on("cards", (cards) => changes.push(cards));
    expect((await beckon.getCards()).cards.map((c) => c.id)).toEqual(["b", "a", "c"]);

    const dismissed = beckon.cardAction("b", "dismiss");
    // Applied before the server answered.
    expect((changes.at(-1) as Array<{ id: string }>).map((c) => c.id)).toEqual(["a", "c"]);
    expect(await dismissed).toMatchObject({ success: true });
    await beckon.cardAction("a", "read");
    await beckon.cardAction("c", "view");
    await beckon.cardAction("c", "view");
    expect(posts).toEqual(["/v1/cards/b/dismiss", "/v1/cards/a/read", "/v1/cards/c/view"]);

    offline = true;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined); // "could not load cards": offline
    beckon = await load(storage);
    const feed = await beckon.getCards();
    expect(feed.cards.map((c) => [c.id, c.read])).toEqual([
      ["a", true],
      ["c", false],
    ]);
    expect(feed.unread).toBe(1);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it("removes the signed-out person's stored feed", async () => {
    const storage = new MemoryStorage();
    serverCards = [card("private")];
    const beckon = await load(storage);
    beckon.identify("ada");
    await beckon.getCards();
    const stored = () =>
      Array.from({ length: storage.length }, (_, i) => storage.key(i)!).filter((k) => k.includes(":cards:"));
    expect(stored()).toHaveLength(1);
    beckon.reset();
    expect(stored()).toEqual([]);
    expect((await beckon.getCards()).cards.map((c) => c.id)).toEqual(["private"]); // the server's feed for the new visitor
  });
});
