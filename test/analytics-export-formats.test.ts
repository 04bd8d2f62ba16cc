import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ExportMessage, ExportRow } from "../src/domain/analytics/export";
import { readExportFile, writeExports } from "../src/jobs/export-writer";
import worker from "../workers/edge";
import type { Env } from "../src/env";
import { admin, createTestApp, sdk } from "./helpers/api";
import { eventually } from "./helpers/wait";

/** The export's Parquet format (app setting `exportFormat`) and its Pipelines path (fake stream bindings). */
const T0 = Date.UTC(2026, 2, 2, 10, 30);
const bucket = (env as unknown as { EXPORTS: R2Bucket }).EXPORTS;
const at = (t: number) => new Date(t).toISOString();

function rowsOf(appId: string): ExportRow[] {
  return [
    {
      type: "event",
      appId,
      userId: "u",
      anonymous: false,
      messageId: "m1",
      callType: "track",
      name: "Product Viewed",
      timestamp: at(T0),
      receivedAt: at(T0 + 5),
      properties: { sku: "a", price: 9.5, tags: ["x"], nested: { deep: true } },
      context: { os: { name: "iOS" } },
    },
    {
      type: "event",
      appId,
      userId: "u",
      anonymous: true,
      messageId: "m2",
      callType: "identify",
      name: "Identify",
      timestamp: at(T0 + 1000),
      receivedAt: at(T0 + 1005),
      properties: {},
    },
    { type: "decision", appId, userId: "u", timestamp: at(T0), seq: 2, detail: { campaignId: "c", entered: true } },
    {
      type: "send",
      appId,
      userId: "u",
      timestamp: at(T0),
      idempotencyKey: "c:s:1",
      campaignId: "c",
      campaignVersion: 3,
      stepId: "s",
      variant: "A",
      channel: "email",
      category: "marketing",
      test: false,
    },
    { type: "delivery", appId, userId: "u", timestamp: at(T0 + 3600_000), detail: { key: "c:s:1", status: "sent" } },
  ];
}

async function filesUnder(prefix: string): Promise<Array<{ key: string; rows: Array<Record<string, unknown>> }>> {
  const out = [];
  for (const o of (await bucket.list({ prefix })).objects) {
    const body = await bucket.get(o.key);
    out.push({
      key: o.key,
      rows: (await readExportFile(o.key, await body!.arrayBuffer())) as unknown as Array<Record<string, unknown>>,
    });
  }
  return out;
}

type FakeMessage = { body: unknown; acked: number; retried: number; ack(): void; retry(): void };
function fakeBatch(bodies: unknown[]): { batch: MessageBatch<unknown>; messages: FakeMessage[] } {
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    attempts: 1,
    body,
    acked: 0,
    retried: 0,
    ack() {
      this.acked++;
    },
    retry() {
      this.retried++;
    },
  }));
  return {
    batch: {
      queue: "beckon-index",
      messages,
      ackAll() {},
      retryAll() {},
    } as unknown as MessageBatch<unknown>,
    messages,
  };
}

function fakeStream(fail = false) {
  const calls: Array<Array<Record<string, unknown>>> = [];
  return {
    calls,
    async send(records: Array<Record<string, unknown>>) {
      if (fail) throw new Error("stream unavailable");
      calls.push(structuredClone(records));
    },
  };
}

