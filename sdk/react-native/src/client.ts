import { CardFeed } from "../../core/cards";
import { engagementQueue } from "../../core/engagement";
import { Identity, readItem, writeItem } from "../../core/identity";
import { InAppState } from "../../core/inapp";
import { type Call, OfflineQueue } from "../../core/queue";
import { notifyCards, notifyInApp, refreshCards, showLocalMessage, startInApp, stopLive } from "./inapp";
import { resetLocation, startLocation } from "./location";
import type { InitOptions, LocationSource, PushAdapter } from "./options";
import { handlePushOpens, registerPush } from "./push";
import {
  enqueue,
  getJson,
  post,
  type PushOpen,
  type Session,
  session,
  setSession,
  started,
  storageKey,
} from "./session";

export { openDeepLink } from "./session";

/**
 * Beckon for React Native: Segment-spec calls over the shared core's persistent queue,
 * app lifecycle events from AppState, push tokens and opens through an adapter, in-app
 * messages and cards (fetched at app open, live over the socket in the foreground) and
 * location fixes. React Native itself is passed in (`appState`, `storage`, `linking`),
 * so this module imports nothing platform-specific and runs in Node and Jest alike.
 */

let ready: Promise<void> = Promise.resolve();

/** Starts the SDK. Resolves when stored identity is loaded; calls made before that are kept. */
export function init(options: InitOptions): Promise<void> {
  if (!options?.writeKey) throw new Error("beckon.init: writeKey is required");
  if (!options.host) throw new Error("beckon.init: host is required");
  if (started()) {
    console.warn("beckon.init: already initialised");
    return ready;
  }
  const opts = { inApp: true, live: true, ...options, host: options.host.replace(/\/+$/, "") };
  const store = options.storage ?? null;
  const k = (field: string) => `beckon:${opts.writeKey}:${field}`;
  const id = new Identity({
    storage: store,
    key: k,
    userToken: options.userToken,
    refreshUserToken: options.refreshUserToken,
  });
  const person = () => id.userId ?? id.anonymousId;
  const s: Session = {
    opts,
    store,
    id,
    queue: new OfflineQueue<Call>({
      url: `${opts.host}/v1/batch`,
      writeKey: opts.writeKey,
      storage: store,
      storageKey: k("queue"),
      flushAt: options.flushAt ?? 20,
      flushInterval: options.flushInterval ?? 2000,
      maxQueued: 1000,
      auth: () => id.tokenField(),
      refresh: (res) => id.refresh(res),
    }),
    engagements: engagementQueue({
      host: opts.host,
      writeKey: opts.writeKey,
      storage: store,
      storageKey: k("engage"),
      identity: id,
    }),
    pushOpens: new OfflineQueue<PushOpen>({
      url: `${opts.host}/v1/push/opened`,
      writeKey: opts.writeKey,
      storage: store,
      storageKey: k("pushOpens"),
      flushAt: 1,
      flushInterval: 0,
      maxQueued: 50,
      take: (items) => items.slice(0, 1),
      body: ([open]) => ({ writeKey: opts.writeKey, ...open!.who, key: open!.key }),
      auth: () => id.tokenField(),
      refresh: (res) => id.refresh(res),
      // 404: not a Beckon send for this person (another tool's push); it can never succeed.
      drop: [400, 401, 403, 404, 413],
    }),
    inApp: new InAppState({ storage: store, key: k, person, onChange: notifyInApp }),
    cards: new CardFeed({
      storage: store,
      // Per person: a shared phone shows each person their own feed.
      key: () => k(`cards:${person()}`),
      fetchCards: () => getJson("/v1/cards"),
      sendAction: (cardId, action) => post(`/v1/cards/${encodeURIComponent(cardId)}/${action}`),
    }),
    subscriptions: [],
  };
  s.subscriptions.push(s.cards.subscribe(notifyCards));
  setSession(s);
  ready = (async () => {
    await id.load();
    await Promise.all([s.queue.ready, s.engagements.ready, s.pushOpens.ready, s.inApp.load()]);
    await lifecycle(s);
    if (opts.push) await registerPush(s, opts.push);
    if (opts.push) await handlePushOpens(s, opts.push);
    if (opts.location) startLocation(s, opts.location);
    if (opts.inApp) {
      await s.cards.load();
      await startInApp();
    }
  })();
  return ready;
}

/** Resolves once `init` has loaded storage and fetched the first in-app messages. */
export const whenReady = (): Promise<void> => ready;

/** Segment's mobile lifecycle spec: Installed/Updated once per version, Opened/Backgrounded from AppState. */
async function lifecycle(s: Session): Promise<void> {
  const app = s.opts.app;
  const versionKey = storageKey(s, "appVersion");
  if (app) {
    const previous = await readItem(s.store, versionKey);
    if (previous === null)
      enqueue({
        type: "track",
        event: "Application Installed",
        properties: { version: app.version, build: app.build },
      });
    else if (previous !== app.version)
      enqueue({
        type: "track",
        event: "Application Updated",
        properties: { version: app.version, build: app.build, previous_version: previous },
      });
    writeItem(s.store, versionKey, app.version);
  }
  const appState = s.opts.appState;
  if (!appState) return;
  enqueue({
    type: "track",
    event: "Application Opened",
    properties: { from_background: false, ...(app ? { version: app.version, build: app.build } : {}) },
  });
  let state = appState.currentState ?? "active";
  const sub = appState.addEventListener("change", (next) => {
    if (next === "active" && state !== "active") {
      enqueue({ type: "track", event: "Application Opened", properties: { from_background: true } });
      // Back in the foreground: fetch what arrived meanwhile and reopen the socket.
      if (s.opts.inApp) void startInApp();
    }
    if (next === "background" && state !== "background") {
      enqueue({ type: "track", event: "Application Backgrounded", properties: {} });
      void s.queue.flush();
      void s.engagements.flush();
      void s.pushOpens.flush();
      // No socket in the background: the OS would kill it anyway, and it costs battery.
      stopLive();
    }
    state = next;
  });
  s.subscriptions.push(() => sub.remove());
}

