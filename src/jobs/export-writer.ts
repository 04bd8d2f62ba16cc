import { type ExportMessage, exportFiles } from "../domain/analytics/export";

/** The R2 side of the event export (docs/analytics.md "Event export"): files named by their message, so a retry replaces them. */
async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function gunzip(bytes: ArrayBuffer): Promise<string> {
  return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
}

/** Writes the messages' files (a retry writes the same keys with the same rows). */
export async function writeExports(bucket: R2Bucket, messages: readonly ExportMessage[]): Promise<number> {
  let files = 0;
  for (const m of messages) {
    for (const f of exportFiles(m)) {
      await bucket.put(f.key, await gzip(f.rows.map((r) => JSON.stringify(r)).join("\n") + "\n"), {
        httpMetadata: { contentType: "application/x-ndjson", contentEncoding: "gzip" },
        customMetadata: { rows: String(f.rows.length) },
      });
      files++;
    }
  }
  return files;
}
