import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ExportMessage } from "../src/domain/analytics/export";
import { gunzip, writeExports } from "../src/jobs/export-writer";
import { admin, createTestApp, sdk } from "./helpers/api";
import { launchCampaign } from "./helpers/campaigns";
import { eventually } from "./helpers/wait";

const T0 = Date.UTC(2026, 2, 2, 10, 30);
const bucket = (env as unknown as { EXPORTS: R2Bucket }).EXPORTS;

async function rowsUnder(prefix: string): Promise<Array<Record<string, unknown>>> {
  const listed = await bucket.list({ prefix });
  const rows: Array<Record<string, unknown>> = [];
  for (const o of listed.objects) {
    const body = await bucket.get(o.key);
    const text = await gunzip(await body!.arrayBuffer());
    rows.push(
      ...text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
  }
  return rows;
}

describe("event export to R2", () => {
  it("writes applied events as NDJSON gzip per app, UTC date and hour; duplicates are not exported", async () => {
    const app = await createTestApp();
    const events = [
      {
        type: "track",
        userId: "ex",
        event: "Product Viewed",
        messageId: "e1",
        timestamp: new Date(T0).toISOString(),
        properties: { sku: "a" },
      },
      {
        type: "track",
        userId: "ex",
        event: "Order Completed",
        messageId: "e2",
        timestamp: new Date(T0 + 3600_000).toISOString(),
        properties: { revenue: 5 },
      },
    ];
    await sdk(app, "/v1/batch", { batch: events }, { clock: T0 + 2 * 3600_000 });
    await sdk(app, "/v1/batch", { batch: events }, { clock: T0 + 2 * 3600_000 }); // a client retry: duplicates
    const rows = await eventually(
      async () => {
        const r = await rowsUnder(`events/${app.appId}/date=2026-03-02/`);
        return r.length >= 2 ? r : null;
      },
      10_000,
      "export files",
    );
    expect(rows.map((r) => [r.messageId, r.name, r.userId]).sort()).toEqual([
      ["e1", "Product Viewed", "ex"],
      ["e2", "Order Completed", "ex"],
    ]);
    const res = await admin(app, "/admin/analytics/exports?date=2026-03-02");
    const body = (await res.json()) as {
      configured: boolean;
      partitions: Array<{ partition: string; files: number; rows: number }>;
    };
    expect(body.configured).toBe(true);
    expect(body.partitions.map((p) => [p.partition, p.rows])).toEqual([
      [`${app.appId}/date=2026-03-02/hour=10`, 1],
      [`${app.appId}/date=2026-03-02/hour=11`, 1],
    ]);
  });

  it("a redelivered batch replaces its files: no duplicate rows", async () => {
    const appId = `exp-${crypto.randomUUID().slice(0, 8)}`;
    const row = (id: string, at: number) => ({
      type: "event" as const,
      appId,
      userId: "u",
      anonymous: false,
      messageId: id,
      callType: "track",
      name: "E",
      timestamp: new Date(at).toISOString(),
      receivedAt: new Date(at).toISOString(),
      properties: {},
    });
    const m: ExportMessage = {
      op: "export",
      key: "k1",
      appId,
      rows: [row("a", T0), row("b", T0 + 1000), row("c", T0 + 3600_000)],
    };
    expect(await writeExports(bucket, [m])).toBe(2);
    await writeExports(bucket, [m, { ...m, key: "k2", rows: [row("d", T0)] }]);
    await writeExports(bucket, [m]);
    const rows = await rowsUnder(`events/${appId}/`);
    expect(rows.map((r) => r.messageId).sort()).toEqual(["a", "b", "c", "d"]);
    expect(
      (await bucket.list({ prefix: `events/${appId}/date=2026-03-02/hour=10/` })).objects.map((o) => o.key),
    ).toEqual([
      `events/${appId}/date=2026-03-02/hour=10/k1.ndjson.gz`,
      `events/${appId}/date=2026-03-02/hour=10/k2.ndjson.gz`,
    ]);
  });

  it("exports journey decisions, send jobs (test sends marked) and delivery-status changes beside events", async () => {
    const app = await createTestApp();
    const campaignId = await launchCampaign(app, {
      name: "Receipt",
      transactional: true,
      trigger: { type: "event", event: "Order Completed" },
      steps: [{ type: "message", id: "receipt", channels: ["email"], content: { email: { subject: "R", text: "T" } } }],
    });
    await sdk(app, "/v1/devices", { userId: "cu", email: "cu@example.com", consent: { email: "opted_in" } });
    await sdk(app, "/v1/track", { userId: "cu", event: "Order Completed", messageId: "o1" });
    const test = await admin(app, "/admin/messages/test-send", {
      method: "POST",
      headers: { "idempotency-key": "req-x" },
      json: { userId: "cu", campaignId, stepId: "receipt", channel: "email", event: {} },
    });
    expect(test.status).toBe(200);
    const day = new Date().toISOString().slice(0, 10);
    const deliveries = await eventually(
      async () => {
        const r = await rowsUnder(`deliveries/${app.appId}/date=${day}/`);
        return r.filter((x) => (x.detail as { status?: string }).status === "sent").length >= 2 ? r : null;
      },
      15_000,
      "delivery rows",
    );
    const sends = await rowsUnder(`sends/${app.appId}/`);
    expect(sends.map((r) => [r.type, r.campaignId, r.stepId, r.channel, r.test]).sort()).toEqual([
      ["send", campaignId, "receipt", "email", false],
      ["send", campaignId, "receipt", "email", true],
    ]);
    expect(sends.every((r) => r.userId === "cu" && r.appId === app.appId)).toBe(true);
    const keys = sends.map((r) => r.idempotencyKey as string).sort();
    expect(
      deliveries
        .filter((r) => (r.detail as { status?: string }).status === "sent")
        .map((r) => (r.detail as { key: string }).key)
        .sort(),
    ).toEqual(keys);
    const decisions = await rowsUnder(`decisions/${app.appId}/`);
    const details = decisions.map((r) => r.detail as Record<string, unknown>);
    expect(details.some((d) => d.campaignId === campaignId && d.entered === true)).toBe(true);
    expect(details.filter((d) => d.sent === "email").length).toBeGreaterThanOrEqual(1);
    expect(details.some((d) => d.test === true)).toBe(true);

    // The listing route: one kind per call, paged, with the object keys on request.
    const listed = (await (
      await admin(app, `/admin/analytics/exports?kind=send&date=${day}&keys=true&limit=1`)
    ).json()) as {
      kind: string;
      partitions: Array<{ partition: string; files: number; keys: string[] }>;
      cursor: string | null;
    };
    expect(listed.kind).toBe("send");
    expect(listed.partitions).toHaveLength(1);
    expect(listed.partitions[0]!.files).toBe(1);
    expect(listed.partitions[0]!.keys[0]!.startsWith(`sends/${app.appId}/date=${day}/`)).toBe(true);
    // Sends of one test-send and of one event are two transactions: two files, the second on the next page.
    expect(listed.cursor).not.toBeNull();
    const file = await admin(
      app,
      `/admin/analytics/exports/file?key=${encodeURIComponent(listed.partitions[0]!.keys[0]!)}`,
    );
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/gzip");
    const text = await gunzip(await file.arrayBuffer());
    expect(JSON.parse(text.trim().split("\n")[0]!).type).toBe("send");
    const foreign = await admin(
      app,
      `/admin/analytics/exports/file?key=${encodeURIComponent("sends/other-app/date=2026-01-01/hour=00/x.ndjson.gz")}`,
    );
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "key",
    );
    const badKind = await admin(app, "/admin/analytics/exports?kind=clicks");
    expect(badKind.status).toBe(400);
  });

  it("a redelivered batch of decisions, sends and delivery statuses replaces its files: no duplicate rows", async () => {
    const appId = `exp-${crypto.randomUUID().slice(0, 8)}`;
    const at = (t: number) => new Date(t).toISOString();
    const m: ExportMessage = {
      op: "export",
      key: "t1",
      appId,
      rows: [
        { type: "decision", appId, userId: "u", timestamp: at(T0), seq: 0, detail: { campaignId: "c", entered: true } },
        {
          type: "send",
          appId,
          userId: "u",
          timestamp: at(T0),
          idempotencyKey: "c:s:1",
          campaignId: "c",
          campaignVersion: 1,
          stepId: "s",
          variant: "A",
          channel: "email",
          category: "marketing",
          test: false,
        },
        {
          type: "delivery",
          appId,
          userId: "u",
          timestamp: at(T0 + 3600_000),
          detail: { key: "c:s:1", status: "sent" },
        },
      ],
    };
    expect(await writeExports(bucket, [m])).toBe(3);
    await writeExports(bucket, [m, m]); // redelivered, and twice in one batch
    for (const [prefix, n] of [
      ["decisions", 1],
      ["sends", 1],
      ["deliveries", 1],
    ] as const) {
      const rows = await rowsUnder(`${prefix}/${appId}/`);
      expect(rows).toHaveLength(n);
    }
    expect(
      (await bucket.list({ prefix: `deliveries/${appId}/date=2026-03-02/hour=11/` })).objects.map((o) => o.key),
    ).toEqual([`deliveries/${appId}/date=2026-03-02/hour=11/t1.ndjson.gz`]);
  });
});
