import { mkdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedDemo } from "../../scripts/demo-seed.mjs";
import { type HeadlessBrowser, launchChromium } from "./browser";
import { E2E_OPERATOR_TOKEN, type LocalWorker, startLocalWorker } from "./local-worker";

/**
 * The operator console in a real headless Chromium against `wrangler dev`: a marketer signs in,
 * sees a fresh app's empty states, creates and activates the cart-abandonment campaign, and
 * finds the reminder on the shopper's timeline and in the campaign report. Every screen is
 * checked with axe-core and saved as a screenshot in test-artifacts/console/.
 */
const ARTIFACTS = join(import.meta.dirname, "../../test-artifacts/console");
const axeSource = readFile(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let worker: LocalWorker;
let browser: HeadlessBrowser;
let page: Page;
let app: { appId: string; writeKey: string; adminKey: string };

async function shot(name: string) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical violations on the current screen (none allowed). */
async function accessibilityProblems(): Promise<string[]> {
  await page.evaluate(await axeSource);
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    return (await axe.run()).violations;
  });
  return result
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

async function signIn(key: string) {
  await page.goto(`${worker.url}/console/`);
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.getByLabel("Admin key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

async function visit(path: string, heading: string, name: string) {
  await page.goto(`${worker.url}/console${path}`);
  await page.getByRole("heading", { level: 1, name: heading }).waitFor();
  await page
    .getByText(/^Loading/)
    .first()
    .waitFor({ state: "detached" })
    .catch(() => undefined);
  await shot(name);
  expect(await accessibilityProblems(), `${name} screen`).toEqual([]);
}

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  worker = await startLocalWorker();
  const res = await fetch(`${worker.url}/admin/apps`, {
    method: "POST",
    headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
    // No quiet hours: the reminder must leave at once whatever the hour the test runs at.
    body: JSON.stringify({ name: "Console shop", settings: { identityVerification: "off", quietHours: null } }),
  });
  app = (await res.json()) as typeof app;
  browser = await launchChromium({ viewport: { width: 1280, height: 860 } });
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
});

