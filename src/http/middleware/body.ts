import type { MiddlewareHandler } from "hono";
import { MAX_IMPORT_BYTES } from "../../domain/geo/geo-input";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { assertJsonDepth, MAX_ADMIN_BODY_BYTES } from "./json-limits";

/**
 * Reads a request body as text with a byte limit, inflating `Content-Encoding: gzip`.
 * Content-Type is not trusted: analytics.js sends JSON as text/plain to avoid CORS preflights.
 */
export async function readBody(
  req: Request,
  maxBytes: number,
  limitName: string,
): Promise<{ text: string; bytes: number }> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  const encoding = (req.headers.get("content-encoding") ?? "").toLowerCase();
  if (!encoding && Number.isFinite(declared) && declared > maxBytes) throw tooLarge(limitName, maxBytes);
  if (!req.body) return { text: "", bytes: 0 };
  let stream: ReadableStream<Uint8Array> = req.body;
  if (encoding === "gzip" || encoding === "deflate") stream = stream.pipeThrough(new DecompressionStream(encoding));
  else if (encoding && encoding !== "identity")
    throw new DomainError(415, "unsupported_encoding", `Content-Encoding ${encoding} is not supported (use gzip)`);
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
    if (err instanceof DomainError) throw err;
    throw new DomainError(400, "invalid_body", "request body could not be read (corrupt gzip?)");
  }
  const all = new Uint8Array(bytes);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return { text: new TextDecoder().decode(all), bytes };
}

function tooLarge(limitName: string, maxBytes: number): DomainError {
  return new DomainError(400, "too_large", `${limitName} exceeds the ${Math.round(maxBytes / 1024)} KB limit`, [
    { field: "(body)", message: `larger than ${Math.round(maxBytes / 1024)} KB` },
  ]);
}

/** Parses an SDK or webhook body; refuses nesting past MAX_JSON_DEPTH first (see json-limits.ts). */
export function parseJson(text: string): unknown {
  assertJsonDepth(text);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DomainError(400, "malformed_json", `body is not valid JSON: ${(err as Error).message}`, [
      { field: "(body)", message: "malformed JSON" },
    ]);
  }
}

/**
 * Admin routes parse JSON through Hono's validators: read the body once here with the size
 * limit, check its depth, and leave the text in Hono's body cache for the validator to parse.
 */
export const adminBodyGuard: MiddlewareHandler<HonoEnv> = async (c, next) => {
  if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.raw.body) {
    const isImport = new URL(c.req.url).pathname === "/admin/geofences/import";
    const { text } = await readBody(
      c.req.raw,
      isImport ? MAX_IMPORT_BYTES : MAX_ADMIN_BODY_BYTES,
      isImport ? "GeoJSON import" : "request",
    );
    assertJsonDepth(text);
    // Hono caches body promises (its type says values); its validators then parse this text.
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
  }
  await next();
};
