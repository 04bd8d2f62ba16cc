import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { applyFact } from "../../delivery/delivery-events";
import { loadDeliveries } from "../../delivery/delivery-store";
import { authenticateWriteKey } from "../middleware/auth";
import { parseJson, readBody } from "../middleware/body";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import { adminRouter, ErrorSchema } from "../openapi/openapi";
import { userObjectName } from "../../kernel/ids";
import { verifyIdentity } from "../middleware/user-token";

/**
 * `POST /v1/push/opened`: the person opened a push (the mobile SDK reports the tap). Push
 * payloads carry the send's idempotency key as `beckon_key`; its delivery record moves to
 * `opened`, which counts in the campaign funnel once and tells the person's object (a
 * journey's `message: opened` branch). Only the person the push was sent to can report it:
 * named (with their user token under identity verification), or proven by the device token or
 * Web Push endpoint that received it (a service worker knows its endpoint but not who is signed in;
 * only the device, its push service and Beckon know that address).
 */
const PushOpened = z
  .object({
    writeKey: z.string().optional().openapi({ description: "the app's write key (or Basic auth)" }),
    userToken: z.string().optional().openapi({ description: "identity verification: the person's user token" }),
    userId: z.string().min(1).max(256).optional(),
    anonymousId: z.string().min(1).max(256).optional(),
    key: z
      .string()
      .min(1)
      .max(512)
      .openapi({ description: "the push's `beckon_key` (the send's idempotency key)", example: "c_1:step:ada:0" }),
    token: z.string().min(1).max(4096).optional().openapi({
      description:
        "the device token (or Web Push endpoint) that received it: a send to several devices has one record each",
    }),
  })
  .strict()
  .refine((r) => r.userId || r.anonymousId || r.token, {
    message: "userId, anonymousId or token is required",
    path: ["userId"],
  })
  .openapi("PushOpened");

const error = (description: string) => ({ description, content: { "application/json": { schema: ErrorSchema } } });

export const pushOpenRoutes = adminRouter();

const route = createRoute({
  method: "post",
  path: "/push/opened",
  operationId: "reportPushOpened",
  tags: ["sdk"],
  summary: "The person opened a push: its delivery record moves to opened (funnel, journeys' `message: opened`)",
  description:
    "The body is JSON whatever the content type: SDKs send it as `text/plain` (no CORS preflight), as for the other SDK routes.",
  security: [{ writeKey: [] }],
  // Declared as text/plain only: the handler reads and limits the raw body itself (a JSON media type would make the
  // router parse it first and refuse the text/plain the SDKs send).
  request: { body: { required: true, content: { "text/plain": { schema: PushOpened } } } },
  responses: {
    200: {
      description: "Recorded (once: a repeated open is a no-op)",
      content: {
        "application/json": {
          schema: z.object({
            success: z.literal(true),
            status: z.string().openapi({ description: "the delivery's status now", example: "opened" }),
          }),
        },
      },
    },
    400: error("Invalid input: the body names the field and the problem"),
    401: error(
      "Missing or wrong write key, or a missing/invalid user token when the app requires identity verification",
    ),
    404: error("No push with this key was sent to this person"),
  },
});

pushOpenRoutes.openapi(route, async (c) => {
  const { text } = await readBody(c.req.raw, 16 * 1024, "request");
  const body = parseJson(text);
  await authenticateWriteKey(c, (body as { writeKey?: unknown } | null)?.writeKey);
  const parsed = PushOpened.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  const r = parsed.data;
  await verifyIdentity(c, [r.userId], r);
  const app = c.get("app");
  const person = r.userId || r.anonymousId ? userObjectName(app.appId, r) : null;
  const rows = ((await loadDeliveries(c.env.DB, [r.key])).get(r.key) ?? []).filter(
    (row) =>
      row.appId === app.appId &&
      row.channel === "push" &&
      (person
        ? // Sent to this person: their object, or their user id (the send may predate an identify that merged them).
          row.userObject === person.name || (!person.anonymous && row.userId === person.userId)
        : // No person named: the device address that received it is the proof.
          row.target === r.token),
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
  return c.json({ success: true as const, status: status ?? row.status }, 200);
});
