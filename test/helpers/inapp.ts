import { env } from "cloudflare:workers";
import { admin, call, type TestApp } from "./api";

/** Test helpers for in-app messages, cards and the live socket. */

export const modal = (title = "Hello", extra: Record<string, unknown> = {}) => ({
  type: "modal",
  title,
  body: "A message for you",
  buttons: [
    { id: "go", label: "Shop now", action: "deeplink", deepLink: "https://shop.example/cart" },
    { id: "later", label: "Later", action: "dismiss" },
  ],
  ...extra,
});

export async function sendInApp(
  app: TestApp,
  userId: string,
  content: unknown,
  opts: { key?: string; campaignId?: string; clock?: number } = {},
) {
  const res = await admin(app, `/admin/users/${encodeURIComponent(userId)}/in-app`, {
    method: "POST",
    json: {
      content,
      ...(opts.key ? { key: opts.key } : {}),
      ...(opts.campaignId ? { campaignId: opts.campaignId } : {}),
    },
    ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as { key: string; stored: boolean; error?: { problems: Array<{ field: string }> } },
  };
}

export async function addCard(
  app: TestApp,
  userId: string,
  content: unknown,
  opts: { key?: string; campaignId?: string; clock?: number } = {},
) {
  const res = await admin(app, `/admin/users/${encodeURIComponent(userId)}/cards`, {
    method: "POST",
    json: {
      content,
      ...(opts.key ? { key: opts.key } : {}),
      ...(opts.campaignId ? { campaignId: opts.campaignId } : {}),
    },
    ...(opts.clock !== undefined ? { clock: opts.clock } : {}),
  });
  return { status: res.status, body: (await res.json()) as { key: string; stored: boolean } };
}

export async function getJson<T = Record<string, unknown>>(
  path: string,
  clock?: number,
): Promise<{ status: number; body: T }> {
  const res = await call(path, clock !== undefined ? { clock } : {});
  return { status: res.status, body: (await res.json()) as T };
}

export function postText(app: TestApp, path: string, body: Record<string, unknown>, clock?: number) {
  return call(path, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: JSON.stringify({ writeKey: app.writeKey, ...body }),
    ...(clock !== undefined ? { clock } : {}),
  });
}

/** A live connection as an app holds it: collects every message. */
export interface LiveClient {
  ws: WebSocket;
  inbox: Array<Record<string, unknown>>;
  next(pred: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export async function connect(app: TestApp, who: { userId?: string; anonymousId?: string }): Promise<LiveClient> {
  const q = new URLSearchParams({ writeKey: app.writeKey, ...who } as Record<string, string>);
  const res = await call(`/v1/connect?${q}`, { headers: { upgrade: "websocket" } });
  if (res.status !== 101 || !res.webSocket) throw new Error(`connect: ${res.status} ${await res.text()}`);
  const ws = res.webSocket;
  ws.accept();
  const inbox: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  ws.addEventListener("message", (e) => {
    inbox.push(JSON.parse(String(e.data)) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  let cursor = 0;
  return {
    ws,
    inbox,
    /** The next message (after those already returned) matching `pred`. */
    async next(pred, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < inbox.length) {
          const m = inbox[cursor++]!;
          if (pred(m)) return m;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching live message within ${timeoutMs} ms; got ${JSON.stringify(inbox)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, left);
          waiters.push(() => (clearTimeout(t), resolve()));
        });
      }
    },
  };
}

/** Campaign stats rows reach D1 through the INDEX queue: wait for them. */
export async function statsOf(
  campaignId: string,
  until: (rows: Array<{ kind: string; variant: string; n: number }>) => boolean,
  timeoutMs = 10_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { results } = await env.DB.prepare(
      `SELECT kind, variant, COUNT(*) AS n FROM campaign_stats WHERE campaign_id = ? GROUP BY kind, variant ORDER BY kind`,
    )
      .bind(campaignId)
      .all<{ kind: string; variant: string; n: number }>();
    if (until(results) || Date.now() > deadline) return results;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const kinds = (rows: Array<{ kind: string; n: number }>) => Object.fromEntries(rows.map((r) => [r.kind, r.n]));
