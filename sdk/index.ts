/**
 * Beckon web SDK: Segment-compatible tracking with an offline queue, consent,
 * Web Push registration, in-app messages (fetched on start and pushed live) and a
 * content-card feed. ES module, no dependencies.
 *
 *   import * as beckon from "https://beckon.example.com/sdk/beckon.js";
 *   beckon.init({ writeKey: "wk_…" });
 *   beckon.identify("user-42", { email: "ada@example.com" }, { userToken }); // token: from your backend
 *   beckon.track("Product Added", { sku: "TEE-1", price: 25 });
 */
import { type Feed, type FeedOptions, mountFeed } from "./cards";
import { type Card, type CardAction, CardFeed } from "./core/cards";
import { type Engagement, engagementQueue } from "./core/engagement";
import { Identity, type RefreshUserToken, uuid, withFreshToken } from "./core/identity";
import { InAppState, type PendingView } from "./core/inapp";
import { LiveConnection } from "./core/live";
import { type Call, OfflineQueue } from "./core/queue";
import { type Answer, renderMessage } from "./render";
import type { PendingMessage } from "./core/rules";

export const VERSION = "1.0.0";

export interface InitOptions {
  writeKey: string;
  /** Beckon's base URL. Default: where this script was loaded from. */
  host?: string;
  /** Send after this many calls (default 20)… */
  flushAt?: number;
  /** …or this many ms after the first (default 2000). */
  flushInterval?: number;
  /** Show in-app messages (default true). */
  inApp?: boolean;
  /** Keep a live connection for instant in-app messages (default true). */
  live?: boolean;
  /** Send nothing until `consent({ analytics: true })` (default false). */
  requireConsent?: boolean;
  /** Handle a deep link from a message or card; return true if handled. Default: navigate. */
  onDeepLink?: (url: string) => boolean | void;
  /** Where the queue and identity persist (default localStorage). */
  storage?: Storage | null;
  /** Identity verification: the signed-in person's user token (a JWT your backend mints). */
  userToken?: string;
  /**
   * Called when Beckon refuses the user token (expired, missing, invalid) and before the live
   * connection reconnects with an expired one: fetch a fresh token from your backend. The
   * refused request is then sent once more.
   */
  refreshUserToken?: RefreshUserToken;
}

type Listener = (data: unknown) => void;
type ChannelStatus = "opted_in" | "opted_out" | "unknown";
export interface Consent {
  analytics?: boolean;
  push?: ChannelStatus;
  email?: ChannelStatus;
  sms?: ChannelStatus;
  whatsapp?: ChannelStatus;
}

let opts: Required<Pick<InitOptions, "writeKey" | "host" | "inApp" | "live">> & InitOptions;
let storage: Storage | null = null;
let queue: OfflineQueue;
let engagements: OfflineQueue<Engagement>;
let live: LiveConnection | null = null;
/** Anonymous id, user id and user token (memory only: the app hands it over on each page load). */
let id: Identity;
let analyticsAllowed = true;
const listeners = new Map<string, Set<Listener>>();

/** Which message shows when (shared with React Native): pending list, display rules, pacing, shown-once. */
let inApp: InAppState;
let inAppLoaded: Promise<void> = Promise.resolve();
/** The person's card feed (shared with React Native): stored for the next load, actions applied at once. */
let feed: CardFeed;

const key = (k: string) => `beckon:${opts.writeKey.slice(-8)}:${k}`;
const get = (k: string) => {
  try {
    return storage?.getItem(key(k)) ?? null;
  } catch {
    return null;
  }
};
const set = (k: string, v: string | null) => {
  try {
    if (v === null) storage?.removeItem(key(k));
    else storage?.setItem(key(k), v);
  } catch {
    // storage disabled
  }
};

