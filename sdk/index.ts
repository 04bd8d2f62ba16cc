/**
 * Beckon web SDK: Segment-compatible tracking with an offline queue, consent,
 * Web Push registration, in-app messages (fetched on start and pushed live) and a
 * content-card feed. ES module, no dependencies.
 *
 *   import * as beckon from "https://beckon.example.com/sdk/beckon.js";
 *   beckon.init({ writeKey: "wk_…" });
 *   beckon.identify("user-42", { email: "ada@example.com" }, { userToken }); // token: from your backend
 *   beckon.track("Product Added", { sku: "TEE-1", price: 25 });
 *
 * This file is the tracking API; the shared state is session.ts, messages and cards messages.ts,
 * Web Push web-push.ts.
 */
import type { Feed, FeedOptions } from "./cards";
import type { Card, CardAction } from "./core/cards";
import { uuid } from "./core/identity";
import { type Call, OfflineQueue } from "./core/queue";
import type { PendingMessage } from "./core/rules";
import { closeLive, engagements, feed, inApp, startInApp, startMessages } from "./messages";
import { get, id, type InitOptions, key, opts, post, set, startSession, storage, tokenField } from "./session";

export const VERSION = "1.0.0";

type ChannelStatus = "opted_in" | "opted_out" | "unknown";
export interface Consent {
  analytics?: boolean;
  push?: ChannelStatus;
  email?: ChannelStatus;
  sms?: ChannelStatus;
  whatsapp?: ChannelStatus;
}

let queue: OfflineQueue;
let analyticsAllowed = true;

/** Starts the SDK. Call once, before anything else. */
export function init(options: InitOptions): void {
  if (!options?.writeKey) throw new Error("beckon.init: writeKey is required");
  if (!startSession(options)) return console.warn("beckon.init: already initialised");
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
  startMessages();
  const flushAll = (keepalive?: boolean) => void Promise.all([queue.flush(keepalive), engagements.flush(keepalive)]);
  addEventListener("online", () => flushAll());
  addEventListener("visibilitychange", () => document.visibilityState === "hidden" && flushAll(true));
  if (opts.inApp) void startInApp();
}

// ───────────────────────── identity verification ─────────────────────────

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
  closeLive();
  inApp.clear();
  if (opts.inApp) void startInApp();
}

/** The current identity. */
export function user(): { userId: string | null; anonymousId: string } {
  return { userId: id.userId, anonymousId: id.anonymousId };
}

export { on } from "./session";
export { registerWebPush } from "./web-push";
export { cardAction, getCards, mountCards } from "./messages";
export type { Card, CardAction, Feed, FeedOptions, InitOptions, PendingMessage };
