import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { and, asc, desc, eq, inArray, or, sql } from "drizzle-orm";
import { database } from "../../stores/d1/client";
import { deliveries, deliveryEvents } from "../../stores/d1/schema";
import { runSendsBench } from "../../delivery/bench";
import { listDeadLetters, replayDeadLetter } from "../../delivery/dead-letters";
import { FEEDBACK_PROVIDER } from "../../delivery/delivery-store";
import { DELIVERY_STATUSES } from "../../delivery/status";
import { adminAuth } from "../middleware/auth";
import { DomainError } from "../../kernel/errors";
import { adminRouter, responses } from "../openapi/openapi";

/** Admin API over delivery: every send (the sandbox's outbox included), and the dead letters. */
export const deliveryAdminRoutes = adminRouter();
deliveryAdminRoutes.use("/admin/sends", adminAuth);
deliveryAdminRoutes.use("/admin/sends/*", adminAuth);
deliveryAdminRoutes.use("/admin/dead-letters", adminAuth);
deliveryAdminRoutes.use("/admin/dead-letters/*", adminAuth);
deliveryAdminRoutes.use("/admin/_bench/sends", adminAuth);

const PROVIDERS = [
  "fcm",
  "apns",
  "webpush",
  "twilio",
  "resend",
  "sendgrid",
  "whatsapp",
  "webhook",
  "sandbox",
  "none",
] as const;

const Send = z
  .object({
    idempotencyKey: z.string(),
    target: z
      .string()
      .openapi({ description: "Device token / Web Push endpoint for push; empty for single-address channels" }),
    userId: z.string(),
    campaignId: z.string(),
    variant: z.string(),
    channel: z.string(),
    provider: z.string(),
    providerMessageId: z.string().nullable(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number(),
    error: z.string().nullable(),
    address: z.string().nullable(),
    content: z.unknown().openapi({ description: "Sandbox sends only: the message as it would have been sent" }),
    test: z.boolean().openapi({
      description: "a test send from the console (POST /admin/messages/test-send): never counted in campaign stats",
    }),
    createdAt: z.number(),
    sentAt: z.number().nullable(),
    deliveredAt: z.number().nullable(),
    openedAt: z.number().nullable(),
    clickedAt: z.number().nullable(),
  })
  .openapi("Send");

type Row = typeof deliveries.$inferSelect;
const view = (r: Row) => ({
  idempotencyKey: r.idempotencyKey,
  target: r.target,
  userId: r.userId,
  campaignId: r.campaignId,
  variant: r.variant,
  channel: r.channel,
  provider: r.provider,
  providerMessageId: r.providerMessageId,
  status: r.status as (typeof DELIVERY_STATUSES)[number],
  attempts: r.attempts,
  error: r.error,
  address: r.address,
  content: r.payload ? (JSON.parse(r.payload) as unknown) : null,
  test: r.idempotencyKey.startsWith("test:"),
  createdAt: r.createdAt,
  sentAt: r.sentAt,
  deliveredAt: r.deliveredAt,
  openedAt: r.openedAt,
  clickedAt: r.clickedAt,
});

const SendsQuery = z.object({
  provider: z.enum(PROVIDERS).optional().openapi({ description: "e.g. `sandbox` for what local dev would have sent" }),
  channel: z.enum(["push", "email", "sms", "whatsapp", "webhook", "in_app", "content_card"]).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  campaignId: z.string().max(200).optional(),
  userId: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z
    .string()
    .max(2048)
    .transform(
      (t, ctx) =>
        decodeSendCursor(t) ??
        (ctx.addIssue({ code: "custom", message: "expected the `next` cursor of a previous page" }), z.NEVER),
    )
    .optional()
    .openapi({ description: "the previous page's `next` cursor" }),
});

/** Sends page on (created_at, idempotency_key, target), unique per row: many sends share a millisecond. */
interface SendCursor {
  createdAt: number;
  key: string;
  target: string;
}
const encodeSendCursor = (r: SendCursor) => [String(r.createdAt), r.key, r.target].map(encodeURIComponent).join(",");
function decodeSendCursor(text: string): SendCursor | undefined {
  const parts = text.split(",");
  if (parts.length !== 3 || !/^\d{1,16}$/.test(parts[0]!)) return undefined;
  try {
    return { createdAt: Number(parts[0]), key: decodeURIComponent(parts[1]!), target: decodeURIComponent(parts[2]!) };
  } catch {
    return undefined; // malformed escapes: not a cursor of ours
  }
}

deliveryAdminRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/sends",
    tags: ["delivery"],
    summary: "Sends of this app, newest first (filter by provider, channel, status, campaign, user)",
    security: [{ admin: [] }],
    request: { query: SendsQuery },
    responses: responses(
      z.object({
        sends: z.array(Send),
        next: z.string().nullable().openapi({ description: "cursor of the next (older) page, null on the last" }),
      }),
      "Sends",
    ),
  }),
  async (c) => {
    const q = c.req.valid("query");
    const rows = await database(c.env.DB)
      .select()
      .from(deliveries)
      .where(
        and(
          eq(deliveries.appId, c.get("app").appId),
          q.provider ? eq(deliveries.provider, q.provider) : undefined,
          q.channel ? eq(deliveries.channel, q.channel) : undefined,
          q.status ? eq(deliveries.status, q.status) : undefined,
          q.campaignId ? eq(deliveries.campaignId, q.campaignId) : undefined,
          q.userId ? eq(deliveries.userId, q.userId) : undefined,
          q.before
            ? sql`(${deliveries.createdAt}, ${deliveries.idempotencyKey}, ${deliveries.target}) < (${q.before.createdAt}, ${q.before.key}, ${q.before.target})`
            : undefined,
        ),
      )
      .orderBy(desc(deliveries.createdAt), desc(deliveries.idempotencyKey), desc(deliveries.target))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return c.json(
      {
        sends: page.map(view),
        next:
          rows.length > q.limit && last
            ? encodeSendCursor({ createdAt: last.createdAt, key: last.idempotencyKey, target: last.target })
            : null,
      },
      200,
    );
  },
);