/** Starts the SDK. Call once, before anything else. */
export function init(options: InitOptions): void {
  if (!options?.writeKey) throw new Error("beckon.init: writeKey is required");
  if (opts) return console.warn("beckon.init: already initialised");
  opts = { inApp: true, live: true, host: defaultHost(), ...options };
  opts.host = opts.host.replace(/\/+$/, "");
  storage = options.storage !== undefined ? options.storage : typeof localStorage !== "undefined" ? localStorage : null;
  id = new Identity({ storage, key, userToken: options.userToken, refreshUserToken: options.refreshUserToken });
  void id.load();
  const stored = get("analytics");
  analyticsAllowed = stored !== null ? stored === "1" : !options.requireConsent;
  queue = new OfflineQueue({
    url: `${opts.host}/v1/batch`,
    writeKey: opts.writeKey,
    storage,
    storageKey: key("queue"),
    flushAt: options.flushAt ?? 20,
    flushInterval: options.flushInterval ?? 2000,
    maxQueued: 1000,
    // One identified person per request: the user token covers one person.
    take(items) {
      let u: unknown;
      let n = 0;
      for (; n < items.length && n < 100; n++) {
        const user = items[n]!.userId;
        if (user && u && user !== u) break;
        u = user || u;
      }
      return items.slice(0, n);
    },
    auth: tokenField,
    refresh: (res) => id.refresh(res),
  });
  engagements = engagementQueue({
    host: opts.host,
    writeKey: opts.writeKey,
    storage,
    storageKey: key("engage"),
    identity: id,
  });
  inApp = new InAppState({ storage, key, person: () => id.userId ?? id.anonymousId, onChange: (m) => m && show(m) });
  inAppLoaded = inApp.load();
  feed = new CardFeed({
    storage,
    // Per person: a shared computer shows each person their own feed.
    key: () => key(`cards:${id.userId ?? id.anonymousId}`),
    fetchCards: () => getJson("/v1/cards"),
    sendAction: async (card, action) => (await post(`/v1/cards/${encodeURIComponent(card)}/${action}`, {})).json(),
  });
  feed.subscribe((cards) => fire("cards", cards));
  void feed.load();
  const flushAll = (keepalive?: boolean) => void Promise.all([queue.flush(keepalive), engagements.flush(keepalive)]);
  addEventListener("online", () => flushAll());
  addEventListener("visibilitychange", () => document.visibilityState === "hidden" && flushAll(true));
  if (opts.inApp) void startInApp();
}

function defaultHost(): string {
  try {
    return new URL(import.meta.url).origin;
  } catch {
    return location.origin;
  }
}

const who = () => id.who();

// ───────────────────────── identity verification ─────────────────────────

const tokenField = () => id.tokenField();

/** Sets (or clears) the signed-in person's user token, e.g. after your backend minted a fresh one. */
export function setUserToken(token: string | null): void {
  id.userToken = token;
}

function context(): Record<string, unknown> {
  const ctx: Record<string, unknown> = { library: { name: "beckon-web", version: VERSION } };
  try {
    ctx.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    ctx.locale = navigator.language;
    ctx.userAgent = navigator.userAgent;
    ctx.page = { path: location.pathname, url: location.href, title: document.title, referrer: document.referrer };
  } catch {
    // not in a browser page
  }
  return ctx;
}

function enqueue(call: Omit<Call, "messageId" | "timestamp" | "anonymousId">): void {
  if (!analyticsAllowed) return;
  queue.push({
    ...call,
    messageId: uuid(),
    timestamp: new Date().toISOString(),
    anonymousId: id.anonymousId,
    ...(id.userId ? { userId: id.userId } : {}),
    context: context(),
  } as unknown as Call);
}

/**
 * Names the person (after login); traits update their profile. Their anonymous history merges in.
 * With identity verification, pass the person's user token from your backend.
 */
export function identify(
  userId?: string | null,
  traits: Record<string, unknown> = {},
  options: { userToken?: string } = {},
): void {
  const changed = id.identify(userId, options.userToken);
  enqueue({ type: "identify", traits });
  if (changed && opts.inApp) {
    // The identified person's object holds their messages and cards: flush so it exists, then reconnect there.
    inApp.clear();
    void queue.flush().then(() => Promise.all([feed.refresh(), startInApp()]));
  }
}

