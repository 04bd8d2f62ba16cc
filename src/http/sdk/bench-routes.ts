import { Hono } from "hono";
import { userObjectName } from "../../kernel/ids";
import { userStub } from "../../engine/user-stub";
import { authenticateWriteKey } from "../middleware/auth";
import { readBody, parseJson } from "../middleware/body";
import type { HonoEnv } from "../hono-env";
import { benchOnly } from "../middleware/bench-only";
import { MAX_BATCH_BYTES } from "./segment-schema";

/**
 * The benchmark's floor: the same body read and write-key auth as /v1/batch and
 * one UserObject RPC that does nothing. Only answers when BENCH_ROUTES = "true".
 */
export const benchRoutes = new Hono<HonoEnv>();

benchRoutes.post("/_floor", benchOnly, async (c) => {
  const { text } = await readBody(c.req.raw, MAX_BATCH_BYTES, "batch");
  const body = parseJson(text) as { writeKey?: unknown; batch?: Array<{ userId?: string }> };
  await authenticateWriteKey(c, body.writeKey);
  const userId = body.batch?.[0]?.userId ?? "floor";
  await userStub(c.env.USER, userObjectName(c.get("app").appId, { userId }).name).noop();
  return c.json({ success: true });
});