const ProviderEventView = z
  .object({
    eventId: z.string(),
    provider: z.string(),
    providerMessageId: z.string(),
    status: z.string(),
    detail: z.string().nullable(),
    at: z.number(),
    receivedAt: z.number(),
    appliedAt: z.number().nullable(),
  })
  .openapi("ProviderEvent");

deliveryAdminRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/sends/{idempotencyKey}",
    tags: ["delivery"],
    summary: "One send: its targets and every provider event received for it",
    security: [{ admin: [] }],
    request: {
      params: z.object({
        idempotencyKey: z
          .string()
          .min(1)
          .max(512)
          .openapi({ param: { name: "idempotencyKey", in: "path" } }),
      }),
    },
    responses: responses(z.object({ sends: z.array(Send), events: z.array(ProviderEventView) }), "The send"),
  }),
  async (c) => {
    const key = c.req.valid("param").idempotencyKey;
    const db = database(c.env.DB);
    const rows = await db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.appId, c.get("app").appId), eq(deliveries.idempotencyKey, key)));
    if (rows.length === 0) throw new DomainError(404, "not_found", `no send ${key}`);
    const ids = rows.map((r) => r.providerMessageId).filter((id): id is string => !!id);
    // Provider callbacks for its message ids, and feedback its failures owe the person (`appliedAt` null while owed).
    const owed = and(eq(deliveryEvents.provider, FEEDBACK_PROVIDER), eq(deliveryEvents.providerMessageId, key));
    const events = await db
      .select()
      .from(deliveryEvents)
      .where(ids.length ? or(inArray(deliveryEvents.providerMessageId, ids), owed) : owed)
      .orderBy(asc(deliveryEvents.at));
    return c.json({ sends: rows.map(view), events }, 200);
  },
);

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

deliveryAdminRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/dead-letters",
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

deliveryAdminRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/dead-letters/{id}/replay",
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

/**
 * Benchmark only (BENCH_ROUTES = "true"): runs one SENDS batch of `jobs` sandbox sends through
 * the real consumer, or through the floor — the irreducible work of an exactly-once consumer:
 * every job recorded in one D1 round trip, then acked — so bench/sends.mjs can report a ratio.
 */
deliveryAdminRoutes.post("/admin/_bench/sends", async (c) => {
  if (c.env.BENCH_ROUTES !== "true") throw new DomainError(404, "not_found", "no route");
  const q = z
    .object({ mode: z.enum(["consumer", "floor"]), jobs: z.coerce.number().int().min(1).max(100).default(50) })
    .safeParse({ mode: c.req.query("mode"), jobs: c.req.query("jobs") });
  if (!q.success) throw new DomainError(400, "invalid_input", q.error.issues.map((i) => i.message).join("; "));
  return c.json(await runSendsBench(c.env, c.get("app").appId, q.data.mode, q.data.jobs));
});
