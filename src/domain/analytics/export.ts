import type { Millis } from "../../kernel/clock";
import type { BeckonEvent } from "../events/beckon-event";

/**
 * Event export to R2 (docs/analytics.md "Event export"): every applied SDK event, as NDJSON gzip files partitioned
 * `<appId>/date=YYYY-MM-DD/hour=HH/` by the event's UTC time. One transaction's events travel as one
 * INDEX-queue message with a unique key (kept in the object's outbox row); the consumer writes one file per
 * message and partition named by that key, so a redelivered message replaces its own files, never adds rows.
 */
export interface ExportRow {
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

export interface ExportMessage {
  op: "export";
  key: string;
  appId: string;
  rows: ExportRow[];
}

export const EXPORT_PREFIX = "events";
/** Events per message: keeps a message well under the queue's 128 KB for ordinary events. */
export const EXPORT_ROWS_PER_MESSAGE = 50;

export function exportRow(appId: string, userId: string, anonymous: boolean, e: BeckonEvent): ExportRow {
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

/** The partition of a row: `<appId>/date=YYYY-MM-DD/hour=HH`. */
export function partitionOf(appId: string, at: Millis | string): string {
  const iso = new Date(at).toISOString();
  return `${appId}/date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}`;
}

/** Deterministic object keys: one per message and partition. */
export function exportFiles(m: ExportMessage): Array<{ key: string; rows: ExportRow[] }> {
  const byPartition = new Map<string, ExportRow[]>();
  for (const r of m.rows) {
    const p = partitionOf(m.appId, r.timestamp);
    const list = byPartition.get(p) ?? [];
    list.push(r);
    byPartition.set(p, list);
  }
  return [...byPartition]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, rows]) => ({ key: `${EXPORT_PREFIX}/${p}/${m.key}.ndjson.gz`, rows }));
}
