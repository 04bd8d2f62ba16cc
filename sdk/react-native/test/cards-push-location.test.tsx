import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react-native";
import * as beckon from "../src/index";
import { FakeServer, FakeSocket, MemoryAsyncStorage } from "./fakes";

/** Content cards across restarts, push opens with their deep links, and location fixes. */
let server: FakeServer;
const HOST = "https://beckon.test";
const card = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  campaignId: "c",
  title: `Card ${id}`,
  pinned: false,
  read: false,
  createdAt: Date.now(),
  ...extra,
});

beforeEach(() => {
  server = new FakeServer();
  (globalThis as unknown as { fetch: unknown }).fetch = server.fetch;
  (globalThis as unknown as { WebSocket: unknown }).WebSocket = FakeSocket;
});
afterEach(() => beckon.shutdown());

async function feed(storage: MemoryAsyncStorage, options: Partial<beckon.InitOptions> = {}) {
  await render(
    <beckon.BeckonProvider options={{ writeKey: "wk_rn", host: HOST, storage, live: false, ...options }}>
      <beckon.ContentCardsFeed emptyText="Nothing here" />
    </beckon.BeckonProvider>,
  );
  await act(() => beckon.whenReady());
}

describe("ContentCardsFeed", () => {
  it("shows the server's cards, reports views once, applies read and dismiss at once, and keeps the feed across a restart offline", async () => {
    server.cards = [
      // Newest first after the pinned ones: explicit times, so the order never depends on the clock ticking between cards.
      card("welcome", {
        body: "Thanks for joining",
        deepLink: "myshop://welcome",
        linkLabel: "Start",
        createdAt: Date.now() - 1000,
      }),
      card("tips", { createdAt: Date.now() - 2000 }),
      card("promo", { pinned: true, createdAt: Date.now() - 3000 }),
    ];
    const storage = new MemoryAsyncStorage();
    const onDeepLink = jest.fn(() => true);
    await feed(storage, { onDeepLink });

    expect(await screen.findByText("Thanks for joining")).toBeTruthy();
    // Pinned first.
    expect(screen.getAllByRole("header").map((h) => h.props.children[0])).toEqual([
      "Card promo",
      "Card welcome",
      "Card tips",
    ]);
    await waitFor(() =>
      expect(
        server.sent
          .filter((s) => s.path.endsWith("/view"))
          .map((s) => s.path)
          .sort(),
      ).toEqual(["/v1/cards/promo/view", "/v1/cards/tips/view", "/v1/cards/welcome/view"]),
    );

    await fireEvent.press(screen.getByRole("link", { name: "Start: Card welcome" }));
    expect(onDeepLink).toHaveBeenCalledWith("myshop://welcome");
    await fireEvent.press(screen.getByRole("button", { name: "Mark Card tips as read" }));
    await fireEvent.press(screen.getByRole("button", { name: "Dismiss Card promo" }));
    expect(screen.queryByText("Card promo", { exact: false })).toBeNull();
    await waitFor(() =>
      expect(
        server.sent
          .filter((s) => s.method === "POST" && s.path.startsWith("/v1/cards/") && !s.path.endsWith("/view"))
          .map((s) => s.path),
      ).toEqual(["/v1/cards/welcome/click", "/v1/cards/tips/read", "/v1/cards/promo/dismiss"]),
    );
    // Views are not reported again when the feed re-renders.
    expect(server.sent.filter((s) => s.path.endsWith("/view"))).toHaveLength(3);

    // The next app start, offline: the feed comes from storage, as the person left it.
    await act(async () => beckon.shutdown());
    server.offline = true;
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined); // "could not load …": expected offline
    await feed(storage);
    expect(await screen.findByText("Card welcome", { exact: false })).toBeTruthy();
    expect(screen.queryByText("Card promo", { exact: false })).toBeNull();
    expect(beckon.currentCards().map((c) => [c.id, c.read])).toEqual([
      ["welcome", true],
      ["tips", true],
    ]);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });

  it("shows the empty text when there are no cards", async () => {
    await feed(new MemoryAsyncStorage());
    expect(await screen.findByText("Nothing here")).toBeTruthy();
  });
});

