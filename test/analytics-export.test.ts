import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ExportMessage } from "../src/domain/analytics/export";
import { gunzip, writeExports } from "../src/jobs/export-writer";
import { admin, createTestApp, sdk } from "./helpers/api";
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
});