describe("export formats and sinks", () => {
  it("Parquet files hold the same rows as NDJSON, under the same deterministic keys but their suffix", async () => {
    const appId = `pq-${crypto.randomUUID().slice(0, 8)}`;
    const rows = rowsOf(appId);
    const nd: ExportMessage = { op: "export", key: "k1", appId, rows };
    const pq: ExportMessage = {
      op: "export",
      key: "k1",
      appId: `${appId}p`,
      format: "parquet",
      rows: rowsOf(`${appId}p`),
    };
    expect(await writeExports(bucket, [nd])).toBe(4);
    expect(await writeExports(bucket, [pq, pq])).toBe(8); // a redelivery replaces its files
    for (const prefix of ["events", "decisions", "sends", "deliveries"]) {
      const a = await filesUnder(`${prefix}/${appId}/`);
      const b = await filesUnder(`${prefix}/${appId}p/`);
      expect(a.map((f) => f.key.replace(appId, "X").replace(".ndjson.gz", ""))).toEqual(
        b.map((f) => f.key.replace(`${appId}p`, "X").replace(".parquet", "")),
      );
      expect(b.every((f) => f.key.endsWith("/k1.parquet"))).toBe(true);
      const strip = (r: Record<string, unknown>) => ({ ...r, appId: "X" });
      expect(b.flatMap((f) => f.rows).map(strip)).toEqual(a.flatMap((f) => f.rows).map(strip));
    }
    const events = (await filesUnder(`events/${appId}p/`)).flatMap((f) => f.rows);
    expect(events.map((r) => r.rowId)).toEqual(["k1:0", "k1:1"]);
    expect(events[0]!.properties).toEqual({ sku: "a", price: 9.5, tags: ["x"], nested: { deep: true } });
    const head = await bucket.head(`events/${appId}p/date=2026-03-02/hour=10/k1.parquet`);
    expect(head?.httpMetadata?.contentType).toBe("application/vnd.apache.parquet");
    expect(head?.customMetadata?.rows).toBe("2");
  });

  it("an app with exportFormat parquet exports Parquet, downloadable through getExportFile", async () => {
    const app = await createTestApp({ exportFormat: "parquet" });
    await sdk(
      app,
      "/v1/batch",
      {
        batch: [
          { type: "track", userId: "pq", event: "A", messageId: "p1", timestamp: at(T0), properties: { n: 1 } },
          { type: "track", userId: "pq", event: "B", messageId: "p2", timestamp: at(T0 + 60_000), properties: {} },
        ],
      },
      { clock: T0 + 120_000 },
    );
    const files = await eventually(
      async () => {
        const f = await filesUnder(`events/${app.appId}/date=2026-03-02/`);
        return f.flatMap((x) => x.rows).length >= 2 ? f : null;
      },
      10_000,
      "parquet export files",
    );
    expect(files.every((f) => f.key.endsWith(".parquet"))).toBe(true);
    expect(
      files
        .flatMap((f) => f.rows)
        .map((r) => [r.messageId, r.name, r.timestamp])
        .sort(),
    ).toEqual([
      ["p1", "A", at(T0)],
      ["p2", "B", at(T0 + 60_000)],
    ]);
    const file = await admin(app, `/admin/analytics/exports/file?key=${encodeURIComponent(files[0]!.key)}`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("application/vnd.apache.parquet");
    expect(new TextDecoder().decode((await file.arrayBuffer()).slice(0, 4))).toBe("PAR1");
  });

  it("a bad exportFormat is a 400 naming the field", async () => {
    const app = await createTestApp();
    const res = await admin(app, "/admin/app/settings", { method: "PATCH", json: { exportFormat: "csv" } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("exportFormat");
  });

  it("the INDEX consumer sends each kind's rows to its Pipelines stream once per message, with row ids stable across a redelivery", async () => {
    const appId = `pl-${crypto.randomUUID().slice(0, 8)}`;
    const events = fakeStream();
    const sends = fakeStream();
    const m: ExportMessage = { op: "export", key: "msg-1", appId, rows: rowsOf(appId) };
    const testEnv = { ...(env as unknown as Env), PIPELINE_EVENTS: events, PIPELINE_SENDS: sends };
    const first = fakeBatch([m]);
    await worker.queue(first.batch, testEnv);
    expect(first.messages[0]!.acked).toBe(1);
    // One send per kind with a stream; decisions and deliveries have none here and are left out.
    expect(events.calls).toHaveLength(1);
    expect(sends.calls).toHaveLength(1);
    expect(events.calls[0]!.map((r) => [r.rowId, r.type, r.messageId])).toEqual([
      ["msg-1:0", "event", "m1"],
      ["msg-1:1", "event", "m2"],
    ]);
    expect(sends.calls[0]!.map((r) => [r.rowId, r.idempotencyKey])).toEqual([["msg-1:3", "c:s:1"]]);
    expect(events.calls[0]![0]!.properties).toEqual({ sku: "a", price: 9.5, tags: ["x"], nested: { deep: true } });
    // The R2 files are written as well (the bucket is bound), with the same row ids.
    const files = await filesUnder(`events/${appId}/`);
    expect(files.flatMap((f) => f.rows).map((r) => r.rowId)).toEqual(["msg-1:0", "msg-1:1"]);

    // Redelivered: the same rows again under the same ids (the table deduplicates on rowId), files replaced.
    const again = fakeBatch([m]);
    await worker.queue(again.batch, testEnv);
    expect(events.calls).toHaveLength(2);
    expect(events.calls[1]).toEqual(events.calls[0]);
    expect(sends.calls[1]).toEqual(sends.calls[0]);
    expect((await filesUnder(`events/${appId}/`)).flatMap((f) => f.rows)).toHaveLength(2);

    // A stream that fails: the message is retried, not acked.
    const failing = fakeBatch([{ ...m, key: "msg-2" }]);
    await worker.queue(failing.batch, { ...testEnv, PIPELINE_DECISIONS: fakeStream(true) });
    expect(failing.messages[0]!.acked).toBe(0);
    expect(failing.messages[0]!.retried).toBe(1);
  });
});
