import { exports } from "cloudflare:workers";

export const BASE = "http://beckon.test";
export const OPERATOR = "test-operator-token";

export interface TestApp {
  appId: string;
  writeKey: string;
  adminKey: string;
}

/** A request to the Worker under test, through its real fetch handler. */
export function call(
  path: string,
  init: RequestInit & { json?: unknown; clock?: number | string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  if (init.clock !== undefined)
    headers.set("x-beckon-clock", typeof init.clock === "number" ? String(init.clock) : init.clock);
  return (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default.fetch(
    new Request(BASE + path, { ...init, headers, body: body ?? null }),
  );
}

let counter = 0;
/**
 * Creates a fresh app through the operator API. Identity verification is `off` unless the
 * caller sets it (the operator API's default is `required`): most tests name userIds without tokens.
 */
export async function createTestApp(settings: Record<string, unknown> = {}): Promise<TestApp> {
  const res = await call("/admin/apps", {
    method: "POST",
    headers: { authorization: `Bearer ${OPERATOR}` },
    json: { name: `test app ${++counter}`, settings: { identityVerification: "off", ...settings } },
  });
  if (res.status !== 200) throw new Error(`createTestApp: ${res.status} ${await res.text()}`);
  return (await res.json()) as TestApp;
}

export const basic = (writeKey: string) => `Basic ${btoa(`${writeKey}:`)}`;

export function admin(
  app: TestApp,
  path: string,
  init: RequestInit & { json?: unknown; clock?: number | string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${app.adminKey}`);
  return call(path, { ...init, headers });
}

export function sdk(
  app: TestApp,
  path: string,
  json: unknown,
  init: RequestInit & { clock?: number | string } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", basic(app.writeKey));
  return call(path, { method: "POST", ...init, headers, json });
}
