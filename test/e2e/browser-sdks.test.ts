import { createServer, type Server } from "node:http";
import { build } from "esbuild";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HeadlessBrowser, launchChromium } from "./browser";
import { E2E_OPERATOR_TOKEN, freePort, type LocalWorker, startLocalWorker } from "./local-worker";

/**
 * The Segment and RudderStack browser SDKs, unchanged from npm, in a real headless Chromium,
 * against `wrangler dev`. The page is served from another loopback origin, so every call is a
 * real cross-origin request with its CORS preflight. What landed is read through the admin API.
 */
let worker: LocalWorker;
let browser: HeadlessBrowser;
let site: Server;
let siteUrl: string;
let app: { appId: string; writeKey: string; adminKey: string };

async function api<T>(
  path: string,
  init: { method?: string; token: string; json?: unknown },
): Promise<{ status: number; body: T }> {
  const res = await fetch(worker.url + path, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${init.token}`, ...(init.json ? { "content-type": "application/json" } : {}) },
    ...(init.json ? { body: JSON.stringify(init.json) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

interface TimelineEntry {
  kind: string;
  detail: { name?: string; type?: string };
}
/** The person's events, oldest first (404 → none yet). */
async function eventNames(userId: string, anonymous = false): Promise<string[]> {
  const res = await api<{ entries: TimelineEntry[] }>(
    `/admin/users/${encodeURIComponent(userId)}/timeline?limit=100${anonymous ? "&anonymous=true" : ""}`,
    { token: app.adminKey },
  );
  if (res.status !== 200) return [];
  return res.body.entries
    .filter((e) => e.kind === "event")
    .map((e) => e.detail.name ?? "")
    .reverse();
}

async function profile(userId: string) {
  return api<{
    profile: {
      traits: Record<string, unknown>;
      counters: { events: number };
      timezone: string | null;
      context?: Record<string, unknown>;
    };
  }>(`/admin/users/${encodeURIComponent(userId)}`, { token: app.adminKey });
}

/** The stored context of each of the person's events (docs/api.md "Context kept"). */
async function eventContexts(userId: string): Promise<Array<Record<string, Record<string, unknown> | string>>> {
  const res = await api<{
    entries: Array<{ kind: string; detail: { context?: Record<string, Record<string, unknown> | string> } }>;
  }>(`/admin/users/${encodeURIComponent(userId)}/timeline?limit=100`, { token: app.adminKey });
  return res.body.entries.filter((e) => e.kind === "event").map((e) => e.detail.context ?? {});
}

/** Bundles an npm entry into an IIFE for the page, as an app's own bundler would. */
async function bundle(contents: string): Promise<string> {
  const out = await build({
    stdin: { contents, resolveDir: import.meta.dirname, loader: "ts" },
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  return out.outputFiles[0]!.text;
}

/** Browser globals inside page.evaluate callbacks (this file is type-checked without the DOM lib). */
interface SdkGlobals {
  AnalyticsBrowser: {
    load(
      settings: object,
      options?: object,
    ): Promise<
      [
        {
          identify(...a: unknown[]): Promise<unknown>;
          track(...a: unknown[]): Promise<unknown>;
          page(...a: unknown[]): Promise<unknown>;
        },
      ]
    >;
  };
  RudderAnalytics: new () => {
    load(writeKey: string, dataPlaneUrl: string, options: object): void;
    ready(cb: () => void): void;
    [call: string]: unknown;
  };
  localStorage: { clear(): void };
  __ajs: Awaited<ReturnType<SdkGlobals["AnalyticsBrowser"]["load"]>>[0];
  __rs: InstanceType<SdkGlobals["RudderAnalytics"]>;
}

beforeAll(async () => {
  const [segmentJs, rudderJs] = await Promise.all([
    bundle(
      `import { AnalyticsBrowser } from "@segment/analytics-next"; (globalThis as any).AnalyticsBrowser = AnalyticsBrowser;`,
    ),
    // The "bundled" build carries its plugins (the default one fetches them from RudderStack's CDN).
    bundle(
      `import { RudderAnalytics } from "@rudderstack/analytics-js/bundled"; (globalThis as any).RudderAnalytics = RudderAnalytics;`,
    ),
  ]);
  const files: Record<string, [string, string]> = {
    "/segment.html": ["text/html", `<!doctype html><title>shop</title><script src="/segment.js"></script>`],
    "/rudder.html": ["text/html", `<!doctype html><title>shop</title><script src="/rudder.js"></script>`],
    "/segment.js": ["text/javascript", segmentJs],
    "/rudder.js": ["text/javascript", rudderJs],
  };
  const port = await freePort();
  site = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://x").pathname];
    res.writeHead(file ? 200 : 404, { "content-type": file?.[0] ?? "text/plain" }).end(file?.[1] ?? "not found");
  });
  await new Promise<void>((r) => site.listen(port, "127.0.0.1", r));
  siteUrl = `http://127.0.0.1:${port}`;
  worker = await startLocalWorker();
  app = (
    await api<{ appId: string; writeKey: string; adminKey: string }>("/admin/apps", {
      method: "POST",
      token: E2E_OPERATOR_TOKEN,
      json: { name: "Browser SDKs", settings: { identityVerification: "off" } },
    })
  ).body;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await new Promise((r) => (site ? site.close(r) : r(undefined)));
});

