import { Identity, type RefreshUserToken, readItem, uuid, writeItem } from "../../core/identity";
import { type Call, type KeyValueStorage, OfflineQueue } from "../../core/queue";

/**
 * Beckon for React Native: Segment-spec calls over the shared core's persistent queue,
 * app lifecycle events from AppState, and push token registration through an adapter.
 * React Native itself is passed in (`appState`, `storage`) so this module imports
 * nothing platform-specific and runs in Node and Jest alike.
 */

/** The part of React Native's `AppState` used here. */
export interface AppStateLike {
  currentState: string | null;
  addEventListener(type: "change", listener: (state: string) => void): { remove(): void };
}

/** A push provider (FCM via @react-native-firebase/messaging, APNs/FCM via expo-notifications). */
export interface PushAdapter {
  provider: "fcm" | "apns";
  platform: "android" | "ios";
  getToken(): Promise<string | null>;
  /** Calls back with each new token; returns an unsubscribe function. */
  onTokenRefresh?(listener: (token: string) => void): () => void;
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
  /** React Native's AppState: enables Application Opened / Backgrounded. */
  appState?: AppStateLike;
  /** The app's version and build (e.g. from expo-application): enables Installed / Updated. */
  app?: { version: string; build?: string };
  push?: PushAdapter;
  flushAt?: number;
  flushInterval?: number;
}

let opts: InitOptions | null = null;
let store: KeyValueStorage | null = null;
let queue: OfflineQueue<Call>;
let id: Identity;
let subscriptions: Array<() => void> = [];
let ready: Promise<void> = Promise.resolve();

const key = (k: string) => `beckon:${opts!.writeKey}:${k}`;

const get = async (k: string) => readItem(store, key(k));
const set = (k: string, v: string | null) => writeItem(store, key(k), v);

/** Starts the SDK. Resolves when stored identity is loaded; calls made before that are kept. */
export function init(options: InitOptions): Promise<void> {
  if (!options?.writeKey) throw new Error("beckon.init: writeKey is required");
  if (!options.host) throw new Error("beckon.init: host is required");
  if (opts) {
    console.warn("beckon.init: already initialised");
    return ready;
  }
  opts = { ...options, host: options.host.replace(/\/+$/, "") };
  store = options.storage ?? null;
  id = new Identity({ storage: store, key, userToken: options.userToken, refreshUserToken: options.refreshUserToken });
  queue = new OfflineQueue<Call>({
    url: `${opts.host}/v1/batch`,
    writeKey: opts.writeKey,
    storage: store,
    storageKey: key("queue"),
    flushAt: options.flushAt ?? 20,
    flushInterval: options.flushInterval ?? 2000,
    maxQueued: 1000,
    auth: () => id.tokenField(),
    refresh: (res) => id.refresh(res),
  });
  ready = (async () => {
    await id.load();
    await queue.ready;
    await lifecycle();
    if (opts?.push) await registerPush(opts.push);
  })();
  return ready;
}

/** Segment's mobile lifecycle spec: Installed/Updated once per version, Opened/Backgrounded from AppState. */
async function lifecycle(): Promise<void> {
  const app = opts!.app;
  if (app) {
    const previous = await get("appVersion");
    if (previous === null) enqueue({ type: "track", event: "Application Installed", properties: { version: app.version, build: app.build } });
    else if (previous !== app.version) enqueue({ type: "track", event: "Application Updated", properties: { version: app.version, build: app.build, previous_version: previous } });
    set("appVersion", app.version);
  }
  const appState = opts!.appState;
  if (!appState) return;
  enqueue({ type: "track", event: "Application Opened", properties: { from_background: false, ...(app ? { version: app.version, build: app.build } : {}) } });
  let state = appState.currentState ?? "active";
  const sub = appState.addEventListener("change", (next) => {
    if (next === "active" && state !== "active") enqueue({ type: "track", event: "Application Opened", properties: { from_background: true } });
    if (next === "background" && state !== "background") {
      enqueue({ type: "track", event: "Application Backgrounded", properties: {} });
      void queue.flush();
    }
    state = next;
  });
  subscriptions.push(() => sub.remove());
}

async function registerPush(adapter: PushAdapter): Promise<void> {
  const send = async (token: string) => {
    try {
      await fetch(`${opts!.host}/v1/devices`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({
          writeKey: opts!.writeKey,
          ...id.who(),
          ...id.tokenField(),
          register: [{ provider: adapter.provider, platform: adapter.platform, token }],
        }),
      });
    } catch {
      // offline: the next app open registers again
    }
  };
  const token = await adapter.getToken().catch(() => null);
  if (token) await send(token);
  const off = adapter.onTokenRefresh?.((t) => void send(t));
  if (off) subscriptions.push(off);
}

function enqueue(call: Omit<Call, "messageId" | "timestamp" | "anonymousId">): void {
  if (!opts) throw new Error("beckon: call init() first");
  queue.push({
    ...call,
    messageId: uuid(),
    timestamp: new Date().toISOString(),
    anonymousId: id.anonymousId,
    ...(id.userId ? { userId: id.userId } : {}),
    context: { library: { name: "@beckon/react-native", version: "0.1.0" }, ...(opts.app ? { app: opts.app } : {}) },
  } as unknown as Call);
}

export function identify(userId: string | null, traits: Record<string, unknown> = {}, options: { userToken?: string } = {}): void {
  id.identify(userId, options.userToken);
  enqueue({ type: "identify", traits });
}
export function track(event: string, properties: Record<string, unknown> = {}): void {
  enqueue({ type: "track", event, properties });
}
export function screen(name: string, properties: Record<string, unknown> = {}): void {
  enqueue({ type: "screen", name, properties });
}
export function alias(newId: string): void {
  enqueue({ type: "alias", userId: newId, previousId: id.userId ?? id.anonymousId });
  id.identify(newId);
}
/** Signs out: a new anonymous id, no user id or token. */
export function reset(): void {
  id.reset();
}
export function setUserToken(token: string | null): void {
  id.userToken = token;
}
export function flush(): Promise<void> {
  return queue.flush();
}
/** Stops listeners and forgets state (tests, or an app re-initialising with another write key). */
export function shutdown(): void {
  for (const off of subscriptions) off();
  subscriptions = [];
  opts = null;
}

export { firebaseMessagingAdapter, expoNotificationsAdapter } from "./push";
