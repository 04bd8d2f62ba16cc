import type { Millis } from "../../kernel/clock";
import type { SendJob } from "../delivery/send-job";
import type { BeckonEvent } from "../events/beckon-event";

/**
 * Export to R2 (docs/analytics.md "Export"): applied SDK events, journey decisions, send jobs and
 * delivery-status changes, as NDJSON gzip (or Parquet) files partitioned `<kind>/<appId>/date=YYYY-MM-DD/hour=HH/` by
 * the row's UTC time, and optionally to Cloudflare Pipelines streams. What one transaction exports travels as INDEX-queue messages with a unique key
 * (kept in the object's outbox row); the consumer writes one file per message, kind and partition named
 * by that key, so a redelivered message replaces its own files, never adds rows.
 */
export interface EventRow {
  type: "event";
  appId: string;
  userId: string;
  anonymous: boolean;
  messageId: string;
  callType: string;
  name: string;
  timestamp: string;
  receivedAt: string;
  properties: unknown;
  context?: unknown;
}

/** A decision the person's object wrote to their timeline (entered, not entered, suppressed, sent, converted…). */
export interface DecisionRow {
  type: "decision";
  appId: string;
  userId: string;
  timestamp: string;
  /** Position in this transaction's exported rows: with the message key, a stable row id. */
  seq: number;
  detail: unknown;
}

/** A send job as it leaves the person's object for the SENDS queue (address and content are not exported). */
export interface SendRow {
  type: "send";
  appId: string;
  userId: string;
  timestamp: string;
  idempotencyKey: string;
  campaignId: string;
  campaignVersion: number;
  stepId: string;
  variant: string;
  channel: string;
  category: string;
  /** A console test send (`test:` key): never in campaign stats. */
  test: boolean;
}

/** A delivery status the person's object recorded (from the send consumer, provider webhooks, dead letters, in-app). */
export interface DeliveryRow {
  type: "delivery";
  appId: string;
  userId: string;
  timestamp: string;
  detail: unknown;
}

export type ExportRow = EventRow | DecisionRow | SendRow | DeliveryRow;
export type ExportKind = ExportRow["type"];

/** File format of the export (app setting `exportFormat`, else the deployment's `EXPORT_FORMAT`). */
export const EXPORT_FORMATS = ["ndjson", "parquet"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** The object key suffix of each format. */
export const EXPORT_EXTENSIONS = { ndjson: ".ndjson.gz", parquet: ".parquet" } as const satisfies Record<
  ExportFormat,
  string
>;

export interface ExportMessage {
  op: "export";
  key: string;
  appId: string;
  /** Decided by the object when it wrote the message (absent in messages queued before formats existed: NDJSON). */
  format?: ExportFormat;
  rows: ExportRow[];
}

/**
 * A row as it leaves for a sink: with `rowId` = `<message key>:<position in the message>`. The key is kept
 * in the object's outbox row, so a redelivered or re-enqueued message carries the same ids: a sink that
 * may receive a row twice (a Pipelines stream) deduplicates on it.
 */
export type SinkRow = ExportRow & { rowId: string };

export function sinkRows(m: ExportMessage): SinkRow[] {
  return m.rows.map((r, i) => ({ rowId: `${m.key}:${i}`, ...r }));
}

/** The top-level prefix of each kind's files. */
export const EXPORT_PREFIXES = {
  event: "events",
  decision: "decisions",
  send: "sends",
  delivery: "deliveries",
} as const satisfies Record<ExportKind, string>;
export const EXPORT_PREFIX = EXPORT_PREFIXES.event;
/** The Worker binding of each kind's Cloudflare Pipelines stream (optional `[[pipelines]]` in wrangler.toml). */
export const PIPELINE_BINDINGS = {
  event: "PIPELINE_EVENTS",
  decision: "PIPELINE_DECISIONS",
  send: "PIPELINE_SENDS",
  delivery: "PIPELINE_DELIVERIES",
} as const satisfies Record<ExportKind, string>;
/** Rows per message: keeps a message well under the queue's 128 KB for ordinary rows. */
export const EXPORT_ROWS_PER_MESSAGE = 50;

export function exportRow(appId: string, userId: string, anonymous: boolean, e: BeckonEvent): EventRow {
  return {
    type: "event",
    appId,
    userId,
    anonymous,
    messageId: e.messageId,
    callType: e.type,
    name: e.name,
    timestamp: new Date(e.timestamp).toISOString(),
    receivedAt: new Date(e.receivedAt).toISOString(),
    properties: e.properties,
    ...(e.context ? { context: e.context } : {}),
  };
}

/** Timeline kinds that are exported, and as what. */
export function timelineRow(
  who: { appId: string; userId: string },
  at: Millis,
  kind: string,
  detail: unknown,
  seq: number,
): DecisionRow | DeliveryRow | null {
  const timestamp = new Date(at).toISOString();
  if (kind === "decision") return { type: "decision", ...who, timestamp, seq, detail };
  if (kind === "delivery") return { type: "delivery", ...who, timestamp, detail };
  return null;
}

export function sendRow(who: { appId: string; userId: string }, at: Millis, job: SendJob): SendRow {
  return {
    type: "send",
    ...who,
    timestamp: new Date(at).toISOString(),
    idempotencyKey: job.idempotencyKey,
    campaignId: job.campaignId,
    campaignVersion: job.campaignVersion,
    stepId: job.stepId,
    variant: job.variant,
    channel: job.channel,
    category: job.category,
    test: job.test === true,
  };
}

/** One transaction's rows as messages, each with a fresh key (kept in the outbox row, so a retry reuses it). */
export function exportMessages(
  appId: string,
  rows: readonly ExportRow[],
  format: ExportFormat = "ndjson",
): ExportMessage[] {
  const out: ExportMessage[] = [];
  for (let i = 0; i < rows.length; i += EXPORT_ROWS_PER_MESSAGE)
    out.push({
      op: "export",
      key: crypto.randomUUID(),
      appId,
      ...(format !== "ndjson" ? { format } : {}),
      rows: rows.slice(i, i + EXPORT_ROWS_PER_MESSAGE),
    });
  return out;
}

/** The deployment's default format: `EXPORT_FORMAT = "parquet"`, anything else NDJSON. */
export function exportFormatOf(
  appSetting: ExportFormat | null | undefined,
  envDefault: string | undefined,
): ExportFormat {
  return appSetting ?? (envDefault === "parquet" ? "parquet" : "ndjson");
}

/** The partition of a row: `<appId>/date=YYYY-MM-DD/hour=HH`. */
export function partitionOf(appId: string, at: Millis | string): string {
  const iso = new Date(at).toISOString();
  return `${appId}/date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

/** Deterministic object keys: one per message, kind and partition; the suffix names the format. */
export function exportFiles(
  m: ExportMessage,
): Array<{ key: string; kind: ExportKind; format: ExportFormat; rows: SinkRow[] }> {
  const format = m.format ?? "ndjson";
  const byPartition = new Map<string, SinkRow[]>();
  for (const r of sinkRows(m)) {
    const p = `${EXPORT_PREFIXES[r.type] ?? EXPORT_PREFIX}/${partitionOf(m.appId, r.timestamp)}`;
    const list = byPartition.get(p) ?? [];
    list.push(r);
    byPartition.set(p, list);
  }
  return [...byPartition]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, rows]) => ({ key: `${p}/${m.key}${EXPORT_EXTENSIONS[format]}`, kind: rows[0]!.type, format, rows }));
}
