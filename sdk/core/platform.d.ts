/**
 * The few runtime globals the core needs, declared structurally so the core compiles
 * without the DOM lib (tsconfig: lib ES2022 only). Browsers, React Native and Node 18+
 * all provide them; anything beyond this list is a platform package's business.
 */
declare function setTimeout(fn: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare const console: { warn(...args: unknown[]): void };
interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  keepalive?: boolean;
}
interface Response {
  readonly status: number;
  readonly ok: boolean;
  json(): Promise<unknown>;
  text(): Promise<string>;
  clone(): Response;
}
declare function fetch(url: string, init?: RequestInit): Promise<Response>;
interface MessageEvent {
  readonly data: unknown;
}
interface WebSocket {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
declare const WebSocket: { new (url: string): WebSocket; readonly OPEN: number };
/** Only browsers have these (the `online` event); guarded with `typeof` at the call sites. */
declare var addEventListener: ((type: string, listener: () => void) => void) | undefined;
declare var removeEventListener: ((type: string, listener: () => void) => void) | undefined;
declare const crypto: { randomUUID?: () => string } | undefined;
/** Base64 decoding: browsers, Node 16+ and React Native (Hermes) have it. */
declare function atob(data: string): string;
