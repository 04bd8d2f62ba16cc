import {
  type ExportKind,
  type ExportMessage,
  PIPELINE_BINDINGS,
  type SinkRow,
  sinkRows,
} from "../domain/analytics/export";
import type { ExportStream } from "../env";

/**
 * The warehouse path of the export (docs/analytics.md "Production warehouse path"): each kind's rows go
 * to its Cloudflare Pipelines stream when the Worker has that `[[pipelines]]` binding, beside (or instead
 * of) the R2 files. A stream accepts `send(records)`; a sink takes it on to an R2 Data Catalog (Iceberg)
 * table exactly once from the stream, but a redelivered queue message sends its rows again, so every row
 * carries a `rowId` stable across redeliveries (`<message key>:<position>`) for the table to deduplicate on.
 */
export type PipelineEnv = Partial<Record<(typeof PIPELINE_BINDINGS)[ExportKind], ExportStream>>;

/**
 * Sends one message's rows: one `send` per kind present that has a stream (a kind without one is left out).
 * Returns the rows sent. A failed send throws, and the message is retried whole (rows sent before are sent
 * again under the same row ids).
 */
export async function sendToPipelines(env: PipelineEnv, m: ExportMessage): Promise<number> {
  const byKind = new Map<ExportKind, SinkRow[]>();
  for (const r of sinkRows(m)) {
    const list = byKind.get(r.type) ?? [];
    list.push(r);
    byKind.set(r.type, list);
  }
  let sent = 0;
  for (const [kind, rows] of byKind) {
    const stream = env[PIPELINE_BINDINGS[kind]];
    if (!stream) continue;
    await stream.send(rows as unknown as Array<Record<string, unknown>>);
    sent += rows.length;
  }
  return sent;
}
