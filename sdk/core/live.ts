import { backoff } from "./rules";

/**
 * The live connection to the person's object (`GET /v1/connect`): messages decided
 * while the app is open arrive at once. Reconnects with backoff (every deploy closes
 * sockets); on each (re)connect the server sends a full `sync`, so nothing is missed.
 */
/**
 * The socket as used here, typed locally: the core is also compiled inside the Worker's
 * tsconfig (tests import it), whose WebSocket type has no `on*` handlers.
 */
interface Socket {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
const OPEN = 1;
type Listen = ((type: string, listener: () => void) => void) | undefined;
const g = globalThis as unknown as {
  WebSocket: new (url: string) => Socket;
  addEventListener: Listen;
  removeEventListener: Listen;
};

export class LiveConnection {
  private ws: Socket | null = null;
  private attempt = 0;
  private retry: ReturnType<typeof setTimeout> | undefined = undefined;
  private stopped = false;
  /** Built at each (re)connect: it carries the user token, which may have been refreshed meanwhile. */
  private readonly url: () => string | Promise<string>;
  private readonly onMessage: (m: Record<string, unknown>) => void;
  private readonly onOnline = () => this.reconnectNow();

  constructor(url: () => string | Promise<string>, onMessage: (m: Record<string, unknown>) => void) {
    this.url = url;
    this.onMessage = onMessage;
    // Browsers announce a regained network; React Native has no such global event.
    if (typeof g.addEventListener === "function") g.addEventListener("online", this.onOnline);
    void this.open();
  }

  get connected(): boolean {
    return this.ws?.readyState === OPEN;
  }

  send(message: unknown): boolean {
    if (!this.connected) return false;
    this.ws!.send(JSON.stringify(message));
    return true;
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    if (typeof g.removeEventListener === "function") g.removeEventListener("online", this.onOnline);
    this.ws?.close(1000, "closed by the app");
    this.ws = null;
  }

  private reconnectNow(): void {
    if (this.stopped || this.connected) return;
    clearTimeout(this.retry);
    this.attempt = 0;
    void this.open();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    let ws: Socket;
    try {
      const url = await this.url();
      if (this.stopped) return;
      ws = new g.WebSocket(url);
    } catch {
      return this.scheduleReconnect();
    }
    this.ws = ws;
    ws.onopen = () => (this.attempt = 0);
    ws.onmessage = (e) => {
      try {
        this.onMessage(JSON.parse(String(e.data)) as Record<string, unknown>);
      } catch (err) {
        console.warn("beckon: bad live message", err);
      }
    };
    ws.onclose = () => {
      if (this.ws === ws) this.ws = null;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.open(), backoff(this.attempt++, 500, 30_000));
  }
}
