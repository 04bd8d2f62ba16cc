import type { Context } from "hono";
import type * as z from "zod";
import { invalid } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { authenticateWriteKey } from "../middleware/auth";
import { parseJson, readBody } from "../middleware/body";

/**
 * The preamble of an SDK write route: read the body within its limit, parse it, authenticate
 * the write key (Basic auth, or `writeKey` in the body as browsers send it), then validate it,
 * every refusal a 4xx naming the field.
 */
export async function sdkRequest<S extends z.ZodType>(
  c: Context<HonoEnv>,
  schema: S,
  maxBytes: number,
): Promise<z.infer<S>> {
  const { text } = await readBody(c.req.raw, maxBytes, "request");
  const body = parseJson(text);
  await authenticateWriteKey(c, (body as { writeKey?: unknown } | null)?.writeKey);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}