describe("sign-out and restarts", () => {
  it("removes the signed-out person's stored feed from the phone", async () => {
    server.cards = [card("private")];
    const storage = new MemoryAsyncStorage();
    await storage.setItem("beckon:wk_rn:userId", "ada");
    await feed(storage);
    expect(await screen.findByText("Card private", { exact: false })).toBeTruthy();
    expect(storage.data.has("beckon:wk_rn:cards:ada")).toBe(true);
    server.cards = [];
    await act(async () => beckon.reset());
    expect(storage.data.has("beckon:wk_rn:cards:ada")).toBe(false);
    expect(screen.queryByText("Card private", { exact: false })).toBeNull();
  });

  it("keeps calls made offline and sends them after the app restarts", async () => {
    const storage = new MemoryAsyncStorage();
    server.offline = true;
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    await beckon.init({ writeKey: "wk_rn", host: HOST, storage, inApp: false, flushInterval: 0 });
    beckon.track("Wishlist Added", { sku: "W1" });
    await beckon.flush();
    beckon.shutdown();
    server.offline = false;
    await beckon.init({ writeKey: "wk_rn", host: HOST, storage, inApp: false });
    await beckon.flush();
    expect(server.calls().map((c) => c.event)).toEqual(["Wishlist Added"]);
    warn.mockRestore();
  });
});

describe("push opens", () => {
  const pushData = { beckon_key: "send-1", beckon_campaign: "winback", beckon_deep_link: "myshop://cart" };
  const adapter = (
    initial: Record<string, unknown> | null,
    onOpen?: (l: (p: { data: Record<string, unknown> }) => void) => void,
  ) =>
    beckon.firebaseMessagingAdapter(
      {
        getToken: async () => "fcm-1",
        onTokenRefresh: () => () => undefined,
        getInitialNotification: async () => (initial ? { data: initial } : null),
        onNotificationOpenedApp: (l) => (onOpen?.(l), () => undefined),
      },
      "android",
    );

  it("reports the cold-start push once (not again on the next start) and follows its deep link", async () => {
    const storage = new MemoryAsyncStorage();
    const onDeepLink = jest.fn(() => true);
    await beckon.init({ writeKey: "wk_rn", host: HOST, storage, inApp: false, onDeepLink, push: adapter(pushData) });
    await waitFor(() => expect(server.calls().filter((c) => c.event === "Push Notification Opened")).toHaveLength(1));
    expect(server.calls().find((c) => c.event === "Push Notification Opened")?.properties).toEqual({
      campaign: { id: "winback", medium: "push" },
      beckon_key: "send-1",
    });
    expect(onDeepLink).toHaveBeenCalledWith("myshop://cart");
    // The send's funnel: its delivery record moves to opened.
    await waitFor(() =>
      expect(server.sent.filter((s) => s.path === "/v1/push/opened").map((s) => s.body)).toEqual([
        { writeKey: "wk_rn", anonymousId: beckon.user().anonymousId, key: "send-1" },
      ]),
    );

    beckon.shutdown();
    await beckon.init({ writeKey: "wk_rn", host: HOST, storage, inApp: false, onDeepLink, push: adapter(pushData) });
    await beckon.flush();
    expect(server.calls().filter((c) => c.event === "Push Notification Opened")).toHaveLength(1);
    expect(server.sent.filter((s) => s.path === "/v1/push/opened")).toHaveLength(1);
    expect(onDeepLink).toHaveBeenCalledTimes(1);
  });

  it("reports a push tapped while the app runs, with the deep link dispatched to the app", async () => {
    let tap: (p: { data: Record<string, unknown> }) => void = () => undefined;
    const onDeepLink = jest.fn(() => true);
    await beckon.init({
      writeKey: "wk_rn",
      host: HOST,
      storage: new MemoryAsyncStorage(),
      inApp: false,
      onDeepLink,
      push: adapter(null, (l) => (tap = l)),
    });
    tap({ data: { ...pushData, beckon_key: "send-2" } });
    await waitFor(() =>
      expect(server.calls().find((c) => c.event === "Push Notification Opened")?.properties).toMatchObject({
        beckon_key: "send-2",
      }),
    );
    expect(onDeepLink).toHaveBeenCalledWith("myshop://cart");
  });
});

