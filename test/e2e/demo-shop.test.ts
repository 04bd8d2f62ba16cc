import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HeadlessBrowser, launchChromium } from "./browser";
import { E2E_OPERATOR_TOKEN, type LocalWorker, startLocalWorker } from "./local-worker";

/**
 * The whole path in a real browser: the demo shop (served by the local Worker) loads
 * the SDK, a shopper signs in and adds to cart, an event-triggered campaign decides,
 * the in-app message arrives live over the WebSocket, the click lands in campaign
 * stats, and the journey's content card is still there after a reload.
 */
const ARTIFACTS = join(import.meta.dirname, "../../test-artifacts");

let worker: LocalWorker;
let context: BrowserContext;
let browser: HeadlessBrowser;
let app: { appId: string; writeKey: string; adminKey: string };

async function api<T>(path: string, init: { method?: string; token: string; json?: unknown }): Promise<T> {
  const res = await fetch(worker.url + path, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${init.token}`, ...(init.json ? { "content-type": "application/json" } : {}) },
    ...(init.json ? { body: JSON.stringify(init.json) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Browser globals inside page.evaluate callbacks (this file is type-checked without the DOM lib; the casts are erased). */
interface PageGlobals {
  beckon?: { on(e: string, f: (m: { type: string }) => void): void; consent(c: { analytics: boolean }): Promise<void> };
  __live: Array<{ type: string; at: number }>;
  document: {
    activeElement: { textContent: string | null; closest(selector: string): unknown } | null;
    querySelector(selector: string): { closest(selector: string): unknown } | null;
  };
}

/** Records the time each live message reaches the page. */
async function instrument(page: Page): Promise<void> {
  await page.waitForFunction(() => typeof (globalThis as unknown as PageGlobals).beckon === "object");
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.__live = [];
    w.beckon!.on("live", (m) => w.__live.push({ type: m.type, at: Date.now() }));
  });
}
const liveTypes = (page: Page) => page.evaluate(() => (globalThis as unknown as PageGlobals).__live);

async function signIn(page: Page, userId: string): Promise<void> {
  // Identify is flushed, then the SDK reconnects as the identified person, and the server greets that socket with a sync.
  const synced = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no live sync for ${userId}`)), 15_000);
    page.on("websocket", (ws) => {
      if (!ws.url().includes(`userId=${encodeURIComponent(userId)}`)) return;
      ws.on("framereceived", (f) => {
        if (String(f.payload).includes('"type":"sync"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  });
  await page.getByLabel("User id").fill(userId);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.locator("#who").textContent()).toBe(`Signed in as ${userId}`);
  await synced;
}

beforeAll(async () => {
  worker = await startLocalWorker();
  app = await api("/admin/apps", {
    method: "POST",
    token: E2E_OPERATOR_TOKEN,
    json: {
      name: "E2E shop",
      settings: { quietHours: null, inApp: { minIntervalSeconds: 0 }, identityVerification: "off" },
    },
  });
  browser = await launchChromium({ viewport: { width: 1100, height: 800 } });
  context = browser.context;
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
});

describe("demo shop in a real browser", () => {
  it("identify → add to cart → live in-app message → click in campaign stats → card survives a reload", async () => {
    const campaign = await api<{ id: string }>("/admin/campaigns", {
      method: "POST",
      token: app.adminKey,
      json: {
        name: "Cart nudge",
        trigger: { type: "event", event: "Product Added" },
        reentry: "once",
        steps: [
          {
            type: "message",
            id: "nudge",
            channels: ["in_app"],
            content: {
              in_app: {
                type: "modal",
                title: "Love the {{ event.name }}?",
                body: "Check out in the next hour for free shipping.",
                buttons: [
                  { id: "checkout", label: "Go to cart", action: "deeplink", deepLink: "beckon-demo://cart" },
                  { id: "later", label: "Not now", action: "dismiss" },
                ],
              },
            },
            next: "card",
          },
          {
            type: "message",
            id: "card",
            channels: ["content_card"],
            content: {
              content_card: {
                title: "Free shipping on your {{ event.name }}",
                body: "Saved for you until tomorrow.",
                deepLink: "beckon-demo://cart",
                expiresInSeconds: 86400,
              },
            },
          },
        ],
      },
    });
    await api(`/admin/campaigns/${campaign.id}/activate`, { method: "POST", token: app.adminKey });

    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${worker.url}/demo?writeKey=${encodeURIComponent(app.writeKey)}`);
    await instrument(page);
    await signIn(page, "e2e-shopper");

    // Add to cart: the event reaches the person's object, the journey decides, the message is pushed live.
    const clickedAt = Date.now();
    await page.getByRole("button", { name: "Add to cart" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Love the Beckon Tee?" });
    await dialog.waitFor({ state: "visible", timeout: 10_000 });
    const live = await liveTypes(page);
    const arrived = live.find((m) => m.type === "inapp")!;
    expect(arrived, `the message came over the live socket, not a poll: ${JSON.stringify(live)}`).toBeTruthy();
    // Includes the demo's 300 ms batching of the track call.
    console.log(`in-app message on screen ${arrived.at - clickedAt} ms after "Add to cart"`);
    expect(arrived.at - clickedAt).toBeLessThan(2000);

    // Accessible: a modal dialog, described, focus inside and trapped, buttons labelled.
    expect(await dialog.getAttribute("aria-modal")).toBe("true");
    expect(await dialog.getAttribute("aria-describedby")).toBeTruthy();
    const focusInDialog = () =>
      page.evaluate(() => !!(globalThis as unknown as PageGlobals).document.activeElement?.closest("[role=dialog]"));
    expect(await focusInDialog()).toBe(true);
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press("Tab");
      expect(await focusInDialog()).toBe(true);
    }
    await page.keyboard.press("Shift+Tab");
    expect(await focusInDialog()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, "inapp-message.png") });

    await dialog.getByRole("button", { name: "Go to cart" }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await page.locator("#deeplink").textContent()).toBe("Opened beckon-demo://cart");

    // The click (and impression) are in the campaign's stats.
    const stats = await poll(
      () => api<{ totals: Record<string, number> }>(`/admin/campaigns/${campaign.id}/stats`, { token: app.adminKey }),
      (s) => s.totals.clicked === 1,
    );
    // Both steps were sent (message + card); impressions count the message and, once the feed shows it, the card.
    expect(stats.totals).toMatchObject({ entered: 1, sent: 2, clicked: 1 });
    expect(stats.totals.impression).toBeGreaterThanOrEqual(1);

    // The journey's content card is in the feed, live…
    const card = page.locator(".bk-card", { hasText: "Free shipping on your Beckon Tee" });
    await card.waitFor({ state: "visible", timeout: 10_000 });
    // …and still there after a reload; the message already shown does not come back.
    await page.reload();
    await instrument(page);
    await card.waitFor({ state: "visible", timeout: 10_000 });
    expect(await page.locator("#who").textContent()).toBe("Signed in as e2e-shopper");
    await page.waitForTimeout(500);
    expect(await page.getByRole("dialog").count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, "content-card-after-reload.png") });

    // Card actions: pin is reflected on the server.
    await card.getByRole("button", { name: /^Pin / }).click();
    const feed = await poll(
      () =>
        fetch(`${worker.url}/v1/cards?userId=e2e-shopper&writeKey=${encodeURIComponent(app.writeKey)}`).then(
          (r) => r.json() as Promise<{ cards: Array<{ title: string; pinned: boolean }> }>,
        ),
      (f) => f.cards[0]?.pinned === true,
    );
    expect(feed.cards[0]).toMatchObject({ title: "Free shipping on your Beckon Tee", pinned: true });
    expect(errors).toEqual([]);
  });

  it("Escape closes a message, returns focus and reports the dismissal, even with analytics consent off", async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${worker.url}/demo`);
    await instrument(page);
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, "e2e-second");
    // In-app messages need no opt-in: their engagement is message state and must still reach the server.
    await page.evaluate(() => (globalThis as unknown as PageGlobals).beckon!.consent({ analytics: false }));
    const batches: string[] = [];
    page.on("request", (r) => void (r.url().includes("/v1/batch") && batches.push(r.postData() ?? "")));
    const before = await page.evaluate(
      () => (globalThis as unknown as PageGlobals).document.activeElement?.textContent ?? "",
    );

    await api(`/admin/users/e2e-second/in-app`, {
      method: "POST",
      token: app.adminKey,
      json: {
        key: "e2e:escape",
        campaignId: "manual-e2e",
        content: {
          type: "modal",
          title: "Press Escape",
          body: "This closes with the keyboard.",
          buttons: [{ id: "ok", label: "OK" }],
        },
      },
    });
    const dialog = page.getByRole("dialog", { name: "Press Escape" });
    await dialog.waitFor({ state: "visible", timeout: 10_000 });
    // Modal: the page behind it is inert while it is open.
    const pageInert = () =>
      page.evaluate(
        () => (globalThis as unknown as PageGlobals).document.querySelector("main")!.closest("[inert]") !== null,
      );
    expect(await pageInert()).toBe(true);
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await pageInert()).toBe(false);
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.textContent ?? ""),
    ).toBe(before);

    // A banner is not modal: Escape pressed elsewhere on the page is the page's, not the banner's.
    await api(`/admin/users/e2e-second/in-app`, {
      method: "POST",
      token: app.adminKey,
      json: {
        key: "e2e:banner",
        campaignId: "manual-e2e",
        content: { type: "banner", title: "Free shipping today", body: "On every order." },
      },
    });
    const banner = page.getByRole("region", { name: "Free shipping today" });
    await banner.waitFor({ state: "visible", timeout: 10_000 });
    expect(await pageInert()).toBe(false);
    await page.getByRole("textbox", { name: "User id" }).focus();
    await page.keyboard.press("Escape");
    await page.waitForTimeout(200);
    expect(await banner.count()).toBe(1);
    await banner.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => banner.count()).toBe(0);

    const view = await poll(
      () => api<{ inApp: { messages: unknown[] } }>(`/admin/users/e2e-second/in-app`, { token: app.adminKey }),
      (v) => v.inApp.messages.length === 0, // both the modal and the banner were dismissed
    );
    expect(view.inApp.messages).toEqual([]);
    const timeline = await poll(
      () =>
        api<{ entries: Array<{ kind: string; detail: { kind?: string; key?: string } }> }>(
          `/admin/users/e2e-second/timeline`,
          { token: app.adminKey },
        ),
      (t) => t.entries.some((e) => e.kind === "engagement" && e.detail.kind === "dismiss"),
    );
    expect(
      timeline.entries.some(
        (e) => e.kind === "engagement" && e.detail.kind === "dismiss" && e.detail.key === "e2e:escape",
      ),
    ).toBe(true);
    expect(batches, "no analytics calls while consent is off").toEqual([]);
    await page.evaluate(() => (globalThis as unknown as PageGlobals).beckon!.consent({ analytics: true }));
  });

  it("renders a survey as an accessible form and records the answers", async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${worker.url}/demo`);
    await instrument(page);
    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(page, "e2e-third");
    await api(`/admin/users/e2e-third/in-app`, {
      method: "POST",
      token: app.adminKey,
      json: {
        key: "e2e:survey",
        campaignId: "manual-e2e",
        content: {
          type: "survey",
          title: "Two quick questions",
          submitLabel: "Send answers",
          questions: [
            { id: "nps", prompt: "How would you rate the shop?", kind: "rating", required: true },
            { id: "likes", prompt: "What do you like?", kind: "multi", options: ["Prices", "Speed", "Design"] },
          ],
        },
      },
    });
    const dialog = page.getByRole("dialog", { name: "Two quick questions" });
    await dialog.waitFor({ state: "visible", timeout: 10_000 });
    // Questions are fieldsets named by their prompt; choices are labelled inputs.
    const rating = dialog.getByRole("group", { name: "How would you rate the shop?" });
    await rating.getByLabel("5 of 5").check();
    const likes = dialog.getByRole("group", { name: "What do you like?" });
    await likes.getByLabel("Speed").check();
    await likes.getByLabel("Design").check();
    await page.screenshot({ path: join(ARTIFACTS, "inapp-survey.png") });
    await dialog.getByRole("button", { name: "Send answers" }).click();
    await expect.poll(() => dialog.count()).toBe(0);

    const profile = await poll(
      () =>
        api<{ features: { inapp: { answers: Record<string, unknown> } } }>(`/admin/users/e2e-third`, {
          token: app.adminKey,
        }),
      (p) => Object.keys(p.features.inapp.answers).length === 2,
    );
    expect(profile.features.inapp.answers).toEqual({ likes: ["Speed", "Design"], nps: 5 });
  });
});
