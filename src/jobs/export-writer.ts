import { type ExportMessage, type ExportRow, exportFiles } from "../domain/analytics/export";
import type { Env } from "../env";
import { parquetFile, readParquetRows } from "./export-parquet";
import { sendToPipelines } from "./export-pipelines";

/**
 * The R2 side of the export (docs/analytics.md "Export"): files named by their message, so a retry replaces
 * them. NDJSON gzip, or Parquet when the message says so (the app's `exportFormat`).
 */
async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(bytes: ArrayBuffer): Promise<string> {
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
}

const CONTENT_TYPES = { ndjson: "application/x-ndjson", parquet: "application/vnd.apache.parquet" } as const;

/** Writes the messages' files (a retry writes the same keys with the same rows). */
export async function writeExports(bucket: R2Bucket, messages: readonly ExportMessage[]): Promise<number> {
  let files = 0;
  for (const m of messages) {
    for (const f of exportFiles(m)) {
      const body =
        f.format === "parquet"
          ? await parquetFile(f.kind, f.rows)
          : await gzip(f.rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
      await bucket.put(f.key, body, {
        httpMetadata:
          f.format === "parquet"
            ? { contentType: CONTENT_TYPES.parquet }
            : { contentType: CONTENT_TYPES.ndjson, contentEncoding: "gzip" },
        customMetadata: { rows: String(f.rows.length) },
      });
      files++;
    }
  }
  return files;
}

/**
 * One INDEX-queue export message to every sink bound: the R2 files first (a retry replaces them), then the
 * Pipelines streams (a retry sends again, under the same row ids), so a stream sees a row twice only when
 * its own send or the ack fails.
 */
export async function deliverExport(env: Env, m: ExportMessage): Promise<void> {
  if (env.EXPORTS) await writeExports(env.EXPORTS, [m]);
  await sendToPipelines(env, m);
}

/** The rows of one export file, whichever its format (by its key's suffix). */
export async function readExportFile(key: string, bytes: ArrayBuffer): Promise<Array<ExportRow & { rowId?: string }>> {
  if (key.endsWith(".parquet")) return readParquetRows(bytes);
  const text = await gunzip(bytes);
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as ExportRow & { rowId?: string });
}