describe("push permission", () => {
  it("registers the token with push consent from the OS permission (granted → opted in, denied → opted out)", async () => {
    for (const [status, consent] of [
      [1, { push: "opted_in" }],
      [0, { push: "opted_out" }],
      [-1, undefined],
    ] as const) {
      server.sent = [];
      const messaging = {
        getToken: async () => "fcm-1",
        onTokenRefresh: () => () => undefined,
        hasPermission: async () => status,
      };
      await beckon.init({
        writeKey: "wk_rn",
        host: HOST,
        storage: new MemoryAsyncStorage(),
        inApp: false,
        push: beckon.firebaseMessagingAdapter(messaging, "ios"),
      });
      const devices = server.sent.find((s) => s.path === "/v1/devices")!.body;
      expect(devices.register).toEqual([{ provider: "fcm", platform: "ios", token: "fcm-1" }]);
      expect(devices.consent).toEqual(consent);
      beckon.shutdown();
    }
  });
});

describe("push token refresh", () => {
  it("registers the rotated token for the person signed in now, and stops listening at shutdown", async () => {
    let rotate: (token: string) => void = () => undefined;
    let listening = false;
    const messaging = {
      getToken: async () => "fcm-old",
      onTokenRefresh: (l: (token: string) => void) => {
        rotate = l;
        listening = true;
        return () => void (listening = false);
      },
    };
    await beckon.init({
      writeKey: "wk_rn",
      host: HOST,
      storage: new MemoryAsyncStorage(),
      inApp: false,
      push: beckon.firebaseMessagingAdapter(messaging, "android"),
    });
    beckon.identify("ada");
    rotate("fcm-new");
    await waitFor(() =>
      expect(server.sent.filter((s) => s.path === "/v1/devices").map((s) => [s.body.userId, s.body.register])).toEqual([
        [undefined, [{ provider: "fcm", platform: "android", token: "fcm-old" }]],
        ["ada", [{ provider: "fcm", platform: "android", token: "fcm-new" }]],
      ]),
    );
    beckon.shutdown();
    expect(listening).toBe(false);
  });
});

describe("location", () => {
  it("sends fixes from the location source to /v1/location, at most one request per interval, keeping the fixes in between", async () => {
    let emit: (f: beckon.LocationFix) => void = () => undefined;
    const source = { watch: (l: (f: beckon.LocationFix) => void) => ((emit = l), () => undefined) };
    await beckon.init({
      writeKey: "wk_rn",
      host: HOST,
      storage: new MemoryAsyncStorage(),
      inApp: false,
      location: source,
      locationIntervalMs: 60_000,
    });
    beckon.identify("ada");
    emit({ lat: 52.52, lng: 13.405, accuracy: 20, timestamp: 1_000 });
    await waitFor(() => expect(server.sent.filter((s) => s.path === "/v1/location")).toHaveLength(1));
    emit({ lat: 52.53, lng: 13.41, accuracy: 15, timestamp: 2_000 });
    expect(server.sent.filter((s) => s.path === "/v1/location")).toHaveLength(1);
    await beckon.reportLocation({ lat: 52.54, lng: 13.42, accuracy: 10, timestamp: 3_000 }, { force: true });
    const sent = server.sent.filter((s) => s.path === "/v1/location").map((s) => s.body);
    expect(sent[0]).toMatchObject({
      writeKey: "wk_rn",
      userId: "ada",
      fixes: [{ lat: 52.52, lng: 13.405, accuracy: 20, timestamp: 1_000 }],
    });
    expect((sent[1]!.fixes as unknown[]).length).toBe(2);
  });
});
