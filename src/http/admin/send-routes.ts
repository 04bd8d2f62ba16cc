import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { and, asc, desc, eq, inArray, or, sql } from "drizzle-orm";
import { database } from "../../stores/d1/client";
import { deliveries, deliveryEvents } from "../../stores/d1/schema";
import { FEEDBACK_PROVIDER } from "../../delivery/delivery-store";
import { DELIVERY_STATUSES } from "../../delivery/status";
import { notFound } from "../../kernel/errors";
import { adminRouter, responses } from "../openapi/openapi";

/** Admin API over delivery: every send (the sandbox's outbox included) with its provider events. Dead letters: dead-letter-routes.ts. */
export const sendRoutes = adminRouter();

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

sendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
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

sendRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{idempotencyKey}",
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
    if (rows.length === 0) throw notFound("send", key);
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
