import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { listDeadLetters, replayDeadLetter } from "../../delivery/dead-letters";
import { DomainError } from "../../kernel/errors";
import { adminRouter, responses } from "../openapi/openapi";

/** Send jobs that exhausted their retries, and replaying one. */
export const deadLetterRoutes = adminRouter();

const DeadLetter = z
  .object({
    id: z.number(),
    idempotencyKey: z.string(),
    userId: z.string(),
    campaignId: z.string(),
    channel: z.string(),
    job: z.unknown(),
    error: z.string().nullable(),
    attempts: z.number(),
    createdAt: z.number(),
    replayedAt: z.number().nullable(),
  })
  .openapi("DeadLetter");

const deadView = (r: Awaited<ReturnType<typeof listDeadLetters>>[number]) => ({
  id: r.id,
  idempotencyKey: r.idempotencyKey,
  userId: r.userId,
  campaignId: r.campaignId,
  channel: r.channel,
  job: JSON.parse(r.job) as unknown,
  error: r.error,
  attempts: r.attempts,
  createdAt: r.createdAt,
  replayedAt: r.replayedAt,
});

deadLetterRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["delivery"],
    summary: "Send jobs that exhausted their retries, newest first",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        pending: z.enum(["true", "false"]).optional().openapi({ description: "only those not replayed yet" }),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        before: z.coerce.number().int().optional().openapi({ description: "id cursor" }),
      }),
    },
    responses: responses(z.object({ deadLetters: z.array(DeadLetter) }), "Dead letters"),
  }),
  async (c) => {
    const q = c.req.valid("query");
    const rows = await listDeadLetters(c.env.DB, c.get("app").appId, {
      limit: q.limit,
      ...(q.before ? { before: q.before } : {}),
      pending: q.pending === "true",
    });
    return c.json({ deadLetters: rows.map(deadView) }, 200);
  },
);

deadLetterRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{id}/replay",
    tags: ["delivery"],
    summary: "Put a dead-lettered job back on the send queue (targets already sent are not sent again)",
    security: [{ admin: [] }],
    request: {
      params: z.object({
        id: z.coerce
          .number()
          .int()
          .positive()
          .openapi({ param: { name: "id", in: "path" } }),
      }),
    },
    responses: responses(z.object({ deadLetter: DeadLetter }), "The replayed dead letter"),
  }),
  async (c) => {
    const row = await replayDeadLetter(c.env, c.get("app").appId, c.req.valid("param").id, c.get("now"));
    if (!row) throw new DomainError(404, "not_found", "no such dead letter");
    return c.json({ deadLetter: deadView(row) }, 200);
  },
);