async function openPage(file: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(siteUrl + file);
  await page.evaluate(() => (globalThis as unknown as SdkGlobals).localStorage.clear());
  return page;
}

/** Calls that left the page towards Beckon, with the status Beckon answered (0: failed in the browser, e.g. CORS). */
function recordCalls(page: Page) {
  const calls: Array<{ method: string; path: string; status: number; retryCount?: string; userId?: unknown }> = [];
  page.on("requestfinished", async (req) => {
    if (!req.url().startsWith(worker.url)) return;
    const res = await req.response();
    const body = (() => {
      try {
        return JSON.parse(req.postData() ?? "null") as { userId?: unknown } | null;
      } catch {
        return null;
      }
    })();
    calls.push({
      method: req.method(),
      path: new URL(req.url()).pathname,
      status: res?.status() ?? 0,
      ...(req.headers()["x-retry-count"] ? { retryCount: req.headers()["x-retry-count"] } : {}),
      ...(body && "userId" in body ? { userId: body.userId } : {}),
    });
  });
  page.on("requestfailed", (req) => {
    if (req.url().startsWith(worker.url))
      calls.push({ method: req.method(), path: new URL(req.url()).pathname, status: 0 });
  });
  return calls;
}

describe("@segment/analytics-next, unchanged, with cdnURL pointed at Beckon", () => {
  it("loads its settings from Beckon and dispatches identify, track and page", async () => {
    const page = await openPage("/segment.html");
    const calls = recordCalls(page);
    await page.evaluate(
      async ({ writeKey, cdnURL }) => {
        const [analytics] = await (globalThis as unknown as SdkGlobals).AnalyticsBrowser.load({ writeKey, cdnURL });
        await analytics.identify("seg-ada", { plan: "pro" });
        await analytics.track("Product Viewed", { sku: "tee" });
        await analytics.page("Shop", "Home");
      },
      { writeKey: app.writeKey, cdnURL: worker.url },
    );
    await expect
      .poll(() => eventNames("seg-ada"), { timeout: 15_000 })
      .toEqual(["Identify", "Product Viewed", "Page Viewed"]);
    expect((await profile("seg-ada")).body.profile.traits.plan).toBe("pro");
    // Every call landed with its context: the browser's user agent, the page, the library.
    for (const context of await eventContexts("seg-ada")) {
      expect(context.userAgent).toContain("Chrome");
      expect(context.library).toMatchObject({ name: "analytics.js" });
      expect(context.page).toMatchObject({ path: "/segment.html" });
    }
    expect(calls.find((c) => c.path === `/v1/projects/${app.writeKey}/settings`)?.status).toBe(200);
    await expect
      .poll(() => calls.filter((c) => c.method === "POST").map((c) => `${c.path} ${c.status}`))
      .toEqual(["/v1/i 200", "/v1/t 200", "/v1/p 200"]);
    await page.close();
  });

  it("batching delivery strategy posts the calls together to /v1/b", async () => {
    const page = await openPage("/segment.html");
    const calls = recordCalls(page);
    await page.evaluate(
      async ({ writeKey, cdnURL }) => {
        const [analytics] = await (globalThis as unknown as SdkGlobals).AnalyticsBrowser.load(
          { writeKey, cdnURL },
          {
            integrations: {
              "Segment.io": { deliveryStrategy: { strategy: "batching", config: { size: 3, timeout: 1000 } } },
            },
          },
        );
        // Batched calls resolve once queued; the batch leaves when it holds 3.
        void analytics.identify("seg-batch", { plan: "team" });
        void analytics.track("Cart Viewed");
        void analytics.track("Checkout Started");
      },
      { writeKey: app.writeKey, cdnURL: worker.url },
    );
    await expect
      .poll(() => eventNames("seg-batch"), { timeout: 15_000 })
      .toEqual(["Identify", "Cart Viewed", "Checkout Started"]);
    await expect
      .poll(() => calls.filter((c) => c.method === "POST").map((c) => `${c.path} ${c.status}`))
      .toEqual(["/v1/b 200"]);
    await page.close();
  });

  it("a call whose first request failed is retried with X-Retry-Count and lands", async () => {
    const page = await openPage("/segment.html");
    const calls = recordCalls(page);
    // The first track request gets a 500 (as from a flaky network edge); after that, the real network.
    let failed = 0;
    await page.route(`${worker.url}/v1/t`, async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      if (failed++ > 0) return route.fallback();
      await route.fulfill({ status: 500, headers: { "access-control-allow-origin": "*" }, body: "{}" });
      await page.unroute(`${worker.url}/v1/t`);
    });
    await page.evaluate(
      async ({ writeKey, cdnURL }) => {
        const [analytics] = await (globalThis as unknown as SdkGlobals).AnalyticsBrowser.load({ writeKey, cdnURL });
        await analytics.identify("seg-retry");
        void analytics.track("Order Completed", { revenue: 12 });
      },
      { writeKey: app.writeKey, cdnURL: worker.url },
    );
    await expect.poll(() => eventNames("seg-retry"), { timeout: 30_000 }).toEqual(["Identify", "Order Completed"]);
    expect(failed).toBe(1);
    // The retry carried X-Retry-Count: its preflight had to allow that header for the call to land.
    await expect
      .poll(() =>
        calls
          .filter((c) => c.method === "POST" && c.path === "/v1/t" && c.retryCount)
          .map((c) => [c.retryCount, c.status]),
      )
      .toEqual([["1", 200]]);
    await page.close();
  });

  it("an unknown write key gets a JSON 404 from the settings endpoint", async () => {
    const res = await fetch(`${worker.url}/v1/projects/not-a-key/settings`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });
});