/** Names the person (after login); pass their user token under identity verification. */
export function identify(
  userId: string | null,
  traits: Record<string, unknown> = {},
  options: { userToken?: string } = {},
): void {
  const s = session();
  const changed = s.id.identify(userId, options.userToken);
  enqueue({ type: "identify", traits });
  if (changed && s.opts.inApp) {
    // The identified person's object holds their messages and cards: flush so it exists, then load them there.
    s.inApp.clear();
    void s.queue.flush().then(() => startInApp());
  }
}
/** Records an event; in-app messages waiting for it show now. */
export function track(event: string, properties: Record<string, unknown> = {}): void {
  enqueue({ type: "track", event, properties });
  session().inApp.trigger(event, properties);
}
export function screen(name: string, properties: Record<string, unknown> = {}): void {
  enqueue({ type: "screen", name, properties });
}
export function alias(newId: string): void {
  const s = session();
  enqueue({ type: "alias", userId: newId, previousId: s.id.userId ?? s.id.anonymousId });
  s.id.identify(newId);
}
/** Signs out: a new anonymous id, no user id or token, no messages or cards of the previous person. */
export function reset(): void {
  const s = session();
  // Cleared before the identity changes: the stored feed removed is the signed-out person's.
  s.cards.clear();
  s.inApp.clear();
  s.id.reset();
  if (s.opts.inApp) void startInApp();
}
export function setUserToken(token: string | null): void {
  session().id.userToken = token;
}
export function user(): { userId: string | null; anonymousId: string } {
  const { id } = session();
  return { userId: id.userId, anonymousId: id.anonymousId };
}
export function flush(): Promise<void> {
  const s = session();
  return Promise.all([s.queue.flush(), s.engagements.flush(), s.pushOpens.flush()]).then(() => undefined);
}

/**
 * Registers push later than `init`, e.g. after the app's own pre-prompt and the OS permission
 * dialog: the token is registered, and pushes opened from now on are reported.
 */
export async function enablePush(adapter: PushAdapter): Promise<void> {
  const s = session();
  await ready;
  await registerPush(s, adapter);
  await handlePushOpens(s, adapter);
}

export interface PushPrompt {
  title?: string;
  body?: string;
  allowLabel?: string;
  laterLabel?: string;
}

/**
 * The soft pre-prompt: the app's own question first (a modal drawn by the in-app host),
 * and the OS dialog only for people who said yes. The OS asks once; a "not now" here
 * keeps that one chance for later. Resolves whether push was turned on.
 */
export async function askForPush(o: {
  adapter: PushAdapter;
  requestPermission: () => Promise<boolean>;
  prompt?: PushPrompt | false;
}): Promise<boolean> {
  if (o.prompt !== false) {
    const p = o.prompt ?? {};
    const answer = await showLocalMessage({
      type: "modal",
      title: p.title ?? "Turn on notifications?",
      body: p.body ?? "We'll let you know about your orders and offers.",
      buttons: [
        { id: "allow", label: p.allowLabel ?? "Turn on", action: "dismiss" },
        { id: "later", label: p.laterLabel ?? "Not now", action: "dismiss" },
      ],
    });
    if (answer !== "allow") return false;
  }
  if (!(await o.requestPermission().catch(() => false))) {
    // Refused at the OS: recorded, so campaigns do not count on this channel.
    await ready;
    await post("/v1/devices", { consent: { push: "opted_out" } }).catch(() => undefined);
    return false;
  }
  await enablePush(o.adapter);
  return true;
}

/** Starts location reporting later than `init` (after the app obtained the OS permission). */
export function enableLocation(source: LocationSource): void {
  startLocation(session(), source);
}

/** Stops listeners and forgets state (tests, or an app re-initialising with another write key). */
export function shutdown(): void {
  if (!started()) return;
  const s = session();
  stopLive();
  resetLocation();
  s.inApp.stop();
  s.queue.stop();
  s.engagements.stop();
  s.pushOpens.stop();
  for (const off of s.subscriptions) off();
  s.subscriptions = [];
  setSession(null);
  notifyInApp(null);
  notifyCards([]);
}

export { refreshCards };
export {
  cardAction,
  clickInAppButton,
  currentCards,
  currentInAppMessage,
  dismissInAppMessage,
  liveConnected,
  onCards,
  onInAppMessage,
  showLocalMessage,
  submitSurvey,
} from "./inapp";
export {
  expoGeofencingMonitor,
  expoLocationSource,
  REFRESH_REGION,
  regionEvent,
  reportLocation,
  syncRegions,
  type ExpoGeofencingLike,
  type ExpoLocationLike,
  type MonitoredRegion,
  type RegionMonitor,
} from "./location";
export {
  expoNotificationsAdapter,
  firebaseMessagingAdapter,
  pushOpened,
  type ExpoNotificationsLike,
  type FirebaseMessagingLike,
} from "./push";
export type {
  AppStateLike,
  InitOptions,
  LinkingLike,
  LocationFix,
  LocationSource,
  OpenedPush,
  PushAdapter,
} from "./options";
export type { Card, CardAction } from "../../core/cards";
export type { InAppButton, InAppContent, SurveyAnswer, SurveyQuestion } from "../../core/inapp";
export type { KeyValueStorage } from "../../core/queue";
export type { PendingMessage } from "../../core/rules";