describe("operator console", () => {
  it("is served with security headers, and every deep link gets the app shell", async () => {
    const res = await fetch(`${worker.url}/console/people/ada`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    const missing = await fetch(`${worker.url}/console/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("refuses a wrong key with a clear message, then signs in with the admin key", async () => {
    await page.goto(`${worker.url}/console/`);
    await page.getByLabel("Admin key").fill("not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/Sign-in failed/);
    await shot("sign-in-refused");
    expect(await accessibilityProblems()).toEqual([]);

    await page.getByLabel("Admin key").fill(app.adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "No people yet" }).waitFor();
    expect(page.url()).not.toContain(app.adminKey);
    await shot("overview-empty");
    expect(await accessibilityProblems()).toEqual([]);
  });

  it("shows every screen of a fresh app with its empty state and no serious accessibility problem", async () => {
    await visit("/campaigns", "Campaigns", "campaigns-empty");
    await expect.poll(() => page.getByRole("heading", { name: "No campaigns yet" }).count()).toBe(1);
    await visit("/people", "People", "people-empty");
    await visit("/segments", "Segments", "segments-empty");
    await expect.poll(() => page.locator(".live-preview").textContent()).toMatch(/0 of 0 people match/);
    await visit("/locations", "Locations", "locations-empty");
    // The sample GeoJSON in the import box becomes a fence on the offline map, located on the world inset.
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByRole("rowheader", { name: "Flagship store" }).waitFor();
    await expect
      .poll(() => page.getByRole("img", { name: /World map locating 1 fences at 48\.857, 2\.352/ }).count())
      .toBe(1);
    await shot("locations");
    expect(await accessibilityProblems()).toEqual([]);
    await visit("/delivery", "Delivery", "delivery-empty");
    await visit("/settings", "Settings", "settings");
    await expect.poll(() => page.getByLabel("Settings (JSON)").inputValue()).toContain('"identityVerification": "off"');
  });

  it("a marketer creates and activates cart abandonment, and sees the reminder on the shopper's timeline and in the report", async () => {
    // Built on the canvas and its panels, without typing JSON.
    await visit("/campaigns/new", "New campaign", "campaign-new");
    const panel = page.getByRole("complementary", { name: "Selected node" });
    await panel.getByLabel("Campaign name").fill("Cart reminder");
    await panel.getByLabel("Trigger").selectOption("inaction");
    await expect.poll(() => panel.getByLabel("Started by event").inputValue()).toBe("Product Added");
    await panel.getByLabel("Cancelled by event").fill("Order Completed");
    await panel.getByLabel("Matched on property (key)").fill("cart_id");
    await panel.getByLabel("Remind after: unit").selectOption("seconds");
    await panel.getByLabel("Remind after: amount").fill("5");
    await panel.getByLabel("Conversion event").fill("Order Completed");
    // The message step, reached from the outline by keyboard.
    await page
      .getByRole("navigation", { name: "Journey outline" })
      .getByRole("button", { name: /hello \(message\)/ })
      .focus();
    await page.keyboard.press("Enter");
    await panel.getByRole("heading", { name: "message step" }).waitFor();
    await panel.getByLabel("Step id").fill("reminder");
    await panel.getByLabel("push title").fill("Still thinking?");
    await panel.getByLabel("push body").fill("Your {{ event.product }} is waiting");
    await panel.getByRole("checkbox", { name: "email" }).check();
    await panel.getByLabel("email subject").fill("{{ user.first_name }}, you left something behind");
    await panel.getByLabel("email html body").fill("<p>{{ event.product }}</p>");
    await expect.poll(() => page.locator(".jnode-message .jnode-summary").textContent()).toBe("push → email");
    await shot("campaign-canvas");
    expect(await accessibilityProblems()).toEqual([]);

    // Too short a window: refused, and the problem is shown on the trigger node and beside its field.
    await page.getByRole("button", { name: "Save as draft" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toMatch(/trigger\.within/);
    await expect.poll(() => page.locator(".jnode-trigger.invalid").count()).toBe(1);
    await page
      .getByRole("navigation", { name: "Journey outline" })
      .getByRole("button", { name: /Entry and goal/ })
      .click();
    await expect.poll(() => panel.locator(".field-error").first().textContent()).toContain("at least 60 seconds");
    await shot("campaign-invalid");
    await panel.getByLabel("Remind after: unit").selectOption("minutes");
    await panel.getByLabel("Remind after: amount").fill("30");
    // The JSON beside the canvas is the same definition.
    await page.getByRole("tab", { name: "JSON" }).click();
    const json = JSON.parse(await page.getByLabel("Campaign definition (JSON)").inputValue()) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({
      name: "Cart reminder",
      trigger: {
        type: "inaction",
        start: { event: "Product Added" },
        cancel: { event: "Order Completed" },
        key: "cart_id",
        within: { minutes: 30 },
      },
      goal: { event: "Order Completed" },
      steps: [{ id: "reminder", channels: ["push", "email"] }],
    });
    await page.getByRole("tab", { name: "Canvas" }).click();
    await page.getByRole("button", { name: "Save as draft" }).click();
    await page.getByRole("heading", { level: 1, name: "Cart reminder" }).waitFor();

    // Before activation: the reminder previewed for the real shopper, then test-sent to her.
    const sdk = { authorization: `Basic ${btoa(`${app.writeKey}:`)}`, "content-type": "application/json" };
    const now = Date.now();
    const known = await fetch(`${worker.url}/v1/batch`, {
      method: "POST",
      headers: sdk,
      body: JSON.stringify({
        batch: [
          {
            type: "identify",
            userId: "ada",
            traits: { email: "ada@example.com", first_name: "Ada" },
            timestamp: new Date(now - 41 * 60_000).toISOString(),
          },
        ],
        sentAt: new Date(now).toISOString(),
      }),
    });
    expect(known.status).toBe(200);
    await expect.poll(() => page.locator(".estimate").textContent(), { timeout: 15_000 }).toMatch(/reach: \d/);
    await page
      .getByRole("navigation", { name: "Journey outline" })
      .getByRole("button", { name: /reminder \(message\)/ })
      .click();
    const preview = page.getByRole("region", { name: "Message preview" });
    // The users index is written from a queue: search (alternating prefixes, so each try asks again) until it has her.
    let attempt = 0;
    await vi.waitFor(
      async () => {
        await preview.getByLabel("Preview for person").fill(attempt++ % 2 ? "ad" : "ada");
        await preview.getByRole("button", { name: "ada", exact: true }).click({ timeout: 1000 });
      },
      { timeout: 30_000, interval: 1000 },
    );
    await preview.getByLabel("Property 1 name").fill("product");
    await preview.getByLabel("Property 1 value").fill("Trail shoes");
    await preview.getByRole("group", { name: "Preview channel" }).getByRole("button", { name: "email" }).click();
    await expect
      .poll(() => preview.locator(".email-head").textContent(), { timeout: 15_000 })
      .toContain("Ada, you left something behind");
    await expect
      .poll(() => preview.frameLocator('iframe[title="Email body"]').locator("body").textContent())
      .toContain("Trail shoes");
    await preview.getByRole("group", { name: "Preview channel" }).getByRole("button", { name: "push" }).click();
    await expect
      .poll(() => preview.getByRole("figure", { name: "iOS lock screen" }).textContent(), { timeout: 15_000 })
      .toContain("Your Trail shoes is waiting");
    // A Liquid error is shown beside its field.
    await panel.getByLabel("push title").fill("Still thinking {{ user.first_name ");
    await expect
      .poll(() => panel.locator(".field-error").first().textContent(), { timeout: 15_000 })
      .toMatch(/template/);
    await shot("composer-liquid-error");
    await panel.getByLabel("push title").fill("Still thinking?");
    await preview.getByRole("group", { name: "Preview channel" }).getByRole("button", { name: "email" }).click();
    await shot("composer-preview");
    expect(await accessibilityProblems()).toEqual([]);
    await preview.getByRole("button", { name: "Test send (email)" }).click();
    await expect
      .poll(() => preview.locator(".actions").textContent(), { timeout: 15_000 })
      .toMatch(/Test email queued for ada/);
    // Push has no device: refused, with the reason.
    await preview.getByRole("group", { name: "Preview channel" }).getByRole("button", { name: "push" }).click();
    await preview.getByRole("button", { name: "Test send (push)" }).click();
    await expect
      .poll(() => preview.getByRole("alert").textContent(), { timeout: 15_000 })
      .toMatch(/Not sent: ada cannot receive push/);
    await shot("composer-test-send");
    await preview.getByRole("link", { name: "timeline" }).click();
    await page.getByRole("heading", { level: 1, name: "ada" }).waitFor();
    await expect.poll(() => page.locator(".timeline").textContent(), { timeout: 15_000 }).toMatch(/test send by/);
    await page.goBack();
    await page.getByRole("heading", { level: 1, name: "Cart reminder" }).waitFor();
    await page.getByRole("button", { name: "Activate" }).click();
    await page.getByText("active", { exact: true }).waitFor();
    await shot("campaign-active");
    expect(await accessibilityProblems()).toEqual([]);

    // The shop's SDK reports a cart left 40 minutes ago: its 30-minute deadline has passed, so the reminder is due at once.
    const batch = [
      {
        type: "identify",
        userId: "ada",
        traits: { email: "ada@example.com", first_name: "Ada" },
        timestamp: new Date(now - 41 * 60_000).toISOString(),
      },
      {
        type: "track",
        userId: "ada",
        event: "Product Added",
        properties: { product: "Trail shoes", cart_id: "c1" },
        timestamp: new Date(now - 40 * 60_000).toISOString(),
      },
    ];
    const sent = await fetch(`${worker.url}/v1/batch`, {
      method: "POST",
      headers: sdk,
      body: JSON.stringify({ batch, sentAt: new Date(now).toISOString() }),
    });
    expect(sent.status).toBe(200);

    // People: search finds Ada; her timeline says the reminder left by email (no push device).
    // The users index is written from a queue: search until it has her.
    await visit("/people", "People", "people");
    await vi.waitFor(
      async () => {
        await page.getByLabel("User id, email or phone").fill("ad");
        await page.getByRole("button", { name: "Search" }).click();
        await page.getByRole("link", { name: "ada" }).waitFor({ timeout: 1000 });
      },
      { timeout: 30_000, interval: 1000 },
    );
    await page.getByRole("link", { name: "ada" }).click();
    await page.getByRole("heading", { level: 1, name: "ada" }).waitFor();
    await vi.waitFor(
      async () => {
        await page.reload();
        await page.getByRole("heading", { name: "Timeline" }).waitFor();
        await page.getByLabel("Filter (campaign, kind or reason)").fill("cart reminder");
        await expect.poll(() => page.locator(".timeline").textContent(), { timeout: 2000 }).toMatch(/sent by email/);
      },
      { timeout: 30_000, interval: 1000 },
    );
    await shot("person");
    expect(await accessibilityProblems()).toEqual([]);

    // The campaign report counts her: entered and sent.
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("heading", { level: 1, name: "Campaigns" }).waitFor();
    await page.getByRole("link", { name: "Cart reminder" }).click();
    await vi.waitFor(
      async () => {
        await page.reload();
        const row = page.locator(".funnel tbody tr").first();
        await expect.poll(() => row.textContent(), { timeout: 2000 }).toMatch(/^A1\s*1/); // variant A: 1 entered, 1 sent
      },
      { timeout: 30_000, interval: 1000 },
    );
    await shot("campaign-report");

    // Overview: one person, and the send in the last 30 days.
    await visit("/", "Overview", "overview");
    await expect.poll(() => page.locator(".kpi").first().textContent()).toContain("1");
    await expect.poll(() => page.locator(".funnel-line").textContent()).toMatch(/sent\s*1/);

    // Delivery: the sandbox send is in the log.
    await visit("/delivery", "Delivery", "delivery");
    await expect.poll(() => page.locator("table").first().textContent()).toContain("sandbox");
  });

  it("npm start's demo app is a living console: sample campaigns of every use case and shoppers with history", async () => {
    const res = await fetch(`${worker.url}/admin/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Demo shop", settings: { identityVerification: "off" } }),
    });
    const demo = (await res.json()) as typeof app;
    expect(await seedDemo({ base: worker.url, adminKey: demo.adminKey, writeKey: demo.writeKey })).toMatchObject({
      seeded: true,
      campaigns: 8,
      people: 30,
    });
    expect(await seedDemo({ base: worker.url, adminKey: demo.adminKey, writeKey: demo.writeKey })).toEqual({
      seeded: false,
    });
    const { campaigns } = (await (
      await fetch(`${worker.url}/admin/campaigns`, { headers: { authorization: `Bearer ${demo.adminKey}` } })
    ).json()) as { campaigns: { name: string; status: string }[] };
    expect(
      campaigns
        .filter((c) => c.status === "active")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["Cart abandonment", "Onboarding"]);

    await page.goto(`${worker.url}/console/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByLabel("Admin key").fill(demo.adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator(".kpi").first().textContent(), { timeout: 15_000 }).toContain("30");
    await page.locator(".rfm-grid").waitFor();
    await shot("demo-overview");
    expect(await accessibilityProblems()).toEqual([]);
    await visit("/campaigns", "Campaigns", "demo-campaigns");
    await visit("/people", "People", "demo-people");
    // The segment builder's live count over the demo's shoppers (all 30 are in the index by now).
    await visit("/segments", "Segments", "demo-segments");
    await expect
      .poll(() => page.locator(".live-preview").textContent(), { timeout: 10_000 })
      .toMatch(/of 30 people match/);
    await page.getByRole("button", { name: "Sign out" }).click();
  });

  it("shows versions with a diff, and an activation over the threshold waits for another approver", async () => {
    const operator = { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" };
    const owner = { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" };
    const settings = await fetch(`${worker.url}/admin/app/settings`, {
      method: "PATCH",
      headers: owner,
      body: JSON.stringify({ approvals: { audienceOver: 0 } }),
    });
    expect(settings.status).toBe(200);
    await signIn(app.adminKey);
    await visit("/campaigns", "Campaigns", "campaigns-estimates");
    await expect.poll(() => page.locator("table").textContent(), { timeout: 15_000 }).toMatch(/reach: \d/);
    await page.getByRole("link", { name: "Cart reminder" }).click();
    await page.getByRole("heading", { level: 1, name: "Cart reminder" }).waitFor();
    await page.getByRole("button", { name: "Duplicate" }).click();
    await page.getByRole("heading", { level: 1, name: "Cart reminder (copy)" }).waitFor();
    // A second version with a changed push title, and the diff between the two.
    await page
      .getByRole("navigation", { name: "Journey outline" })
      .getByRole("button", { name: /reminder \(message\)/ })
      .click();
    const panel = page.getByRole("complementary", { name: "Selected node" });
    await panel.getByLabel("push title").fill("Your cart misses you");
    await page.getByRole("button", { name: "Save new version" }).click();
    await page.getByText("Saved as version 2.").waitFor();
    const diff = page.getByRole("region", { name: "Changes from v1 to v2" });
    await expect.poll(() => diff.textContent(), { timeout: 15_000 }).toContain("Your cart misses you");
    expect(await diff.textContent()).toContain("Still thinking?");
    await page.getByRole("heading", { name: "Version history" }).scrollIntoViewIfNeeded();
    await shot("campaign-version-diff");
    expect(await accessibilityProblems()).toEqual([]);

    // The owner asks; the activation waits, and the owner may not approve their own request.
    await page.getByRole("button", { name: "Activate" }).click();
    await expect
      .poll(() => page.locator(".badge-pending").textContent(), { timeout: 15_000 })
      .toMatch(/pending approval/);
    await visit("/approvals", "Approvals", "approvals-pending");
    await page.getByRole("button", { name: "Approve" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent(), { timeout: 15_000 })
      .toMatch(/own|requester|another|different/i);

    // An approver (an editor key with the approver right) approves it.
    const approverKey = (await (
      await fetch(`${worker.url}/admin/apps/${app.appId}/keys`, {
        method: "POST",
        headers: operator,
        body: JSON.stringify({ kind: "admin", label: "approver", role: "editor", approver: true }),
      })
    ).json()) as { key: string };
    const second = await browser.context.newPage();
    await second.goto(`${worker.url}/console/approvals`);
    await second.getByLabel("Admin key").fill(approverKey.key);
    await second.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => second.getByLabel("Role").textContent(), { timeout: 15_000 }).toMatch(/editor \+ approver/);
    await second.goto(`${worker.url}/console/approvals`);
    await second.getByRole("heading", { level: 1, name: "Approvals" }).waitFor();
    await second.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => second.getByRole("status").first().textContent(), { timeout: 15_000 }).toMatch(/Approved/);
    await second.close();
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "Cart reminder (copy)" }).click();
    // The campaign's own page, not the list still on screen (its filter buttons say "active" too).
    await page.getByRole("heading", { level: 1, name: "Cart reminder (copy)" }).waitFor();
    await page.getByText("active", { exact: true }).waitFor();
    await fetch(`${worker.url}/admin/app/settings`, {
      method: "PATCH",
      headers: owner,
      body: JSON.stringify({ approvals: null }),
    });
  });

  it("a viewer key sees its role and no enabled edit action", async () => {
    const operator = { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" };
    const viewer = (await (
      await fetch(`${worker.url}/admin/apps/${app.appId}/keys`, {
        method: "POST",
        headers: operator,
        body: JSON.stringify({ kind: "admin", label: "viewer", role: "viewer" }),
      })
    ).json()) as { key: string };
    await page.goto(`${worker.url}/console/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByLabel("Admin key").fill(viewer.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByLabel("Role").textContent(), { timeout: 15_000 }).toMatch(/viewer/);
    await visit("/campaigns", "Campaigns", "viewer-campaigns");
    expect(await page.getByRole("link", { name: "New campaign" }).count()).toBe(0);
    const create = page.getByRole("button", { name: "New campaign" });
    expect(await create.isDisabled()).toBe(true);
    expect(await create.getAttribute("title")).toMatch(/editor role/);
    await page.getByRole("link", { name: "Cart reminder", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Cart reminder" }).waitFor();
    for (const name of ["Pause", "Archive", "Duplicate", "Save new version"])
      expect(await page.getByRole("button", { name }).isDisabled(), name).toBe(true);
    await shot("viewer-campaign");
    expect(await accessibilityProblems()).toEqual([]);
    await visit("/settings", "Settings", "viewer-settings");
    expect(await page.getByRole("button", { name: /^Save/ }).first().isDisabled()).toBe(true);
    await page.evaluate(() => sessionStorage.clear());
  });

  it("signs out, and a revoked key sends the marketer back to sign-in with the reason", async () => {
    await page.goto(`${worker.url}/console/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByLabel("Admin key").fill(app.adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Admin key").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    const operator = { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" };
    const created = (await (
      await fetch(`${worker.url}/admin/apps/${app.appId}/keys`, {
        method: "POST",
        headers: operator,
        body: JSON.stringify({ kind: "admin", label: "temp" }),
      })
    ).json()) as { key: string; prefix: string };
    await page.getByLabel("Admin key").fill(created.key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.locator("body").innerText(), { timeout: 15_000 }).toMatch(/Overview/);
    const revoked = await fetch(`${worker.url}/admin/apps/${app.appId}/keys/${created.prefix}`, {
      method: "DELETE",
      headers: operator,
    });
    expect(revoked.status).toBe(200);
    await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Campaigns" }).click();
    await expect
      .poll(() => page.getByRole("status").first().textContent(), { timeout: 15_000 })
      .toMatch(/admin key was refused/);
    await page.getByLabel("Admin key").waitFor();
  });
  it("builds a segment with the condition builder, and the live count follows each change", async () => {
    const shop = await newShop("Builder shop");
    await sendEvents(
      shop,
      ["ada", "bob", "cy"].map((userId) => ({ type: "identify", userId, traits: { plan: "pro" } })),
    );
    await signInWith(shop.adminKey);
    await visit("/segments", "Segments", "segment-builder");
    const preview = page.locator(".live-preview");
    // The sample (active and 2+ purchases) matches nobody among three new people (the index is written from a queue).
    await vi.waitFor(
      async () => {
        await page.reload();
        await expect.poll(() => preview.textContent(), { timeout: 2000 }).toMatch(/^0 of 3 people match/);
      },
      { timeout: 30_000, interval: 1000 },
    );
    const builder = page.getByRole("group", { name: "Who is in the segment" });
    await builder.getByRole("button", { name: "Remove condition 2" }).click();
    await builder.getByRole("checkbox", { name: "new", exact: true }).check();
    await expect.poll(() => preview.textContent()).toMatch(/^3 of 3 people match/);
    // The JSON beside the builder is the same filter; invalid text shows the parse error and keeps the builder.
    const json = page.getByLabel("Who is in the segment as JSON");
    expect(JSON.parse(await json.inputValue())).toEqual({
      type: "and",
      filters: [{ type: "lifecycle", in: ["active", "new"] }],
    });
    await json.fill('{"type": "and", "filters": [');
    await expect.poll(() => builder.getByRole("alert").textContent()).toMatch(/Not valid JSON/);
    expect(await builder.getByRole("checkbox", { name: "new", exact: true }).isChecked()).toBe(true);
    await json.fill('{"type": "and", "filters": [{"type": "lifecycle", "in": ["dormant"]}]}');
    await expect.poll(() => builder.getByRole("checkbox", { name: "dormant", exact: true }).isChecked()).toBe(true);
    await expect.poll(() => preview.textContent()).toMatch(/^0 of 3 people match/);
    // Back to new people, with a context condition on the app version (compared as a version).
    await builder.getByRole("checkbox", { name: "dormant", exact: true }).uncheck();
    await builder.getByRole("checkbox", { name: "new", exact: true }).check();
    await builder.getByLabel("New condition in conditions").selectOption("property");
    await builder.getByRole("button", { name: "Add condition" }).click();
    await builder.getByLabel("Condition 2: read from").selectOption("context");
    await builder.getByLabel("Condition 2: property path").fill("app.version");
    await builder.getByLabel("Condition 2: operator").selectOption("gte");
    await builder.getByLabel("Condition 2: value").fill("3.2.0");
    expect(JSON.parse(await json.inputValue()).filters[1]).toEqual({
      type: "context",
      property: "app.version",
      op: "gte",
      value: "3.2.0",
    });
    await expect.poll(() => preview.textContent()).toMatch(/people match/);
    await shot("segment-builder-filled");
    expect(await accessibilityProblems()).toEqual([]);
    await page.getByLabel("Name", { exact: true }).fill("New on 3.2+");
    await page.getByRole("button", { name: "Save segment" }).click();
    await page.getByRole("rowheader", { name: "New on 3.2+" }).waitFor();
  });

  it("sets a campaign's audience with the condition builder in the trigger panel, the same condition in the JSON", async () => {
    const shop = await newShop("Audience shop");
    await signInWith(shop.adminKey);
    await visit("/campaigns/new", "New campaign", "campaign-audience-empty");
    const audience = page
      .getByRole("complementary", { name: "Selected node" })
      .getByRole("group", { name: "Audience (optional; no conditions = everyone)" });
    await audience.getByLabel("New condition in conditions").selectOption("lifecycle");
    await audience.getByRole("button", { name: "Add condition" }).click();
    await audience.getByRole("checkbox", { name: "dormant", exact: true }).check();
    await audience.getByLabel("New condition in conditions").selectOption("did");
    await audience.getByRole("button", { name: "Add condition" }).click();
    await audience.getByLabel("Condition 2: did or did not").selectOption("didNot");
    await audience.getByLabel("Condition 2: event name").fill("Order Completed");
    await audience.getByLabel("within").fill("14d");
    // The builder's own JSON toggle, and the editor's JSON view, say the same.
    await audience.getByRole("button", { name: "JSON" }).click();
    const expected = {
      all: [{ lifecycle: ["active", "dormant"] }, { didNot: { event: "Order Completed", withinHours: 336 } }],
    };
    expect(JSON.parse(await audience.getByLabel("as JSON").inputValue())).toEqual(expected);
    await shot("campaign-audience");
    expect(await accessibilityProblems()).toEqual([]);
    await page.getByRole("tab", { name: "JSON" }).click();
    const definition = JSON.parse(await page.getByLabel("Campaign definition (JSON)").inputValue()) as {
      audience?: unknown;
    };
    expect(definition.audience).toEqual(expected);
  });

  it("defines a funnel in the console and reports the shop's events through it; retention, lifecycle and KPIs show them", async () => {
    const shop = await newShop("Funnel shop");
    await signInWith(shop.adminKey);
    await visit("/analytics", "Funnels", "funnels-empty");
    await expect.poll(() => page.getByRole("heading", { name: "No funnels yet" }).count()).toBe(1);
    await page.getByLabel("Funnel name").fill("View to order");
    await page.getByRole("button", { name: "Save funnel" }).click();
    await page.getByRole("heading", { level: 1, name: "View to order" }).waitFor();
    await expect.poll(() => page.getByRole("heading", { name: "No entries yet" }).count()).toBe(1);
    await shot("funnel-empty");

    // Ada views, adds and orders; Bob only views. The funnel counts from its definition, so these are in it.
    await sendEvents(shop, [
      { type: "track", userId: "ada", event: "Product Viewed", properties: { sku: "shoe" } },
      { type: "track", userId: "ada", event: "Product Added", properties: { sku: "shoe" } },
      { type: "track", userId: "ada", event: "Order Completed", properties: { revenue: 80 } },
      { type: "track", userId: "bob", event: "Product Viewed", properties: { sku: "hat" } },
    ]);
    await vi.waitFor(
      async () => {
        await page.reload();
        const rows = page.locator(".funnel-report tbody tr");
        await expect
          .poll(() => rows.allTextContents(), { timeout: 2000 })
          .toEqual([
            expect.stringMatching(/^1\. Product Viewed\s*2\s*100\.0%/),
            expect.stringMatching(/^2\. Product Added\s*1\s*50\.0%\s*50\.0%/),
            expect.stringMatching(/^3\. Order Completed\s*1\s*50\.0%\s*100\.0%/),
          ]);
      },
      { timeout: 30_000, interval: 1000 },
    );
    await shot("funnel-report");
    expect(await accessibilityProblems()).toEqual([]);
    // The report's choices are in the URL: a breakdown is bookmarkable.
    await page.getByLabel("Breakdown").selectOption("lifecycle");
    await expect.poll(() => page.url()).toContain("breakdown=lifecycle");
    await expect
      .poll(async () => (await page.locator(".funnel-report caption").allTextContents()).slice(1))
      .toEqual([expect.stringMatching(/^lifecycle: /)]);

    // Earlier days from the export: a run, counted in the background; the same days again are refused.
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel("Count from").fill(monthAgo);
    await page.getByRole("button", { name: "Count earlier days" }).click();
    await expect
      .poll(() => page.locator(".backfill-runs li").first().textContent(), { timeout: 30_000 })
      .toMatch(new RegExp(`^${monthAgo} to \\d{4}-\\d{2}-\\d{2}: counted`));
    await page.getByRole("button", { name: "Count earlier days" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/backfilled already/);
    expect(await accessibilityProblems()).toEqual([]);

    await page.getByRole("navigation", { name: "Analytics" }).getByRole("link", { name: "Retention" }).click();
    await page.getByRole("heading", { level: 1, name: "Retention" }).waitFor();
    await vi.waitFor(
      async () => {
        await page.reload();
        await expect
          .poll(() => page.locator(".heatmap tbody tr").last().textContent(), { timeout: 2000 })
          .toMatch(/2\s*100%/);
      },
      { timeout: 30_000, interval: 1000 },
    );
    await shot("retention");
    expect(await accessibilityProblems()).toEqual([]);

    await visit("/analytics/kpis", "KPIs", "kpis");
    await vi.waitFor(
      async () => {
        await page.reload();
        await expect.poll(() => page.locator(".kpi").first().textContent(), { timeout: 2000 }).toMatch(/DAU.*2/);
      },
      { timeout: 30_000, interval: 1000 },
    );
    await page.locator(".chart .uplot").first().waitFor(); // uPlot, loaded with the first chart
    await shot("kpis");
    expect(await accessibilityProblems()).toEqual([]);

    await visit("/analytics/lifecycle", "Lifecycle flow", "lifecycle-flow");
    await page.getByRole("combobox", { name: /^Campaign/ }).selectOption({ index: 0 });
  });

  it("the campaign report shows why it did not send, by reason: the control group and a frequency cap", async () => {
    const shop = (await (
      await fetch(`${worker.url}/admin/apps`, {
        method: "POST",
        headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "Capped shop",
          settings: { identityVerification: "off", quietHours: null, frequencyCaps: [{ windowHours: 24, max: 1 }] },
        }),
      })
    ).json()) as typeof app;
    const adminFetch = (path: string, init: RequestInit = {}) =>
      fetch(`${worker.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${shop.adminKey}`, "content-type": "application/json" },
      });
    const created = await adminFetch("/admin/campaigns", {
      method: "POST",
      body: JSON.stringify({
        name: "Browse nudge",
        trigger: { type: "event", event: "Browsed" },
        controlPercent: 50,
        steps: [
          {
            type: "message",
            id: "nudge",
            channels: ["email"],
            content: { email: { subject: "Hi", text: "Still looking?" } },
          },
        ],
      }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await adminFetch(`/admin/campaigns/${id}/activate`, { method: "POST" })).status).toBe(200);
    // Eight shoppers browse twice: the treated ones get one email and are capped the second time.
    await sendEvents(
      shop,
      Array.from({ length: 8 }, (_, i) => [
        { type: "identify", userId: `b${i}`, traits: { email: `b${i}@example.com` } },
        { type: "track", userId: `b${i}`, event: "Browsed", messageId: `b${i}-1` },
        { type: "track", userId: `b${i}`, event: "Browsed", messageId: `b${i}-2` },
      ]).flat(),
    );
    await signInWith(shop.adminKey);
    await page.goto(`${worker.url}/console/campaigns/${id}`);
    await page.getByRole("heading", { level: 1, name: "Browse nudge" }).waitFor();
    const chart = page.getByRole("region", { name: /Not sent, by reason/ });
    await vi.waitFor(
      async () => {
        await page.reload();
        await expect
          .poll(() => chart.locator(".barlist").textContent(), { timeout: 2000 })
          .toMatch(/frequency cap\d+.*control group \(held out\)\d+|control group \(held out\)\d+.*frequency cap\d+/);
      },
      { timeout: 30_000, interval: 1000 },
    );
    // The bars add up to what the API counts.
    const api = (await (await adminFetch(`/admin/campaigns/${id}/suppressions`)).json()) as {
      total: number;
      reasons: { reason: string; n: number }[];
    };
    expect(api.reasons.map((r) => r.reason).sort()).toEqual(["control_group", "frequency_cap"]);
    expect(await chart.locator(".barlist figcaption").textContent()).toContain(`${api.total} decisions not to send`);
    await chart.scrollIntoViewIfNeeded();
    await shot("campaign-suppressions");
    expect(await accessibilityProblems()).toEqual([]);
  });

  it("composes an in-app survey with buttons and two questions in fields, previews it, and previews a locale and an A/B arm", async () => {
    const shop = await newShop("Survey shop");
    await sendEvents(shop, [
      {
        type: "identify",
        userId: "lea",
        traits: { first_name: "Léa", email: "lea@example.com" },
        context: { locale: "fr-FR" },
      },
    ]);
    await signInWith(shop.adminKey);
    await visit("/campaigns/new", "New campaign", "composer-survey-empty");
    const panel = page.getByRole("complementary", { name: "Selected node" });
    await panel.getByLabel("Campaign name").fill("Welcome survey");
    await page
      .getByRole("navigation", { name: "Journey outline" })
      .getByRole("button", { name: /hello \(message\)/ })
      .click();
    await panel.getByRole("checkbox", { name: "in_app" }).check();
    await panel.getByRole("checkbox", { name: "push" }).uncheck();
    await panel.getByLabel("In-app type").selectOption("survey");
    await panel.getByLabel("in_app title").fill("Welcome, {{ user.first_name }}");
    // Switching to a survey adds a first question; it becomes a single choice, whose options are checked as typed.
    await panel.getByLabel("Question 1 text").fill("How did you hear about us?");
    await panel.getByLabel("Question 1 type").selectOption("single");
    await expect
      .poll(() => panel.locator(".field.has-error .field-error").first().textContent())
      .toContain("at least 2 options");
    await panel.getByLabel("Question 1 options").fill("A friend\nA search\nAn ad");
    await panel.getByRole("button", { name: "Add question" }).click();
    await panel.getByLabel("Question 2 text").fill("Anything else, {{ user.first_name }}?");
    await panel.getByLabel("Question 2 type").selectOption("text");
    await panel.getByLabel("Submit button label").fill("Send");
    await panel.getByLabel("in_app image URL").fill("https://cdn.example.com/welcome.png");
    await panel.getByLabel("in_app image alt text").fill("A waving hand");
    await panel.getByRole("button", { name: "Add button" }).click();
    await panel.getByLabel("Button 1 label").fill("Visit the shop");
    await panel.getByLabel("Button 1 action").selectOption("url");
    await panel.getByLabel("Button 1 URL").fill("shop.example.com");
    await expect.poll(() => panel.locator(".field-error").first().textContent()).toContain("https://");
    await panel.getByLabel("Button 1 URL").fill("https://shop.example.com");
    await expect.poll(() => panel.locator(".field-error").count()).toBe(0);

    // The live preview, rendered by the server for Léa, shows both questions.
    const preview = page.getByRole("region", { name: "Message preview" });
    let attempt = 0;
    await vi.waitFor(
      async () => {
        await preview.getByLabel("Preview for person").fill(attempt++ % 2 ? "le" : "lea");
        await preview.getByRole("button", { name: "lea", exact: true }).click({ timeout: 1000 });
      },
      { timeout: 30_000, interval: 1000 },
    );
    const phone = preview.getByRole("figure", { name: "In-app survey" });
    await expect.poll(() => phone.textContent(), { timeout: 15_000 }).toContain("Anything else, Léa?");
    const shown = (await phone.textContent()) ?? "";
    expect(shown).toContain("How did you hear about us?");
    expect(shown).toContain("A friend");
    expect(shown).toContain("An ad");
    expect(shown).toContain("Welcome, Léa");
    expect(shown).toContain("A waving hand");
    expect(shown).toContain("Visit the shop");
    expect(shown).toContain("Send");
    // The panel scrolls: the rendered message itself is the picture.
    await phone.scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(ARTIFACTS, "composer-survey.png") });
    expect(await accessibilityProblems()).toEqual([]);

    // The JSON beside the canvas holds the same content, and the server accepts it.
    await page.getByRole("tab", { name: "JSON" }).click();
    const json = JSON.parse(await page.getByLabel("Campaign definition (JSON)").inputValue()) as {
      steps: { channels: string[]; content: { in_app: Record<string, unknown> } }[];
    };
    expect(json.steps[0]!.channels).toEqual(["in_app"]);
    expect(json.steps[0]!.content.in_app).toMatchObject({
      type: "survey",
      imageUrl: "https://cdn.example.com/welcome.png",
      imageAlt: "A waving hand",
      submitLabel: "Send",
      buttons: [{ label: "Visit the shop", action: "deeplink", deepLink: "https://shop.example.com" }],
      questions: [
        { id: "q1", prompt: "How did you hear about us?", kind: "single", options: ["A friend", "A search", "An ad"] },
        { id: "q2", prompt: "Anything else, {{ user.first_name }}?", kind: "text" },
      ],
    });
    await page.getByRole("tab", { name: "Canvas" }).click();
    await page.getByRole("button", { name: "Save as draft" }).click();
    await page.getByRole("heading", { level: 1, name: "Welcome survey" }).waitFor();

    // A campaign with locale variants and two arms: the preview shows each.
    const created = await fetch(`${worker.url}/admin/campaigns`, {
      method: "POST",
      headers: { authorization: `Bearer ${shop.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "Localized offer",
        trigger: { type: "event", event: "Signed Up" },
        variants: [
          { id: "A", weight: 1 },
          { id: "B", weight: 1 },
        ],
        steps: [
          {
            type: "message",
            id: "offer",
            channels: ["email"],
            content: { email: { subject: "Hello {{ user.first_name }}", text: "A" } },
            locales: { de: { email: { subject: "Hallo {{ user.first_name }}", text: "de" } } },
            variants: { B: { email: { subject: "B: 20% off, {{ user.first_name }}", text: "B" } } },
          },
        ],
      }),
    });
    const { id } = (await created.json()) as { id: string };
    await page.goto(`${worker.url}/console/campaigns/${id}`);
    await page.getByRole("heading", { level: 1, name: "Localized offer" }).waitFor();
    await page
      .getByRole("navigation", { name: "Journey outline" })
      .getByRole("button", { name: /offer \(message\)/ })
      .click();
    await preview.getByLabel("Preview for person").fill("lea");
    await preview.getByRole("button", { name: "lea", exact: true }).click();
    const head = preview.locator(".email-head");
    // Her own locale (fr-FR) has no variant: the default content.
    await expect.poll(() => head.textContent(), { timeout: 15_000 }).toContain("Hello Léa");
    await preview.getByLabel("Preview locale").selectOption("de");
    await expect.poll(() => head.textContent(), { timeout: 15_000 }).toContain("Hallo Léa");
    await preview.getByLabel("A/B arm").selectOption("B");
    await expect.poll(() => head.textContent(), { timeout: 15_000 }).toContain("B: 20% off, Léa");
    await expect.poll(() => preview.locator(".device").textContent()).toContain("arm B");
    // The panel scrolls: the rendered message itself is the picture.
    await preview.locator(".device").scrollIntoViewIfNeeded();
    await preview.locator(".device").screenshot({ path: join(ARTIFACTS, "composer-locale-arm.png") });
    expect(await accessibilityProblems()).toEqual([]);
  });
});

async function newShop(name: string): Promise<typeof app> {
  const res = await fetch(`${worker.url}/admin/apps`, {
    method: "POST",
    headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name, settings: { identityVerification: "off" } }),
  });
  return (await res.json()) as typeof app;
}

async function sendEvents(shop: typeof app, batch: Record<string, unknown>[]) {
  const now = new Date().toISOString();
  const res = await fetch(`${worker.url}/v1/batch`, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${shop.writeKey}:`)}`, "content-type": "application/json" },
    body: JSON.stringify({ batch: batch.map((e) => ({ timestamp: now, ...e })), sentAt: now }),
  });
  expect(res.status).toBe(200);
}

async function signInWith(adminKey: string) {
  await page.goto(`${worker.url}/console/`);
  await page.evaluate(() => sessionStorage.clear());
  await page.reload();
  await page.getByLabel("Admin key").fill(adminKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
}