describe("@rudderstack/analytics-js v3, unchanged, with configUrl and dataPlaneUrl pointed at Beckon", () => {
  it('loads its source config from Beckon, and all 6 calls land, anonymous ones with userId "" included', async () => {
    const page = await openPage("/rudder.html");
    const calls = recordCalls(page);
    const errors: string[] = [];
    page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : undefined));
    const anonymousId = await page.evaluate(
      ({ writeKey, url }) =>
        new Promise<string>((resolve) => {
          const rs = new (globalThis as unknown as SdkGlobals).RudderAnalytics();
          (globalThis as unknown as SdkGlobals).__rs = rs;
          rs.load(writeKey, url, { configUrl: url, logLevel: "ERROR" });
          rs.ready(() => {
            const call = (name: string, ...args: unknown[]) => (rs[name] as (...a: unknown[]) => void)(...args);
            call("page", "Shop", "Home");
            call("track", "Product Viewed", { sku: "tee" });
            const anon = (rs.getAnonymousId as () => string)();
            call("identify", "rs-ada", { plan: "pro" });
            call("track", "Product Added", { sku: "tee" });
            call("group", "acme", { name: "Acme" });
            call("page", "Shop", "Cart");
            resolve(anon);
          });
        }),
      { writeKey: app.writeKey, url: worker.url },
    );
    expect(anonymousId).toBeTruthy();
    // The visitor's two anonymous calls merged into the person at identify: six in all. (The SDK's
    // queue sends them concurrently, so the order they land in is not the order they were made.)
    await expect
      .poll(async () => (await eventNames("rs-ada")).sort(), { timeout: 20_000 })
      .toEqual(["Group", "Identify", "Page Viewed", "Page Viewed", "Product Added", "Product Viewed"]);
    const rsProfile = (await profile("rs-ada")).body.profile;
    expect(rsProfile.traits.plan).toBe("pro");
    // Every call landed with its context; the SDK's `GMT+hhmm` time zone was mapped to a zone, not dropped.
    const contexts = await eventContexts("rs-ada");
    expect(contexts).toHaveLength(6);
    for (const context of contexts) {
      expect(context.userAgent).toContain("Chrome");
      expect(context.library).toMatchObject({ name: "RudderLabs JavaScript SDK" });
      expect(context.page).toMatchObject({ path: "/rudder.html" });
      expect(context.timezone).toMatch(/^GMT[+-]\d{4}$/);
    }
    expect(rsProfile.timezone).toMatch(/^(UTC|Etc\/GMT[+-]\d{1,2}|[+-]\d\d:\d\d)$/);
    expect(calls.find((c) => c.path === "/sourceConfig/")?.status).toBe(200);
    await expect
      .poll(() =>
        calls
          .filter((c) => c.method === "POST")
          .map((c) => `${c.path} ${c.status}`)
          .sort(),
      )
      .toEqual(["/v1/group 200", "/v1/identify 200", "/v1/page 200", "/v1/page 200", "/v1/track 200", "/v1/track 200"]);
    // The anonymous page and track went out with userId "" (the SDK's way), and were accepted.
    expect(
      calls
        .filter((c) => c.method === "POST" && c.userId === "")
        .map((c) => `${c.path} ${c.status}`)
        .sort(),
    ).toEqual(["/v1/page 200", "/v1/track 200"]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
