import { Hono } from "hono";
import type { Context } from "hono";
import { and, eq, inArray, isNotNull, not, or, sql } from "drizzle-orm";
import { database } from "../../stores/d1/client";
import { deliveries, deliveryEvents } from "../../stores/d1/schema";
import type { ConsentChannel } from "../../domain/delivery/channel";
import { receiveProviderEvent, type ProviderEvent } from "../../delivery/delivery-events";
import { deliveryEnv } from "../../delivery/delivery-env";
import { peopleAt } from "../../delivery/delivery-store";
import { setConsent } from "../../delivery/feedback";
import { keywordAction } from "../../delivery/sms-keywords";
import { resendEvent, sendgridEvents, twilioStatusEvent, whatsappEvents } from "../../delivery/webhook-events";
import { timingSafeEqual } from "../middleware/auth";
import { readBody } from "../middleware/body";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { verifyMetaSignature } from "./meta-signature";
import { verifySendgrid } from "./sendgrid-signature";
import { verifySvix } from "./svix-signature";
import { verifyTwilioSignature } from "./twilio-signature";
import { escapeXml } from "./xml";

/**
 * Provider webhooks (mounted at `/webhooks`; the unsubscribe link is unsubscribe-routes.ts). Every webhook is
 * verified against the provider's signature before anything is read from it: a bad or missing
 * signature is a 401 and changes nothing. Replays are no-ops (events are stored by their id).
 */
export const webhookRoutes = new Hono<HonoEnv>();

const MAX_WEBHOOK_BYTES = 5 * 1024 * 1024;
const SENDGRID_FRESHNESS_S = 10 * 60;
const unauthorized = (message: string) => new DomainError(401, "unauthorized", message);
const now = (c: Context<HonoEnv>) => c.get("now");

async function rawBody(c: Context<HonoEnv>): Promise<{ text: string; bytes: Uint8Array }> {
  const { text } = await readBody(c.req.raw, MAX_WEBHOOK_BYTES, "webhook");
  return { text, bytes: new TextEncoder().encode(text) };
}

/** The URL Twilio signed: the configured public URL, this path and query. */
function twilioUrl(c: Context<HonoEnv>): string {
  const u = new URL(c.req.url);
  return `${(c.env.PUBLIC_URL ?? `${u.protocol}//${u.host}`).replace(/\/$/, "")}${u.pathname}${u.search}`;
}

async function verifiedTwilioForm(c: Context<HonoEnv>): Promise<Record<string, string>> {
  const token = deliveryEnv(c.env).TWILIO_AUTH_TOKEN;
  if (!token) throw unauthorized("Twilio webhooks are not configured (TWILIO_AUTH_TOKEN)");
  const { text } = await rawBody(c);
  const form: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) form[k] = v;
  if (!(await verifyTwilioSignature(token, c.req.header("x-twilio-signature"), twilioUrl(c), form)))
    throw unauthorized("invalid X-Twilio-Signature");
  return form;
}

/**
 * New events applied per request. Each costs a handful of D1 queries and an invocation may run
 * 1,000; SendGrid posts batches of hundreds of events. Beyond the budget the request answers 503:
 * the provider retries the whole batch, the events already applied are skipped as known (one
 * cheap lookup per 90), and the next slice is applied — so a big batch converges in a few retries.
 */
export const NEW_EVENTS_PER_REQUEST = 150;

