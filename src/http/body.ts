import { HttpError } from "./errors";

/**
 * Reads a request body as text with a byte limit, inflating `Content-Encoding: gzip`.
 * Content-Type is not trusted: analytics.js sends JSON as text/plain to avoid CORS preflights.
 */
export async function readBody(req: Request, maxBytes: number, limitName: string): Promise<{ text: string; bytes: number }> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  const encoding = (req.headers.get("content-encoding") ?? "").toLowerCase();
  if (!encoding && Number.isFinite(declared) && declared > maxBytes) throw tooLarge(limitName, maxBytes);
  if (!req.body) return { text: "", bytes: 0 };
  let stream: ReadableStream<Uint8Array> = req.body;
  if (encoding === "gzip" || encoding === "deflate") stream = stream.pipeThrough(new DecompressionStream(encoding));
  else if (encoding && encoding !== "identity") throw new HttpError(415, "unsupported_encoding", `Content-Encoding ${encoding} is not supported (use gzip)`);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        await reader.cancel();
        throw tooLarge(limitName, maxBytes);
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, "invalid_body", "request body could not be read (corrupt gzip?)");
  }
  const all = new Uint8Array(bytes);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return { text: new TextDecoder().decode(all), bytes };
}

function tooLarge(limitName: string, maxBytes: number): HttpError {
  return new HttpError(400, "too_large", `${limitName} exceeds the ${Math.round(maxBytes / 1024)} KB limit`, [{ field: "(body)", message: `larger than ${Math.round(maxBytes / 1024)} KB` }]);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, "malformed_json", `body is not valid JSON: ${(err as Error).message}`, [{ field: "(body)", message: "malformed JSON" }]);
  }
}
