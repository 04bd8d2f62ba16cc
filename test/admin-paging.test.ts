import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";

/** Paging walks every row exactly once, even when many rows share one timestamp. */
describe("admin paging", () => {
  it("GET /admin/sends lists every send once across pages, though they share created_at", async () => {
    const app = await createTestApp();
    const at = Date.UTC(2026, 11, 1);
    const rows = Array.from({ length: 130 }, (_, i) => ({
      key: `c1:s1:i${String(i).padStart(3, "0")}`,
      target: i % 3 === 0 ? "ios-device" : "",
    }));
    await env.DB.batch(
      rows.map((r) =>
        env.DB.prepare(
          `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, attempts, created_at, updated_at) VALUES (?, ?, ?, 'pager', ?, 'c1', 'a', 'email', 'sandbox', 'sent', 1, ?, ?)`,
        ).bind(r.key, r.target, app.appId, `${app.appId}/u/pager`, at, at),
      ),
    );
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const res = await admin(app, `/admin/sends?limit=50${before ? `&before=${encodeURIComponent(before)}` : ""}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        sends: Array<{ idempotencyKey: string; target?: string }>;
        next: string | null;
      };
      seen.push(...body.sends.map((s) => s.idempotencyKey));
      before = body.next;
      pages++;
    } while (before && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(130);
    expect(new Set(seen).size).toBe(130);
    const bad = await admin(app, "/admin/sends?before=nonsense");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { problems: [{ field: "before" }] } });
  });

  it("GET /admin/users/:id/timeline pages back to the first event without repeating, and 404s for an unknown person", async () => {
    const app = await createTestApp();
    const at = Date.UTC(2026, 11, 1, 12);
    // 150 events in one batch at the same instant, plus the timeline's own entries (lifecycle, identity…).
    const batch = Array.from({ length: 150 }, (_, i) => ({
      type: "track",
      userId: "pages",
      event: `Step ${i}`,
      messageId: `m${i}`,
      timestamp: new Date(at).toISOString(),
    }));
    expect((await sdk(app, "/v1/batch", { batch }, { clock: at })).status).toBe(200);
    const all: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const res = await admin(
        app,
        `/admin/users/pages/timeline?limit=40${before ? `&before=${encodeURIComponent(before)}` : ""}`,
      );
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        entries: Array<{ seq: number; kind: string; detail: { name?: string } }>;
        next: string | null;
      };
      all.push(...body.entries.map((e) => `${e.kind === "event" ? "e" : "d"}${e.seq}`));
      before = body.next;
      pages++;
    } while (before && pages < 20);
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((k) => k.startsWith("e"))).toHaveLength(150);
    // The last page reaches the oldest event.
    expect(all).toContain("e1");
    expect(pages).toBeGreaterThanOrEqual(4);
    const unknown = await admin(app, "/admin/users/nobody-here/timeline");
    expect(unknown.status).toBe(404);
    expect((await admin(app, "/admin/users/nobody-here")).status).toBe(404);
  });
});
