import { Identity, type RefreshUserToken, withFreshToken } from "./core/identity";

/**
 * What every part of the web SDK shares once `init` ran: the options, storage, the person's
 * identity, SDK events, and requests to Beckon with the write key and user token. Assigned only
 * here (`startSession`); the other modules read these live bindings.
 */

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

export let opts: Required<Pick<InitOptions, "writeKey" | "host" | "inApp" | "live">> & InitOptions;
export let storage: Storage | null = null;
/** Anonymous id, user id and user token (memory only: the app hands it over on each page load). */
export let id: Identity;
const listeners = new Map<string, Set<Listener>>();

/** Takes the options and loads the identity; false when the SDK was already started. */
export function startSession(options: InitOptions): boolean {
  if (opts) return false;
  opts = { inApp: true, live: true, host: defaultHost(), ...options };
  opts.host = opts.host.replace(/\/+$/, "");
  storage = options.storage !== undefined ? options.storage : typeof localStorage !== "undefined" ? localStorage : null;
  id = new Identity({ storage, key, userToken: options.userToken, refreshUserToken: options.refreshUserToken });
  void id.load();
  return true;
}

function defaultHost(): string {
  try {
    return new URL(import.meta.url).origin;
  } catch {
    return location.origin;
  }
}

export const key = (k: string) => `beckon:${opts.writeKey.slice(-8)}:${k}`;
export const get = (k: string) => {
  try {
    return storage?.getItem(key(k)) ?? null;
  } catch {
    return null;
  }
};
export const set = (k: string, v: string | null) => {
  try {
    if (v === null) storage?.removeItem(key(k));
    else storage?.setItem(key(k), v);
  } catch {
    // storage disabled
  }
};

export const who = () => id.who();
/** Identity verification: the user token as a body field or query parameter. */
export const tokenField = () => id.tokenField();

/**
 * Subscribe to SDK events: "inapp:shown", "inapp:click", "inapp:dismiss", "inapp:answer", "cards" (the feed,
 * after every change), "live". Returns an unsubscribe function.
 */
export function on(event: string, fn: Listener): () => void {
  if (!listeners.has(event)) listeners.set(event, new Set());
  listeners.get(event)!.add(fn);
  return () => void listeners.get(event)?.delete(fn);
}
export function fire(event: string, data: unknown = null): void {
  for (const fn of listeners.get(event) ?? []) fn(data);
}

const withToken = (send: () => Promise<Response>) => withFreshToken(id, send);
export async function post(path: string, body: Record<string, unknown>): Promise<Response> {
  return withToken(() =>
    fetch(opts.host + path, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ writeKey: opts.writeKey, ...who(), ...tokenField(), ...body }),
    }),
  );
}
export const query = () => new URLSearchParams({ writeKey: opts.writeKey, ...who(), ...tokenField() });
export async function getJson<T>(path: string): Promise<T> {
  const res = await withToken(() => fetch(`${opts.host}${path}?${query()}`));
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return (await res.json()) as T;
}
