import { Hono } from "hono";
import * as z from "zod";
import { applyFact } from "../../delivery/delivery-events";
import { loadDeliveries } from "../../delivery/delivery-store";
import { authenticateWriteKey } from "../middleware/auth";
import { parseJson, readBody } from "../middleware/body";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { userObjectName } from "../../kernel/ids";
import { verifyIdentity } from "../middleware/user-token";

/**
 * `POST /v1/push/opened`: the person opened a push (the mobile SDK reports the tap). Push
 * payloads carry the send's idempotency key as `beckon_key`; its delivery record moves to
 * `opened`, which counts in the campaign funnel once and tells the person's object (a
 * journey's `message: opened` branch). Only the person the push was sent to can report it.
 */
const PushOpened = z
  .object({
    writeKey: z.string().optional(),
    userToken: z.string().optional(),
    userId: z.string().min(1).max(256).optional(),
    anonymousId: z.string().min(1).max(256).optional(),
    /** The push's `beckon_key`. */
    key: z.string().min(1).max(512),
    /** The device token that received it, when the app knows it (a send to several devices has one record each). */
    token: z.string().min(1).max(4096).optional(),
  })
  .strict()
  .refine((r) => r.userId || r.anonymousId, { message: "userId or anonymousId is required", path: ["userId"] });

export const pushOpenRoutes = new Hono<HonoEnv>();

pushOpenRoutes.post("/v1/push/opened", async (c) => {
  const { text } = await readBody(c.req.raw, 16 * 1024, "request");
  const body = parseJson(text);
  await authenticateWriteKey(c, (body as { writeKey?: unknown } | null)?.writeKey);
  const parsed = PushOpened.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  const r = parsed.data;
  await verifyIdentity(c, [r.userId], r);
  const app = c.get("app");
  const person = userObjectName(app.appId, r);
  const rows = ((await loadDeliveries(c.env.DB, [r.key])).get(r.key) ?? []).filter(
    // Sent to this person: their object, or their user id (the send may predate an identify that merged them).
    (row) =>
      row.appId === app.appId &&
      row.channel === "push" &&
      (row.userObject === person.name || (!person.anonymous && row.userId === person.userId)),
  );
  const row =
    rows.find((x) => r.token !== undefined && x.target === r.token) ??
    rows.find((x) => x.status !== "queued" && x.status !== "sending") ??
    rows[0];
  if (!row)
    throw new DomainError(404, "not_found", "no push with this key was sent to this user", [
      { field: "key", message: "unknown push for this user" },
    ]);
  const status = await applyFact(c.env, row, "opened", c.get("now"));
  return c.json({ success: true, status: status ?? row.status });
});