/** Records an event; in-app messages waiting for this event show now. */
export function track(event: string, properties: Record<string, unknown> = {}): void {
  enqueue({ type: "track", event, properties });
  // Display rules are evaluated on this device, consent or not: nothing is sent.
  inApp?.trigger(event, properties);
}

/** Records a page view. */
export function page(name?: string, properties: Record<string, unknown> = {}): void {
  enqueue({
    type: "page",
    ...(name ? { name } : {}),
    properties: { path: location.pathname, url: location.href, title: document.title, ...properties },
  });
}

/**
 * Consent: `analytics` turns tracking on or off on this device (off also drops what is
 * queued); channel statuses (push, email, sms, whatsapp) are recorded on the profile.
 */
export async function consent(c: Consent): Promise<void> {
  if (c.analytics !== undefined) {
    analyticsAllowed = c.analytics;
    set("analytics", c.analytics ? "1" : "0");
    if (!c.analytics) queue.clear();
  }
  const { analytics: _a, ...channels } = c;
  if (Object.keys(channels).length > 0) await post("/v1/devices", { consent: channels });
}

/** Sends what is queued now. */
export function flush(): Promise<void> {
  return queue.flush();
}

/** Logs out: forgets the user, starts a new anonymous identity, closes the live connection. */
export function reset(): void {
  // Before the identity changes: the stored feed removed is the signed-out person's.
  feed.clear();
  id.reset();
  live?.close();
  live = null;
  inApp.clear();
  if (opts.inApp) void startInApp();
}

/** The current identity. */
export function user(): { userId: string | null; anonymousId: string } {
  return { userId: id.userId, anonymousId: id.anonymousId };
}

/**
 * Subscribe to SDK events: "inapp:shown", "inapp:click", "inapp:dismiss", "inapp:answer", "cards" (the feed,
 * after every change), "live". Returns an unsubscribe function.
 */
export function on(event: string, fn: Listener): () => void {
  if (!listeners.has(event)) listeners.set(event, new Set());
  listeners.get(event)!.add(fn);
  return () => void listeners.get(event)?.delete(fn);
}
function fire(event: string, data: unknown = null): void {
  for (const fn of listeners.get(event) ?? []) fn(data);
}

const withToken = (send: () => Promise<Response>) => withFreshToken(id, send);
async function post(path: string, body: Record<string, unknown>): Promise<Response> {
  return withToken(() =>
    fetch(opts.host + path, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ writeKey: opts.writeKey, ...who(), ...tokenField(), ...body }),
    }),
  );
}
const query = () => new URLSearchParams({ writeKey: opts.writeKey, ...who(), ...tokenField() });
async function getJson<T>(path: string): Promise<T> {
  const res = await withToken(() => fetch(`${opts.host}${path}?${query()}`));
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

// ───────────────────────── Web Push ─────────────────────────

/**
 * Asks for notification permission, subscribes with the app's VAPID key and registers
 * the subscription. Resolves to the subscription, or null if unsupported or refused.
 */
export async function registerWebPush(
  o: { serviceWorkerUrl?: string; scope?: string } = {},
): Promise<PushSubscription | null> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return null;
  const config = await getJson<{ webPush: { vapidPublicKey: string } | null }>("/v1/config");
  if (!config.webPush) throw new Error("beckon: Web Push is not configured for this app (no VAPID key)");
  if ((await Notification.requestPermission()) !== "granted") {
    await consent({ push: "opted_out" });
    return null;
  }
  // The worker reports notification clicks to Beckon (the funnel's `opened`): it learns where from its URL.
  const swUrl = new URL(o.serviceWorkerUrl ?? `${opts.host}/sdk/beckon-sw.js`, location.href);
  swUrl.searchParams.set("host", opts.host);
  swUrl.searchParams.set("writeKey", opts.writeKey);
  const reg = await navigator.serviceWorker.register(swUrl.href, { scope: o.scope ?? "/" });
  await navigator.serviceWorker.ready;
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlToBytes(config.webPush.vapidPublicKey),
    }));
  const json = sub.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
  await post("/v1/devices", {
    register: [{ provider: "webpush", platform: "web", subscription: { endpoint: json.endpoint, keys: json.keys } }],
    consent: { push: "opted_in" },
  });
  return sub;
}

