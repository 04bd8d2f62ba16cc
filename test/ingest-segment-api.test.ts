import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { basic, call, createTestApp, sdk, admin } from "./helpers/api";

async function profile(app: Awaited<ReturnType<typeof createTestApp>>, userId: string, anonymous = false) {
  const res = await admin(app, `/admin/users/${encodeURIComponent(userId)}${anonymous ? "?anonymous=true" : ""}`);
  return res.status === 200
    ? ((await res.json()) as {
        profile: {
          counters: { events: number; purchases: number; revenue: number };
          traits: Record<string, unknown>;
          lastSeen: number;
          firstSeen: number;
          timezone: string | null;
          email: string | null;
          anonymousIds: string[];
        };
      })
    : null;
}

async function timelineEvents(app: Awaited<ReturnType<typeof createTestApp>>, userId: string) {
  const res = await admin(app, `/admin/users/${encodeURIComponent(userId)}/timeline?limit=100`);
  const body = (await res.json()) as {
    entries: Array<{ kind: string; at: number; detail: { name?: string; messageId?: string } }>;
  };
  return body.entries.filter((e) => e.kind === "event").reverse();
}

describe("Segment HTTP Tracking API", () => {
  it("accepts every call type on the long paths", async () => {
    const app = await createTestApp();
    for (const [path, body] of [
      ["/v1/identify", { userId: "u1", traits: { email: "Ada@Example.com", plan: "pro" } }],
      ["/v1/track", { userId: "u1", event: "Order Completed", properties: { revenue: 42.5 } }],
      ["/v1/page", { userId: "u1", name: "Home" }],
      ["/v1/screen", { userId: "u1", name: "Cart" }],
      ["/v1/group", { userId: "u1", groupId: "acme" }],
      ["/v1/alias", { userId: "u1", previousId: "anon-1" }],
    ] as const) {
      const res = await sdk(app, path, body);
      expect(res.status, path).toBe(200);
    }
    const p = await profile(app, "u1");
    expect(p?.profile.counters.events).toBe(6);
    expect(p?.profile.counters.purchases).toBe(1);
    expect(p?.profile.counters.revenue).toBe(42.5);
    expect(p?.profile.traits.plan).toBe("pro");
    expect(p?.profile.email).toBe("ada@example.com");
    expect((await timelineEvents(app, "u1")).map((e) => e.detail.name)).toEqual([
      "Identify",
      "Order Completed",
      "Page Viewed",
      "Screen Viewed",
      "Group",
      "Alias",
    ]);
  });

  it("accepts analytics.js short paths with text/plain bodies and the write key in the body", async () => {
    const app = await createTestApp();
    for (const [path, body] of [
      ["/v1/i", { userId: "u2", traits: { name: "Grace" } }],
      ["/v1/t", { userId: "u2", event: "Clicked" }],
      ["/v1/p", { userId: "u2" }],
      ["/v1/s", { userId: "u2" }],
      ["/v1/g", { userId: "u2", groupId: "g" }],
      ["/v1/a", { userId: "u2", previousId: "old" }],
      ["/v1/b", { batch: [{ type: "track", userId: "u2", event: "Batched" }] }],
    ] as const) {
      const res = await call(path, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ ...body, writeKey: app.writeKey }),
      });
      expect(res.status, path).toBe(200);
    }
    expect((await profile(app, "u2"))?.profile.counters.events).toBe(7);
  });

  it("answers CORS preflights", async () => {
    const res = await call("/v1/t", {
      method: "OPTIONS",
      headers: {
        origin: "https://shop.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("inflates gzip request bodies", async () => {
    const app = await createTestApp();
    const json = JSON.stringify({ batch: [{ type: "track", userId: "gz", event: "Zipped", messageId: "gz-1" }] });
    const gz = await new Response(new Blob([json]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
    const res = await call("/v1/batch", {
      method: "POST",
      headers: { authorization: basic(app.writeKey), "content-type": "application/json", "content-encoding": "gzip" },
      body: gz,
    });
    expect(res.status).toBe(200);
    expect((await profile(app, "gz"))?.profile.counters.events).toBe(1);
  });

  it("dedupes on messageId: a retried batch changes nothing", async () => {
    const app = await createTestApp();
    const batch = {
      batch: [1, 2, 3].map((i) => ({
        type: "track",
        userId: "r1",
        event: "Order Completed",
        messageId: `m-${i}`,
        properties: { revenue: 10 },
      })),
    };
    expect(await (await sdk(app, "/v1/batch", batch)).json()).toMatchObject({
      success: true,
      applied: 3,
      duplicates: 0,
    });
    expect(await (await sdk(app, "/v1/batch", batch)).json()).toMatchObject({
      success: true,
      applied: 0,
      duplicates: 3,
    });
    const p = await profile(app, "r1");
    expect(p?.profile.counters).toMatchObject({ events: 3, purchases: 3, revenue: 30 });
  });

  it("dedupes on messageId only: two identical calls without one are both applied", async () => {
    const app = await createTestApp();
    const body = {
      batch: [
        {
          type: "track",
          userId: "r2",
          event: "Product Added",
          properties: { sku: "TEE-1" },
          timestamp: "2026-01-01T00:00:00Z",
        },
      ],
    };
    expect(await (await sdk(app, "/v1/batch", body)).json()).toMatchObject({ applied: 1, duplicates: 0 });
    expect(await (await sdk(app, "/v1/batch", body)).json()).toMatchObject({ applied: 1, duplicates: 0 });
    expect((await profile(app, "r2"))?.profile.counters).toMatchObject({ events: 2 });
  });

  it("corrects clock skew from sentAt and never stores future timestamps", async () => {
    const app = await createTestApp();
    const receivedAt = Date.UTC(2026, 5, 1, 12, 0, 0);
    // The device clock runs 1 hour fast: it says the event happened 10 s before it sent the batch.
    const sentAt = new Date(receivedAt + 3600_000).toISOString();
    const timestamp = new Date(receivedAt + 3600_000 - 10_000).toISOString();
    await sdk(
      app,
      "/v1/batch",
      {
        sentAt,
        batch: [
          { type: "track", userId: "skew", event: "Skewed", timestamp },
          { type: "track", userId: "skew", event: "Future", timestamp: new Date(receivedAt + 86400_000).toISOString() },
        ],
      },
      { clock: receivedAt },
    );
    const events = await timelineEvents(app, "skew");
    expect(events.find((e) => e.detail.name === "Skewed")?.at).toBe(receivedAt - 10_000);
    expect(events.find((e) => e.detail.name === "Future")?.at).toBe(receivedAt);
  });

  it("applies a batch in order per user, across several users", async () => {
    const app = await createTestApp();
    const batch = [];
    for (let i = 0; i < 20; i++)
      batch.push({ type: "track", userId: `o${i % 3}`, event: `E${i}`, messageId: `o-${i}` });
    await sdk(app, "/v1/batch", { batch });
    for (let u = 0; u < 3; u++) {
      const names = (await timelineEvents(app, `o${u}`)).map((e) => e.detail.name);
      expect(names).toEqual(batch.filter((_, i) => i % 3 === u).map((e) => e.event));
    }
  });

  it("reports each invalid entry with its field, and still applies the valid ones", async () => {
    const app = await createTestApp();
    const res = await sdk(app, "/v1/batch", {
      batch: [
        { type: "track", userId: "v1", event: "Good", messageId: "good-1" },
        { type: "track", event: "No ids" },
        { type: "track", userId: "v1" },
        { type: "teleport", userId: "v1" },
        { type: "track", userId: "v1", event: "Bad time", timestamp: "yesterday-ish" },
        { type: "track", userId: "v1", event: "Good too", messageId: "good-2" },
      ],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      accepted: number;
      applied: number;
      rejected: Array<{ index: number; problems: Array<{ field: string; message: string }> }>;
    };
    expect(body.accepted).toBe(2);
    expect(body.applied).toBe(2);
    expect(body.rejected.map((r) => [r.index, r.problems[0]!.field])).toEqual([
      [1, "batch.1.userId"],
      [2, "batch.2.event"],
      [3, "batch.3.type"],
      [4, "batch.4.timestamp"],
    ]);
    expect((await timelineEvents(app, "v1")).map((e) => e.detail.name)).toEqual(["Good", "Good too"]);
  });

  it("ignores unknown top-level fields that Segment and RudderStack clients add", async () => {
    const app = await createTestApp();
    const res = await sdk(app, "/v1/track", {
      userId: "x",
      event: "E",
      _metadata: { bundled: [] },
      channel: "server",
      rudderId: "r",
      integrations: { All: true },
    });
    expect(res.status).toBe(200);
  });

  it("rejects malformed JSON and non-object bodies with 400", async () => {
    const app = await createTestApp();
    const bad = await call("/v1/batch", {
      method: "POST",
      headers: { authorization: basic(app.writeKey) },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "malformed_json", problems: [{ field: "(body)" }] } });
    const arr = await call("/v1/track", {
      method: "POST",
      headers: { authorization: basic(app.writeKey) },
      body: "[]",
    });
    expect(arr.status).toBe(400);
    const noBatch = await sdk(app, "/v1/batch", { batch: "nope" });
    expect(await noBatch.json()).toMatchObject({ error: { problems: [{ field: "batch" }] } });
  });

  it("enforces 500 KB per batch and 32 KB per event, naming the limit", async () => {
    const app = await createTestApp();
    const big = "x".repeat(600 * 1024);
    const res = await sdk(app, "/v1/batch", {
      batch: [{ type: "track", userId: "big", event: "E", properties: { big } }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: "too_large", message: expect.stringContaining("500 KB") },
    });

    const event = await sdk(app, "/v1/batch", {
      batch: [
        { type: "track", userId: "big", event: "Huge", properties: { blob: "y".repeat(40 * 1024) } },
        { type: "track", userId: "big", event: "Small", messageId: "small" },
      ],
    });
    expect(event.status).toBe(400);
    const body = (await event.json()) as {
      applied: number;
      rejected: Array<{ index: number; problems: Array<{ message: string }> }>;
    };
    expect(body.rejected[0]).toMatchObject({ index: 0, problems: [{ message: expect.stringContaining("32 KB") }] });
    expect(body.applied).toBe(1);
  });

  it("refuses wrong or missing write keys with 401 and stores nothing", async () => {
    const app = await createTestApp();
    const wrong = await call("/v1/track", {
      method: "POST",
      headers: { authorization: basic("bk_w_wrong") },
      json: { userId: "nobody", event: "E" },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: "unauthorized" } });
    const missing = await call("/v1/track", { method: "POST", json: { userId: "nobody", event: "E" } });
    expect(missing.status).toBe(401);
    const adminKeyAsWrite = await call("/v1/track", {
      method: "POST",
      headers: { authorization: basic(app.adminKey) },
      json: { userId: "nobody", event: "E" },
    });
    expect(adminKeyAsWrite.status).toBe(401);
    expect(await profile(app, "nobody")).toBeNull();
  });

  it("keeps serving from cache without reading D1 on the steady-state event path", async () => {
    const app = await createTestApp();
    expect((await sdk(app, "/v1/track", { userId: "warm", event: "Warm up" })).status).toBe(200);
    // Take D1 away from under the edge and the object: the cached key and compiled config keep the path going.
    const saved = await env.DB.prepare("SELECT * FROM api_keys WHERE app_id = ?").bind(app.appId).all();
    await env.DB.prepare("DELETE FROM api_keys WHERE app_id = ?").bind(app.appId).run();
    const res = await sdk(app, "/v1/track", { userId: "warm", event: "Still works" });
    expect(res.status).toBe(200);
    for (const row of saved.results as Array<Record<string, unknown>>) {
      await env.DB.prepare(
        "INSERT INTO api_keys (key_hash, app_id, kind, label, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
        .bind(row.key_hash, row.app_id, row.kind, row.label, row.prefix, row.created_at)
        .run();
    }
  });
});

describe("location events through the Segment API", () => {
  it("rejects a Location Updated call with invalid coordinates, naming the field, and applies the rest", async () => {
    const app = await createTestApp();
    const res = await sdk(app, "/v1/batch", {
      batch: [
        {
          type: "track",
          userId: "geo",
          event: "Location Updated",
          properties: { latitude: 123, longitude: 2.35, accuracy: 10 },
        },
        { type: "track", userId: "geo", event: "Other", messageId: "ok-1" },
      ],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      applied: number;
      rejected: Array<{ index: number; problems: Array<{ field: string }> }>;
    };
    expect(body.applied).toBe(1);
    expect(body.rejected[0]!.problems[0]!.field).toBe("batch.0.properties.latitude");
  });
});
