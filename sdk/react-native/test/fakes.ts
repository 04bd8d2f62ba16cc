/**
 * A fake Beckon server (fetch), a fake WebSocket and AsyncStorage for the component tests:
 * the SDK runs unchanged, and the tests read what it sent.
 */
export interface Sent {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
}

/** The subset of the Fetch Response the SDK reads. */
export function reply(status: number, body: unknown) {
  const text = JSON.stringify(body);
  const res = {
    status,
    ok: status >= 200 && status < 300,
    json: async () => JSON.parse(text) as unknown,
    text: async () => text,
    clone: () => res,
  };
  return res;
}

export type Route = (s: Sent) => ReturnType<typeof reply> | undefined;

export class FakeServer {
  sent: Sent[] = [];
  offline = false;
  inApp: { messages: unknown[]; notBefore: number | null; minIntervalSeconds: number } = {
    messages: [],
    notBefore: null,
    minIntervalSeconds: 0,
  };
  cards: unknown[] = [];
  /** Tried first: a test's special answer (a 401, say). */
  route: Route = () => undefined;

  fetch = async (url: string, init: { method?: string; body?: string } = {}) => {
    const [base, qs = ""] = url.split("?");
    const path = base!.replace(/^https?:\/\/[^/]+/, "");
    const query = Object.fromEntries(
      qs
        .split("&")
        .filter(Boolean)
        .map((p) => p.split("=").map(decodeURIComponent) as [string, string]),
    );
    const s: Sent = {
      method: init.method ?? "GET",
      path,
      query,
      body: init.body ? (JSON.parse(init.body) as Record<string, unknown>) : {},
    };
    if (this.offline) throw new TypeError("Network request failed");
    this.sent.push(s);
    const special = this.route(s);
    if (special) return special;
    if (path === "/v1/in-app") return reply(200, this.inApp);
    if (path === "/v1/cards") return reply(200, { cards: this.cards, unread: 0 });
    return reply(200, { success: true });
  };

  /** Engagement events the SDK reported, in order. */
  engagement(): Array<Record<string, unknown>> {
    return this.sent
      .filter((s) => s.path === "/v1/in-app/events")
      .flatMap((s) => s.body.events as Array<Record<string, unknown>>);
  }

  /** Segment calls sent to /v1/batch, flattened. */
  calls(): Array<Record<string, unknown>> {
    return this.sent
      .filter((s) => s.path === "/v1/batch")
      .flatMap((s) => s.body.batch as Array<Record<string, unknown>>);
  }
}

export class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: unknown) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }
  send() {}
  close() {
    this.readyState = 3;
  }
  /** The server pushes a message to the app. */
  deliver(message: unknown) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

export class MemoryAsyncStorage {
  readonly data = new Map<string, string>();
  getItem = async (k: string) => this.data.get(k) ?? null;
  setItem = async (k: string, v: string) => void this.data.set(k, v);
  removeItem = async (k: string) => void this.data.delete(k);
}

export const message = (key: string, content: Record<string, unknown>, priority = 50) => ({
  key,
  campaignId: `camp-${key}`,
  priority,
  createdAt: Date.now(),
  expiresAt: Date.now() + 3600_000,
  content: { buttons: [], ...content },
});