function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// ───────────────────────── in-app messages ─────────────────────────

async function startInApp(): Promise<void> {
  try {
    const view = await getJson<PendingView>("/v1/in-app");
    await inAppLoaded;
    inApp.apply(view, true);
  } catch (err) {
    console.warn("beckon: could not load in-app messages", err);
  }
  if (!opts.live) return;
  live?.close();
  // Checked at each (re)connect: an expired token is refreshed first (a refused upgrade has no readable status).
  live = new LiveConnection(async () => {
    if (id.userToken && id.tokenExpired()) await id.refresh();
    return `${opts.host.replace(/^http/, "ws")}/v1/connect?${query()}`;
  }, onLive);
}

function onLive(m: Record<string, unknown>): void {
  fire("live", m);
  switch (m.type) {
    case "sync":
      inApp.apply(m as unknown as PendingView, true);
      void feed.refresh();
      break;
    case "inapp":
      inApp.apply(m as unknown as PendingView, false);
      break;
    case "handled":
      // Shown on another device of the same person.
      inApp.handled(String(m.key));
      break;
    case "cards":
      // A card added or changed (on another device too): the feed is fetched again.
      void feed.refresh();
      break;
  }
}

/** InAppState chose `next` (pacing allowed it): draw it and report what the person does. */
function show(next: PendingMessage): void {
  const done = () => inApp.close();
  // Engagement is reported to `/v1/in-app/events` for the person who saw it (not through `track`, so not
  // behind analytics consent: in-app messages need no opt-in, and stats and the person's other devices
  // must learn it was handled). The matching event still runs this device's display rules.
  const viewer = who();
  const local = (name: string, properties: Record<string, unknown> = {}) =>
    inApp.trigger(name, { key: next.key, campaignId: next.campaignId, ...properties });
  const engage = (event: Record<string, unknown>, name?: string, properties?: Record<string, unknown>) => {
    engagements.push({ messageId: uuid(), who: viewer, event: { key: next.key, ...event } });
    if (name) local(name, properties);
  };
  renderMessage(next, {
    onClick(b) {
      engage({ kind: "click", buttonId: b.id }, "In-App Message Clicked", {
        buttonId: b.id,
        ...(b.deepLink ? { deepLink: b.deepLink } : {}),
      });
      fire("inapp:click", { key: next.key, buttonId: b.id });
      done();
      if (b.action === "deeplink" && b.deepLink) openLink(b.deepLink);
    },
    onDismiss() {
      engage({ kind: "dismiss" }, "In-App Message Dismissed");
      fire("inapp:dismiss", { key: next.key });
      done();
    },
    onSubmit(answers: Answer[]) {
      if (answers.length > 0) engage({ kind: "answer", answers });
      for (const a of answers) local("Survey Answered", a);
      fire("inapp:answer", { key: next.key, answers });
      done();
    },
  });
  engage({ kind: "impression" }, "In-App Message Viewed");
  fire("inapp:shown", next);
}

function openLink(url: string): void {
  if (opts.onDeepLink?.(url) === true) return;
  // Web links and app links navigate; script URLs never run (the server refuses them too).
  if (!/^\s*(javascript|data|vbscript):/i.test(url)) location.assign(url);
}

// ───────────────────────── content cards ─────────────────────────

/** The person's card feed (the same on every device), fetched now; the stored one if the server cannot answer. */
export async function getCards(): Promise<{ cards: Card[]; unread: number }> {
  await feed.refresh();
  return { cards: feed.cards, unread: feed.unread };
}

/** Reports a card action (view, read, click, dismiss, pin, unpin), applied to the feed at once; resolves with the server's answer. */
export function cardAction(id: string, action: CardAction): Promise<unknown> {
  return feed.act(id, action);
}

/** Renders the card feed into `el` and keeps it current (live updates, this device's actions at once). */
export function mountCards(el: HTMLElement, options: FeedOptions = {}): Feed {
  return mountFeed(el, feed, openLink, options);
}

export type { Card, CardAction, Feed, FeedOptions, PendingMessage };
