import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { AppState, Linking } from "react-native";
import * as beckon from "../src/index";
import { FakeServer, MemoryAsyncStorage } from "./fakes";

/**
 * The example app (examples/expo/beckon.ts) hands React Native and Expo modules to the SDK
 * exactly as the docs show. Here those packages are mocked with the shape their real builds
 * export — AsyncStorage (@react-native-async-storage/async-storage 2.x) as the *default*
 * export next to the named `useAsyncStorage`, Expo Constants as a default export, the other
 * Expo modules as named functions — and React Native's own AppState and Linking are the
 * preset's real named exports. A wrong import (a named `AsyncStorage`, a namespace import, a
 * default `AppState`) hands the SDK `undefined` or a module object, and these tests fail.
 */
const mockStore = new MemoryAsyncStorage();
jest.mock(
  "@react-native-async-storage/async-storage",
  () => ({ __esModule: true, default: mockStore, useAsyncStorage: () => ({}) }),
  { virtual: true },
);
jest.mock(
  "expo-constants",
  () => ({ __esModule: true, default: { expoConfig: { extra: { beckonHost: "https://beckon.test" } } } }),
  { virtual: true },
);
jest.mock("expo-application", () => ({ nativeApplicationVersion: "3.1.0", nativeBuildVersion: "310" }), {
  virtual: true,
});
jest.mock("expo-location", () => ({ Accuracy: { Balanced: 3 }, watchPositionAsync: jest.fn() }), { virtual: true });
jest.mock(
  "expo-notifications",
  () => ({ getDevicePushTokenAsync: jest.fn(), addPushTokenListener: jest.fn(), requestPermissionsAsync: jest.fn() }),
  { virtual: true },
);

// Not a static import: the example's Expo packages are not installed here, so tsc must not follow it.
const EXAMPLE: string = "../../../examples/expo/beckon";
const example = () => jest.requireActual(EXAMPLE) as { beckonOptions: beckon.InitOptions };

let server: FakeServer;
beforeEach(() => {
  server = new FakeServer();
  (globalThis as unknown as { fetch: unknown }).fetch = server.fetch;
});
afterEach(() => beckon.shutdown());

describe("the platform modules the app hands over", () => {
  it("are AsyncStorage's default export, React Native's AppState and Linking, and Expo's app version", () => {
    const { beckonOptions } = example();
    expect(beckonOptions.storage).toBe(mockStore);
    expect(beckonOptions.appState).toBe(AppState);
    expect(beckonOptions.linking).toBe(Linking);
    expect(typeof beckonOptions.appState?.addEventListener).toBe("function");
    expect(typeof beckonOptions.linking?.openURL).toBe("function");
    expect(beckonOptions.app).toEqual({ version: "3.1.0", build: "310" });
    expect(beckonOptions.host).toBe("https://beckon.test");
  });

  it("work in the SDK: calls persist in AsyncStorage, AppState drives lifecycle, Linking opens links the app leaves", async () => {
    const { beckonOptions } = example();
    const openURL = jest.spyOn(Linking, "openURL").mockImplementation(async () => undefined);
    server.offline = true;
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined); // offline: "could not load …"
    await beckon.init({ ...beckonOptions, live: false, inApp: false, onDeepLink: undefined });
    beckon.track("Product Added", { sku: "A1" });
    await beckon.flush();
    const queued = JSON.parse((await mockStore.getItem(`beckon:${beckonOptions.writeKey}:queue`)) ?? "[]") as Array<{
      event?: string;
    }>;
    expect(queued.map((c) => c.event)).toEqual(["Application Installed", "Application Opened", "Product Added"]);
    beckon.openDeepLink("myshop://cart");
    expect(openURL).toHaveBeenCalledWith("myshop://cart");
    warn.mockRestore();
  });
});