/** Applies events one by one; returns counts for the response (useful when debugging a provider's retries). */
async function receiveAll(c: Context<HonoEnv>, events: ProviderEvent[]) {
  const counts = { applied: 0, pending: 0, duplicate: 0 };
  const at = now(c);
  const known = new Set<string>();
  if (events.length > NEW_EVENTS_PER_REQUEST) {
    // Known = applied, or still waiting for its send's record. An event stored but not applied
    // although its send is recorded failed mid-way on an earlier delivery: it goes through again.
    const ids = [...new Set(events.map((e) => e.eventId))];
    const recorded = sql`exists (select 1 from ${deliveries} where ${deliveries.provider} = ${deliveryEvents.provider} and ${deliveries.providerMessageId} = ${deliveryEvents.providerMessageId})`;
    for (let i = 0; i < ids.length; i += 90) {
      const rows = await database(c.env.DB)
        .select({ id: deliveryEvents.eventId })
        .from(deliveryEvents)
        .where(
          and(
            inArray(deliveryEvents.eventId, ids.slice(i, i + 90)),
            or(isNotNull(deliveryEvents.appliedAt), not(recorded)),
          ),
        );
      for (const r of rows) known.add(r.id);
    }
  }
  let fresh = 0;
  for (const e of events) {
    if (known.has(e.eventId)) {
      counts.duplicate++;
      continue;
    }
    if (++fresh > NEW_EVENTS_PER_REQUEST)
      throw new DomainError(
        503,
        "retry_later",
        `applied ${NEW_EVENTS_PER_REQUEST} new events; send the batch again for the rest`,
      );
    counts[await receiveProviderEvent(c.env, e, at)]++;
  }
  return counts;
}

webhookRoutes.post("/twilio/status", async (c) => {
  const form = await verifiedTwilioForm(c);
  const event = twilioStatusEvent(form, now(c));
  const counts = await receiveAll(c, event ? [event] : []);
  return c.json(counts);
});

/** Inbound SMS: carrier keywords change the sender's SMS consent in every app that messaged that number. */
webhookRoutes.post("/twilio/inbound", async (c) => {
  const form = await verifiedTwilioForm(c);
  const action = keywordAction(form.Body);
  const twiml = (message?: string) =>
    c.body(
      `<?xml version="1.0" encoding="UTF-8"?><Response>${message ? `<Message>${escapeXml(message)}</Message>` : ""}</Response>`,
      200,
      { "content-type": "text/xml" },
    );
  if (action === "help")
    return twiml(
      deliveryEnv(c.env).SMS_HELP_TEXT ?? "Reply STOP to unsubscribe, START to resubscribe. Msg&data rates may apply.",
    );
  if (action && form.From && form.MessageSid) {
    await onceApplied(c, `twilio-inbound:${form.MessageSid}`, "twilio", form.MessageSid, action, () =>
      changeConsent(c, "sms", form.From!, action, `twilio:${(form.Body ?? "").trim().toUpperCase()}`),
    );
  }
  // Twilio (Advanced Opt-Out) sends the carrier-mandated confirmation itself; an empty reply avoids a second one.
  return twiml();
});

webhookRoutes.post("/sendgrid", async (c) => {
  const key = deliveryEnv(c.env).SENDGRID_WEBHOOK_PUBLIC_KEY;
  if (!key) throw unauthorized("SendGrid webhooks are not configured (SENDGRID_WEBHOOK_PUBLIC_KEY)");
  const { text, bytes } = await rawBody(c);
  const timestamp = c.req.header("x-twilio-email-event-webhook-timestamp");
  const ok = await verifySendgrid(key, c.req.header("x-twilio-email-event-webhook-signature"), timestamp, bytes);
  if (!ok) throw unauthorized("invalid X-Twilio-Email-Event-Webhook-Signature");
  // A captured batch must not be replayable forever: the signed timestamp must be recent, judged
  // against the real clock (a virtual clock must not widen it), like Resend's svix window.
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > SENDGRID_FRESHNESS_S)
    throw unauthorized(
      `X-Twilio-Email-Event-Webhook-Timestamp is more than ${SENDGRID_FRESHNESS_S / 60} minutes from now`,
    );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DomainError(400, "invalid_body", "body is not JSON");
  }
  return c.json(await receiveAll(c, sendgridEvents(body)));
});

