import type { RefreshUserToken } from "../../core/identity";
import type { LocationFix } from "../../core/location";
import type { KeyValueStorage } from "../../core/queue";

export type { LocationFix };

/** The part of React Native's `AppState` used here. */
export interface AppStateLike {
  currentState?: string | null;
  addEventListener(type: "change", listener: (state: string) => void): { remove(): void };
}

/** A push the person opened: the notification's data (Beckon's sends carry `beckon_key`, `beckon_campaign`, `beckon_deep_link`). */
export interface OpenedPush {
  data: Record<string, unknown>;
}

/** A push provider (FCM via @react-native-firebase/messaging, APNs/FCM via expo-notifications). */
export interface PushAdapter {
  provider: "fcm" | "apns";
  platform: "android" | "ios";
  getToken(): Promise<string | null>;
  /** Calls back with each new token; returns an unsubscribe function. */
  onTokenRefresh?(listener: (token: string) => void): () => void;
  /**
   * Whether the person allowed notifications: "granted" records push consent as opted in
   * with the token (campaign pushes need it), "denied" as opted out; unknown leaves it.
   */
  permission?(): Promise<"granted" | "denied" | "undetermined">;
  /** The push that launched the app from a cold start, if any. */
  getInitialNotification?(): Promise<OpenedPush | null>;
  /** Calls back when the person taps a push while the app runs (warm start); returns an unsubscribe function. */
  onNotificationOpened?(listener: (push: OpenedPush) => void): () => void;
}

/** React Native's `Linking` (the part used): opens deep links from messages, cards and pushes. */
export interface LinkingLike {
  openURL(url: string): Promise<unknown>;
}

/** Where fixes come from (e.g. `expoLocationSource(Location)`); the app asks for the OS permission. */
export interface LocationSource {
  /** Calls back with each new fix; returns an unsubscribe function. */
  watch(listener: (fix: LocationFix) => void): () => void;
}

export interface InitOptions {
  writeKey: string;
  /** Your Beckon Worker, e.g. https://beckon.example.com */
  host: string;
  /** A signed user token for the person identified (identity verification). */
  userToken?: string;
  /** Mints a fresh user token after the server rejected one. */
  refreshUserToken?: RefreshUserToken;
  /** AsyncStorage or any store with getItem/setItem/removeItem (sync or async). */
  storage?: KeyValueStorage | null;
  /** React Native's AppState: enables Application Opened / Backgrounded, and in-app refresh on return. */
  appState?: AppStateLike;
  /** The app's version and build (e.g. from expo-application): enables Installed / Updated. */
  app?: { version: string; build?: string };
  push?: PushAdapter;
  /** Show in-app messages and keep the card feed (default true). */
  inApp?: boolean;
  /** Keep a WebSocket open while the app is in the foreground, for instant in-app messages (default true). */
  live?: boolean;
  /** Handle a deep link (message button, card, push); return true if handled. Default: `linking.openURL`. */
  onDeepLink?: (url: string) => boolean | void;
  /** React Native's Linking, for deep links the app does not handle itself. */
  linking?: LinkingLike;
  /** Report position fixes for server-side geofencing. */
  location?: LocationSource;
  /** Send at most one fix per this many ms (default 60 000): battery and traffic. */
  locationIntervalMs?: number;
  flushAt?: number;
  flushInterval?: number;
}
