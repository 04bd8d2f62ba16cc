import type { CardFeed } from "../../core/cards";
import type { Engagement } from "../../core/engagement";
import { type Identity, uuid, withFreshToken } from "../../core/identity";
import type { InAppState } from "../../core/inapp";
import type { Call, KeyValueStorage, OfflineQueue } from "../../core/queue";
import type { InitOptions } from "./options";

/**
 * The running SDK's state, shared by its modules (calls, push, in-app, cards, location).
 * One per process: `init` creates it, `shutdown` ends it.
 */
export interface Session {
  opts: InitOptions & { host: string };
  store: KeyValueStorage | null;
  queue: OfflineQueue<Call>;
  id: Identity;
  engagements: OfflineQueue<Engagement>;
  /** Push opens for `POST /v1/push/opened`, persisted: a tap made offline still reaches the funnel. */
  pushOpens: OfflineQueue<PushOpen>;
  inApp: InAppState;
  cards: CardFeed;
  /** Undone at shutdown: listeners on AppState, push, location, the socket. */
  subscriptions: Array<() => void>;
}

/** One opened push, for the person who received it. */
export interface PushOpen {
  messageId: string;
  who: Record<string, string>;
  key: string;
}

let current: Session | null = null;

export function session(): Session {
  if (!current) throw new Error("beckon: call init() first");
  return current;
}
export const started = (): boolean => current !== null;
export function setSession(s: Session | null): void {
  current = s;
}

export const storageKey = (s: Session, k: string) => `beckon:${s.opts.writeKey}:${k}`;

/** A POST for the current person (write key, who, user token), resent once after a token refresh. */
export function post(path: string, body: Record<string, unknown> = {}): Promise<Response> {
  const s = session();
  return withFreshToken(s.id, () =>
    fetch(s.opts.host + path, {
      method: "POST",
      // text/plain: what the web SDK sends; the server reads the body whatever the type.
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ writeKey: s.opts.writeKey, ...s.id.who(), ...s.id.tokenField(), ...body }),
    }),
  );
}

/** The query string naming the current person (GET routes and the live socket). */
export function personQuery(s: Session): string {
  const q: Record<string, string> = { writeKey: s.opts.writeKey, ...s.id.who(), ...s.id.tokenField() };
  return Object.entries(q)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
}

export async function getJson<T>(path: string): Promise<T> {
  const s = session();
  const res = await withFreshToken(s.id, () => fetch(`${s.opts.host}${path}?${personQuery(s)}`));
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}

/** Opens a deep link: the app's `onDeepLink` first, else `linking.openURL`. Script URLs never open. */
export function openDeepLink(url: string): void {
  const s = session();
  if (/^\s*(javascript|data|vbscript|file):/i.test(url)) return;
  if (s.opts.onDeepLink?.(url) === true) return;
  s.opts.linking?.openURL(url).catch((err: unknown) => console.warn("beckon: could not open", url, err));
}

export const LIBRARY = { name: "@beckon/react-native", version: "0.2.0" };

export function enqueue(call: Omit<Call, "messageId" | "timestamp" | "anonymousId">): void {
  const s = session();
  s.queue.push({
    ...call,
    messageId: uuid(),
    timestamp: new Date().toISOString(),
    anonymousId: s.id.anonymousId,
    ...(s.id.userId ? { userId: s.id.userId } : {}),
    context: { library: LIBRARY, ...(s.opts.app ? { app: s.opts.app } : {}) },
  } as unknown as Call);
}