webhookRoutes.post("/resend", async (c) => {
  const secret = deliveryEnv(c.env).RESEND_WEBHOOK_SECRET;
  if (!secret) throw unauthorized("Resend webhooks are not configured (RESEND_WEBHOOK_SECRET)");
  const { text } = await rawBody(c);
  const headers = {
    id: c.req.header("svix-id"),
    timestamp: c.req.header("svix-timestamp"),
    signature: c.req.header("svix-signature"),
  };
  // The replay window is judged against the real clock: a virtual clock must not widen it.
  if (!(await verifySvix(secret, headers, text, Date.now()))) throw unauthorized("invalid svix-signature");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DomainError(400, "invalid_body", "body is not JSON");
  }
  const event = resendEvent(headers.id!, body);
  return c.json(await receiveAll(c, event ? [event] : []));
});

/** Meta's subscription check: echo `hub.challenge` when the verify token matches. */
webhookRoutes.get("/whatsapp", (c) => {
  const expected = deliveryEnv(c.env).WHATSAPP_VERIFY_TOKEN;
  if (
    expected &&
    c.req.query("hub.mode") === "subscribe" &&
    timingSafeEqual(c.req.query("hub.verify_token") ?? "", expected)
  )
    return c.text(c.req.query("hub.challenge") ?? "");
  throw new DomainError(403, "forbidden", "verify token mismatch");
});

webhookRoutes.post("/whatsapp", async (c) => {
  const secret = deliveryEnv(c.env).WHATSAPP_APP_SECRET;
  if (!secret) throw unauthorized("WhatsApp webhooks are not configured (WHATSAPP_APP_SECRET)");
  const { text, bytes } = await rawBody(c);
  if (!(await verifyMetaSignature(secret, c.req.header("x-hub-signature-256"), bytes)))
    throw unauthorized("invalid X-Hub-Signature-256");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DomainError(400, "invalid_body", "body is not JSON");
  }
  const { statuses, inbound } = whatsappEvents(body);
  const counts = await receiveAll(c, statuses);
  for (const m of inbound) {
    const action = keywordAction(m.text) ?? (/^stop promotions$/i.test(m.text.trim()) ? "opt_out" : null);
    if (action === "opt_out" || action === "opt_in")
      await onceApplied(c, `whatsapp-inbound:${m.id}`, "whatsapp", m.id, action, () =>
        changeConsent(c, "whatsapp", m.from, action, `whatsapp:${m.text.trim().toUpperCase().slice(0, 20)}`),
      );
  }
  return c.json(counts);
});

/**
 * Applies an inbound message once (by its provider id), so a replayed webhook changes nothing
 * twice. The marker is written only after `apply` succeeded: if applying fails, the request fails
 * and the provider's retry applies it (instead of being taken for a replay). Two deliveries racing
 * may both apply, which sets the same consent twice — harmless.
 */
async function onceApplied(
  c: Context<HonoEnv>,
  eventId: string,
  provider: string,
  messageId: string,
  action: string,
  apply: () => Promise<void>,
): Promise<void> {
  const db = database(c.env.DB);
  const [seen] = await db
    .select({ id: deliveryEvents.eventId })
    .from(deliveryEvents)
    .where(eq(deliveryEvents.eventId, eventId));
  if (seen) return;
  await apply();
  const at = now(c);
  await db
    .insert(deliveryEvents)
    .values({
      eventId,
      provider,
      providerMessageId: messageId,
      status: `inbound:${action}`,
      at,
      receivedAt: at,
      appliedAt: at,
    })
    .onConflictDoNothing();
}

async function changeConsent(
  c: Context<HonoEnv>,
  channel: ConsentChannel & ("sms" | "whatsapp"),
  address: string,
  action: "opt_out" | "opt_in",
  source: string,
): Promise<void> {
  const people = await peopleAt(c.env.DB, channel, address);
  const at = now(c);
  await Promise.all(
    people.map((p) => setConsent(c.env, p, channel, action === "opt_out" ? "opted_out" : "opted_in", source, at)),
  );
}
