import { backoff } from "./rules";

/**
 * The offline queue: Segment calls are persisted (localStorage) before they are sent,
 * sent in batches to `/v1/batch`, and retried with backoff until the server has them.
 * Every call carries a messageId, so a batch sent twice is applied once. The SDK runs a
 * second one for in-app engagement (`/v1/in-app/events`, idempotent per message).
 */

/**
 * Where calls persist: localStorage on the web (synchronous) or AsyncStorage on React Native.
 * Either shape works; a synchronous store keeps the web queue loaded before the first call.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

export interface Queued {
  messageId: string;
}

export interface Call extends Queued {
  type: "identify" | "track" | "page" | "screen" | "alias";
  timestamp: string;
  [k: string]: unknown;
}

export interface QueueOptions<T extends Queued = Call> {
  url: string;
  writeKey: string;
  storage: KeyValueStorage | null;
  storageKey: string;
  /** Send when this many calls are waiting… */
  flushAt: number;
  /** …or this long after the first one arrived (ms). */
  flushInterval: number;
  /** Oldest calls are dropped beyond this (a device offline for days). */
  maxQueued: number;
  /** The next batch from the head of the queue (default: up to 100 calls). */
  take?: (items: T[]) => T[];
  /** A batch's request body (default: Segment's `{ batch, sentAt, writeKey }`). */
  body?: (batch: T[]) => unknown;
  /** Statuses that drop the batch instead of retrying: it can never succeed (default 400, 401, 403, 413). */
  drop?: number[];
  /** Fields added to every default body (the user token). */
  auth?: () => Record<string, unknown>;
  /** A 401: true if it was a user token problem and a fresh token is now set, so the batch is sent once more. */
  refresh?: (res: Response) => Promise<boolean>;
}

const MAX_BATCH = 100;

export class OfflineQueue<T extends Queued = Call> {
  private readonly o: QueueOptions<T>;
  private items: T[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private sending: Promise<void> | null = null;
  private attempt = 0;

  constructor(options: QueueOptions<T>) {
    this.o = options;
    this.items = this.load();
  }

  get size(): number {
    return this.items.length;
  }

  push(call: T): void {
    this.items.push(call);
    if (this.items.length > this.o.maxQueued) this.items.splice(0, this.items.length - this.o.maxQueued);
    this.save();
    if (this.items.length >= this.o.flushAt) void this.flush();
    else this.schedule(this.o.flushInterval);
  }

  /** Cancels the scheduled send (shutdown); what is queued stays in storage for the next start. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Drops everything queued (consent withdrawn). */
  clear(): void {
    this.items = [];
    this.save();
  }

  /** Sends what is queued; resolves when the queue is empty or a send failed (a retry is scheduled). */
  flush(keepalive = false): Promise<void> {
    if (this.sending) return this.sending;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return Promise.resolve();
    this.sending = this.sendAll(keepalive).finally(() => (this.sending = null));
    return this.sending;
  }

  private async sendAll(keepalive: boolean): Promise<void> {
    while (this.items.length > 0) {
      const batch = this.o.take?.(this.items) ?? this.items.slice(0, MAX_BATCH);
      let status = 0;
      const send = () =>
        fetch(this.o.url, {
          method: "POST",
          // text/plain keeps this a "simple" request: no CORS preflight; the server does not trust Content-Type.
          headers: { "content-type": "text/plain" },
          body: JSON.stringify({
            ...(this.o.body?.(batch) ?? { batch, sentAt: new Date().toISOString(), writeKey: this.o.writeKey }),
            ...this.o.auth?.(),
          }),
          keepalive,
        } as RequestInit);
      try {
        let res = await send();
        // An expired or missing user token: the app mints a fresh one, and the batch goes once more.
        if (res.status === 401 && (await this.o.refresh?.(res))) res = await send();
        status = res.status;
      } catch {
        status = 0; // offline or network error
      }
      // 2xx: stored. 400: the valid calls were applied and the rest can never succeed. 401/403/413: same, don't loop.
      const done = (status >= 200 && status < 300) || (this.o.drop ?? [400, 401, 403, 413]).includes(status);
      if (!done) {
        this.schedule(backoff(this.attempt++, 1000, 60_000));
        return;
      }
      if (status >= 400) console.warn(`beckon: batch rejected (${status})`);
      this.attempt = 0;
      const sent = new Set(batch.map((c) => c.messageId));
      this.items = this.items.filter((c) => !sent.has(c.messageId));
      this.save();
    }
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
  }

  /** Resolves once calls persisted by an earlier run are loaded (at once for a synchronous store). */
  readonly ready: Promise<void> = Promise.resolve();

  private load(): T[] {
    try {
      const raw = this.o.storage?.getItem(this.o.storageKey);
      if (raw && typeof raw === "object" && "then" in raw) {
        // Async storage: calls made before it answers go after the persisted ones.
        (this as { ready: Promise<void> }).ready = raw.then(
          (text) => {
            const earlier = this.parse(text);
            if (earlier.length === 0) return;
            const fresh = new Set(this.items.map((c) => c.messageId));
            this.items = [...earlier.filter((c) => !fresh.has(c.messageId)), ...this.items];
            this.save();
            this.schedule(0);
          },
          () => undefined,
        );
        return [];
      }
      const items = this.parse(raw ?? null);
      if (items.length > 0) this.schedule(0);
      return items;
    } catch {
      return [];
    }
  }

  private parse(raw: string | null): T[] {
    try {
      const items: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(items) ? (items as T[]) : [];
    } catch {
      return [];
    }
  }

  private save(): void {
    try {
      const done =
        this.items.length === 0
          ? this.o.storage?.removeItem(this.o.storageKey)
          : this.o.storage?.setItem(this.o.storageKey, JSON.stringify(this.items));
      if (done) done.catch(() => undefined);
    } catch {
      // Storage full or disabled: the calls stay in memory.
    }
  }
}
