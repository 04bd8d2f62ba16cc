import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { AccessibilityInfo, Text } from "react-native";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react-native";
import * as beckon from "../src/index";
import { FakeServer, FakeSocket, MemoryAsyncStorage, message, reply } from "./fakes";

/**
 * The provider and in-app host rendered with React Native's Jest preset: messages the
 * server (or the live socket) sends appear, and what the person does is reported to
 * `/v1/in-app/events` as the web SDK reports it.
 */
let server: FakeServer;
const HOST = "https://beckon.test";

beforeEach(() => {
  server = new FakeServer();
  FakeSocket.all = [];
  (globalThis as unknown as { fetch: unknown }).fetch = server.fetch;
  (globalThis as unknown as { WebSocket: unknown }).WebSocket = FakeSocket;
});
afterEach(() => beckon.shutdown());

async function app(options: Partial<beckon.InitOptions> = {}) {
  await render(
    <beckon.BeckonProvider
      options={{ writeKey: "wk_rn", host: HOST, storage: new MemoryAsyncStorage(), flushInterval: 0, ...options }}
    >
      <Text>Home screen</Text>
    </beckon.BeckonProvider>,
  );
  await act(() => beckon.whenReady());
}

describe("BeckonInAppHost", () => {
  it("shows a modal fetched at app open, reports the impression, and a button press reports the click and opens its deep link", async () => {
    server.inApp.messages = [
      message("m1", {
        type: "modal",
        title: "Summer sale",
        body: "20% off today",
        buttons: [
          { id: "shop", label: "Shop now", action: "deeplink", deepLink: "myshop://sale" },
          { id: "later", label: "Later", action: "dismiss" },
        ],
      }),
    ];
    const onDeepLink = jest.fn(() => true);
    const announce = jest.spyOn(AccessibilityInfo, "announceForAccessibility");
    await app({ onDeepLink });

    expect(await screen.findByText("Summer sale")).toBeTruthy();
    // Screen readers hear the message wherever their focus is.
    expect(announce).toHaveBeenCalledWith("Summer sale. 20% off today");
    announce.mockRestore();
    expect(screen.getByRole("header", { name: "Summer sale" })).toBeTruthy();
    expect(screen.getByTestId("beckon-in-app-message").props.accessibilityViewIsModal).toBe(true);
    expect(screen.getByRole("button", { name: "Close" })).toBeTruthy();
    await waitFor(() => expect(server.engagement()).toEqual([{ key: "m1", kind: "impression" }]));
    // The request names the person the message was delivered to.
    expect(server.sent.find((s) => s.path === "/v1/in-app/events")?.body).toMatchObject({
      writeKey: "wk_rn",
      anonymousId: beckon.user().anonymousId,
    });

    await fireEvent.press(screen.getByRole("link", { name: "Shop now" }));
    expect(onDeepLink).toHaveBeenCalledWith("myshop://sale");
    await waitFor(() =>
      expect(server.engagement()).toEqual([
        { key: "m1", kind: "impression" },
        { key: "m1", kind: "click", buttonId: "shop" },
      ]),
    );
    expect(screen.queryByText("Summer sale")).toBeNull();
  });

  it("falls back to Linking when the app does not handle the deep link, and never opens script URLs", async () => {
    server.inApp.messages = [
      message("m2", {
        type: "fullscreen",
        title: "New app",
        buttons: [{ id: "go", label: "See it", action: "deeplink", deepLink: "https://shop.example/new" }],
      }),
    ];
    const linking = { openURL: jest.fn(async () => true) };
    await app({ linking });
    await fireEvent.press(await screen.findByRole("link", { name: "See it" }));
    expect(linking.openURL).toHaveBeenCalledWith("https://shop.example/new");
    beckon.openDeepLink("javascript:alert(1)");
    expect(linking.openURL).toHaveBeenCalledTimes(1);
  });

  it("sends survey answers once the required question is answered", async () => {
    server.inApp.messages = [
      message("s1", {
        type: "survey",
        title: "Why are you leaving?",
        submitLabel: "Send",
        questions: [
          { id: "reason", prompt: "Main reason", kind: "single", options: ["Prices", "Delivery"], required: true },
          { id: "score", prompt: "How likely are you to recommend us?", kind: "rating" },
          { id: "more", prompt: "Anything else?", kind: "text" },
        ],
      }),
    ];
    await app();
    const submit = await screen.findByRole("button", { name: "Send" });
    expect(submit.props.accessibilityState).toMatchObject({ disabled: true });
    await fireEvent.press(screen.getByRole("radio", { name: "Delivery" }));
    expect(screen.getByRole("radio", { name: "Delivery" }).props.accessibilityState).toMatchObject({ checked: true });
    await fireEvent.press(screen.getByRole("radio", { name: "4 of 5" }));
    await fireEvent.changeText(screen.getByLabelText("Anything else?"), "  too slow  ");
    await fireEvent.press(screen.getByRole("button", { name: "Send" }));
    await waitFor(() =>
      expect(server.engagement().at(-1)).toEqual({
        key: "s1",
        kind: "answer",
        answers: [
          { questionId: "reason", answer: "Delivery" },
          { questionId: "score", answer: 4 },
          { questionId: "more", answer: "too slow" },
        ],
      }),
    );
    expect(screen.queryByText("Why are you leaving?")).toBeNull();
  });

  it("shows a banner as a polite alert and reports its dismissal from the close button", async () => {
    server.inApp.messages = [message("b1", { type: "banner", body: "Free shipping this weekend" })];
    await app();
    const banner = await screen.findByTestId("beckon-in-app-banner");
    expect(banner.props.accessibilityRole).toBe("alert");
    expect(banner.props.accessibilityLiveRegion).toBe("polite");
    await fireEvent.press(screen.getByRole("button", { name: "Close" }));
    await waitFor(() => expect(server.engagement().map((e) => e.kind)).toEqual(["impression", "dismiss"]));
    expect(screen.queryByText("Free shipping this weekend")).toBeNull();
  });

  it("shows a message that arrives over the live socket while the app is open, and only once its display rule fires", async () => {
    await app();
    await waitFor(() => expect(FakeSocket.all).toHaveLength(1));
    const socket = FakeSocket.all[0]!;
    expect(socket.url).toMatch(/^wss:\/\/beckon\.test\/v1\/connect\?writeKey=wk_rn&anonymousId=/);
    await act(async () =>
      socket.deliver({
        type: "inapp",
        messages: [
          message("live1", { type: "modal", title: "Your cart misses you", displayOn: { event: "Viewed Cart" } }),
        ],
        notBefore: null,
        minIntervalSeconds: 0,
      }),
    );
    expect(screen.queryByText("Your cart misses you")).toBeNull();
    await act(async () => beckon.track("Viewed Cart"));
    expect(await screen.findByText("Your cart misses you")).toBeTruthy();
  });

  it("refreshes an expired user token and loads the person's messages with the fresh one", async () => {
    server.route = (s) =>
      s.path === "/v1/in-app" && s.query.userToken === "old"
        ? reply(401, { error: { code: "user_token_expired", message: "expired" } })
        : undefined;
    server.inApp.messages = [message("t1", { type: "modal", title: "Welcome back, Ada" })];
    const storage = new MemoryAsyncStorage();
    await storage.setItem("beckon:wk_rn:userId", "ada");
    const refreshUserToken = jest.fn(async () => "fresh");
    await app({ storage, userToken: "old", refreshUserToken });
    expect(await screen.findByText("Welcome back, Ada")).toBeTruthy();
    expect(refreshUserToken).toHaveBeenCalledWith("ada");
    expect(server.sent.filter((s) => s.path === "/v1/in-app").map((s) => s.query.userToken)).toEqual(["old", "fresh"]);
  });

  it("lets an app draw its own messages with useInAppMessage (inAppHost={false})", async () => {
    server.inApp.messages = [
      message("h1", { type: "modal", title: "Headless", buttons: [{ id: "ok", label: "OK", action: "dismiss" }] }),
    ];
    function Custom() {
      const { content, click } = beckon.useInAppMessage();
      if (!content) return null;
      return (
        <Text accessibilityRole="button" onPress={() => click(content.buttons![0]!)}>
          {`custom: ${content.title}`}
        </Text>
      );
    }
    await render(
      <beckon.BeckonProvider
        options={{ writeKey: "wk_rn", host: HOST, storage: new MemoryAsyncStorage(), live: false }}
        inAppHost={false}
      >
        <Custom />
      </beckon.BeckonProvider>,
    );
    await fireEvent.press(await screen.findByText("custom: Headless"));
    expect(screen.queryByTestId("beckon-in-app-message")).toBeNull();
    await waitFor(() => expect(server.engagement().map((e) => e.kind)).toEqual(["impression", "click"]));
  });

  it("asks with the app's own pre-prompt first; the OS dialog only after a yes, and nothing of the prompt is reported", async () => {
    await app();
    let granted = false;
    const requestPermission = jest.fn(async () => (granted = true));
    const messaging = {
      getToken: async () => "fcm-9",
      onTokenRefresh: () => () => undefined,
      hasPermission: async () => (granted ? 1 : -1),
    };
    const adapter = beckon.firebaseMessagingAdapter(messaging, "android");

    const ask = async () => {
      let asking: Promise<boolean> = Promise.resolve(false);
      // The prompt appears at once: a render outside any event handler.
      await act(
        async () =>
          void (asking = beckon.askForPush({
            adapter,
            requestPermission,
            prompt: { title: "Get order updates?", allowLabel: "Yes please" },
          })),
      );
      return { asking }; // wrapped: an async function returning the promise would wait for the answer
    };
    let { asking } = await ask();
    await fireEvent.press(await screen.findByRole("button", { name: "Not now" }));
    expect(await asking).toBe(false);
    expect(requestPermission).not.toHaveBeenCalled();
    expect(screen.queryByText("Get order updates?")).toBeNull();

    ({ asking } = await ask());
    await fireEvent.press(await screen.findByRole("button", { name: "Yes please" }));
    expect(await asking).toBe(true);
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(server.sent.find((s) => s.path === "/v1/devices")?.body).toMatchObject({
      register: [{ provider: "fcm", token: "fcm-9" }],
      consent: { push: "opted_in" },
    });
    expect(server.engagement()).toEqual([]);
  });
});
