import { runDurableObjectAlarm } from "cloudflare:test";
import { userObject } from "./helpers/objects";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HOUR, MINUTE } from "../src/kernel/clock";
import { clearKeyCache } from "../src/stores/config/app-directory";
import { admin, createTestApp, sdk } from "./helpers/api";
import { decisions, launchCampaign, sent } from "./helpers/campaigns";
import { eventually } from "./helpers/wait";
import { indexSum } from "./helpers/index-shards";

const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

type Stats = {
  variants: Array<{
    variant: string;
    counts: Record<string, number>;
    conversionRate: number | null;
    uplift: { absoluteUplift: number | null; ci: { low: number; high: number } | null } | null;
  }>;
  control: { entered: number; converted: number } | null;
};

describe("measurement", () => {
  it("counts entered, sent and converted per variant and control, attributes each conversion once, and reports uplift with a CI", async () => {
    const app = await createTestApp();
    const id = await launchCampaign(app, {
      name: "Measured",
      trigger: { type: "event", event: "Viewed Offer" },
      variants: [
        { id: "A", weight: 1 },
        { id: "B", weight: 1 },
      ],
      controlPercent: 20,
      goal: { event: "Order Completed", windowHours: 24 },
      steps: [
        {
          type: "message",
          id: "offer",
          channels: ["in_app"],
          content: { in_app: { type: "modal", title: "Offer", body: "10% off" } },
          variants: { B: { in_app: { type: "modal", title: "Offer B", body: "Free shipping" } } },
        },
      ],
    });
    const arms = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      const u = `m-${i}`;
      await sdk(app, "/v1/track", { userId: u, event: "Viewed Offer", messageId: `v-${i}` }, { clock: T0 });
      arms.set(u, (await decisions(app, u)).find((d) => d.detail.entered)!.detail.variant!);
      // Two out of three convert, twice (the second purchase must not count again); one converts too late.
      if (i % 3 !== 0)
        for (const k of [1, 2])
          await sdk(
            app,
            "/v1/track",
            { userId: u, event: "Order Completed", messageId: `o-${i}-${k}` },
            { clock: T0 + k * HOUR },
          );
      else
        await sdk(
          app,
          "/v1/track",
          { userId: u, event: "Order Completed", messageId: `late-${i}` },
          { clock: T0 + 25 * HOUR },
        );
    }
    const count = (arm: string) => [...arms.values()].filter((a) => a === arm).length;
    const stats = await eventually(
      async () => {
        const s = (await (await admin(app, `/admin/campaigns/${id}/stats`)).json()) as Stats;
        const entered = s.variants.reduce((n, v) => n + v.counts.entered!, 0) + (s.control?.entered ?? 0);
        return entered === 30 ? s : null;
      },
      10_000,
      "stats to land in D1",
    );
    for (const v of stats.variants) {
      expect(v.counts.entered).toBe(count(v.variant));
      expect(v.counts.sent).toBe(count(v.variant));
      const expectedConversions = [...arms].filter(([u, a]) => a === v.variant && Number(u.slice(2)) % 3 !== 0).length;
      expect(v.counts.converted).toBe(expectedConversions);
      expect(v.uplift?.ci).not.toBeNull();
    }
    expect(stats.control?.entered).toBe(count("control"));
    expect(stats.control?.converted).toBe(
      [...arms].filter(([u, a]) => a === "control" && Number(u.slice(2)) % 3 !== 0).length,
    );

    // The same facts per UTC day (the console's conversions over time): all on the day of T0, control apart.
    const daily = (await (
      await admin(app, `/admin/campaigns/${id}/stats/daily?from=2026-03-02&to=2026-03-04`)
    ).json()) as { days: Array<Record<string, number | string>> };
    expect(daily.days.map((d) => d.day)).toEqual(["2026-03-02", "2026-03-03", "2026-03-04"]);
    const t0 = daily.days[1]!;
    expect(t0.entered).toBe(30 - count("control"));
    expect(t0.converted).toBe(stats.variants.reduce((n, v) => n + v.counts.converted!, 0));
    expect(t0.controlEntered).toBe(count("control"));
    expect(t0.controlConverted).toBe(stats.control?.converted);
    expect(daily.days[0]!.entered).toBe(0);
    const bad = await admin(app, `/admin/campaigns/${id}/stats/daily?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("from");
  });
});

describe("conversion attribution", () => {
  it("one goal event converts at most one journey per campaign: the most recent entry (two carts, one order → one conversion)", async () => {
    const app = await createTestApp();
    const id = await launchCampaign(app, {
      name: "Two carts",
      trigger: {
        type: "inaction",
        start: { event: "Product Added" },
        cancel: { event: "Cart Emptied" },
        key: "cart_id",
        within: { minutes: 30 },
      },
      goal: { event: "Order Completed", windowHours: 24 },
      steps: [
        {
          type: "message",
          id: "reminder",
          channels: ["content_card"],
          content: { content_card: { title: "Your cart", body: "is waiting" } },
        },
      ],
    });
    await sdk(
      app,
      "/v1/track",
      { userId: "carts", event: "Product Added", messageId: "add-1", properties: { cart_id: "c1" } },
      { clock: T0 },
    );
    await sdk(
      app,
      "/v1/track",
      { userId: "carts", event: "Product Added", messageId: "add-2", properties: { cart_id: "c2" } },
      { clock: T0 + MINUTE },
    );
    await admin(app, "/admin/users/carts/tick", { method: "POST", clock: T0 + 30 * MINUTE });
    await admin(app, "/admin/users/carts/tick", { method: "POST", clock: T0 + 31 * MINUTE });
    expect(await sent(app, "carts")).toEqual(["reminder:content_card", "reminder:content_card"]);
    const entries = (await decisions(app, "carts")).filter((d) => d.detail.entered);
    expect(entries).toHaveLength(2);

    await sdk(
      app,
      "/v1/track",
      { userId: "carts", event: "Order Completed", messageId: "order-1", properties: { revenue: 50 } },
      { clock: T0 + HOUR },
    );
    let conversions = (await decisions(app, "carts")).filter((d) => d.detail.converted);
    expect(conversions).toHaveLength(1);
    // The most recent entry (cart c2) takes the conversion.
    expect((conversions[0]!.detail as { instance?: string }).instance).toBe(
      (entries[1]!.detail as { instance?: string }).instance,
    );
    expect((conversions[0]!.detail as { instance?: string }).instance).toContain(":c2:");

    // A second order converts the other open journey.
    await sdk(
      app,
      "/v1/track",
      { userId: "carts", event: "Order Completed", messageId: "order-2", properties: { revenue: 20 } },
      { clock: T0 + 2 * HOUR },
    );
    conversions = (await decisions(app, "carts")).filter((d) => d.detail.converted);
    expect(conversions).toHaveLength(2);
    const stats = await eventually(
      async () => {
        const s = (await (await admin(app, `/admin/campaigns/${id}/stats`)).json()) as Stats;
        return s.variants[0]?.counts.converted === 2 ? s : null;
      },
      10_000,
      "stats to land in D1",
    );
    expect(stats.variants[0]!.counts.entered).toBe(2);
  });

  it("people messaged before a campaign was paused still convert; archiving stops counting", async () => {
    const app = await createTestApp();
    const id = await launchCampaign(app, {
      name: "Welcome offer",
      trigger: { type: "event", event: "Signed Up" },
      goal: { event: "Order Completed", windowHours: 72 },
      steps: [
        {
          type: "message",
          id: "offer",
          channels: ["content_card"],
          content: { content_card: { title: "10% off", body: "your first order" } },
        },
      ],
    });
    for (const u of ["paused-buyer", "archived-buyer"])
      await sdk(app, "/v1/track", { userId: u, event: "Signed Up" }, { clock: T0 });
    expect(await sent(app, "paused-buyer")).toEqual(["offer:content_card"]);

    expect((await admin(app, `/admin/campaigns/${id}/pause`, { method: "POST" })).status).toBe(200);
    clearKeyCache(); // what the edge's revalidation does within seconds
    await sdk(
      app,
      "/v1/track",
      { userId: "paused-buyer", event: "Order Completed", properties: { revenue: 30 } },
      { clock: T0 + HOUR },
    );
    expect((await decisions(app, "paused-buyer")).filter((d) => d.detail.converted)).toHaveLength(1);

    expect((await admin(app, `/admin/campaigns/${id}/archive`, { method: "POST" })).status).toBe(200);
    clearKeyCache();
    await sdk(
      app,
      "/v1/track",
      { userId: "archived-buyer", event: "Order Completed", properties: { revenue: 30 } },
      { clock: T0 + 2 * HOUR },
    );
    expect((await decisions(app, "archived-buyer")).filter((d) => d.detail.converted)).toHaveLength(0);
  });
});

describe("exact abandonment timers through the real alarm", () => {
  it("fires the reminder from the object's alarm at the deadline, not before", async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "Quick abandonment",
      trigger: {
        type: "inaction",
        start: { event: "Form Started" },
        cancel: { event: "Form Submitted" },
        key: "form_id",
        within: { seconds: 60 },
      },
      steps: [
        {
          type: "message",
          id: "nudge",
          channels: ["in_app"],
          content: { in_app: { type: "banner", title: "Finish your form", body: "It takes a minute" } },
        },
      ],
    });
    const started = Date.now();
    // Started 59 s ago (an offline-queued event): the deadline counts from then, so it is 1 s away.
    await sdk(app, "/v1/track", {
      userId: "former",
      event: "Form Started",
      properties: { form_id: "f1" },
      timestamp: new Date(started - 59_000).toISOString(),
    });
    const stub = userObject(`${app.appId}/u/former`);
    // Before the deadline nothing is due.
    expect(await sent(app, "former")).toEqual([]);
    await new Promise((r) => setTimeout(r, Math.max(0, started + 1000 - Date.now()) + 20));
    await runDurableObjectAlarm(stub);
    expect(await sent(app, "former")).toEqual(["nudge:in_app"]);
    const fired = (await decisions(app, "former")).find((d) => d.detail.lateMs !== undefined)!;
    expect(fired.detail.lateMs).toBeGreaterThanOrEqual(0);
    expect(fired.detail.lateMs).toBeLessThan(2000);
  });
});

describe("broadcasts", () => {
  it("fans out to the audience from the users index, once per occurrence, at each user's local time", async () => {
    const app = await createTestApp();
    for (const [u, tz, state] of [
      ["tokyo", "Asia/Tokyo", "Application Opened"],
      ["lima", "America/Lima", "Application Opened"],
    ] as const) {
      await sdk(app, "/v1/devices", { userId: u, timezone: tz }, { clock: T0 });
      await sdk(app, "/v1/track", { userId: u, event: state }, { clock: T0 });
    }
    await eventually(
      async () => (await indexSum("SELECT count(*) AS n FROM users WHERE app_id = ?", app.appId)) === 2,
      8000,
      "index rows",
    );
    const id = await launchCampaign(app, {
      name: "Morning news",
      trigger: { type: "broadcast", at: "2026-03-05T09:00:00Z", localTime: "09:00" },
      broadcastAudience: { lifecycle: ["new", "active"] },
      steps: [
        {
          type: "message",
          id: "news",
          channels: ["content_card"],
          content: { content_card: { title: "Today", body: "What's new" } },
        },
      ],
    });
    const res = await admin(app, `/admin/campaigns/${id}/broadcast`, {
      method: "POST",
      clock: Date.UTC(2026, 2, 4, 12, 0),
    });
    expect(await res.json()).toMatchObject({ occurrence: "2026-03-05", started: true, users: 2 });
    const again = await admin(app, `/admin/campaigns/${id}/broadcast`, {
      method: "POST",
      clock: Date.UTC(2026, 2, 4, 12, 5),
    });
    expect(await again.json()).toMatchObject({ started: false });
    // 09:00 in Tokyo (UTC+9) on 5 March is 00:00 UTC; in Lima (UTC−5) it is 14:00 UTC.
    const tokyoAt = Date.UTC(2026, 2, 5, 0, 0);
    const limaAt = Date.UTC(2026, 2, 5, 14, 0);
    // Both people's entries, not only one: a chunk enters its people concurrently.
    for (const u of ["tokyo", "lima"])
      await eventually(async () => (await decisions(app, u)).some((d) => d.detail.entered), 8000, `fan-out to ${u}`);
    for (const [u, at] of [
      ["tokyo", tokyoAt],
      ["lima", limaAt],
    ] as const) {
      await admin(app, `/admin/users/${u}/tick`, { method: "POST", clock: at - MINUTE });
      expect(await sent(app, u), u).toEqual([]);
      await admin(app, `/admin/users/${u}/tick`, { method: "POST", clock: at });
      expect(await sent(app, u), u).toEqual(["news:content_card"]);
    }
  });
});
