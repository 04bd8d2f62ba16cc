import type { ProviderEvent } from "./delivery-events";

/**
 * Provider webhook payloads → Beckon delivery events. Pure: the routes verify signatures and
 * pass the parsed body here. Events Beckon has no use for (queued, deferred…) map to nothing.
 */

/** Twilio status callback (form fields MessageSid, MessageStatus, ErrorCode…). */
/**
 * The event id comes from signed content only (sid, status, error code): Twilio's
 * `I-Twilio-Idempotency-Token` header is not covered by the signature, so a captured callback
 * replayed with a fresh header would otherwise be applied again.
 */
export function twilioStatusEvent(form: Record<string, string>, now: number): ProviderEvent | null {
  const sid = form.MessageSid ?? form.SmsSid;
  const status = form.MessageStatus ?? form.SmsStatus;
  if (!sid || !status) return null;
  const errorCode = form.ErrorCode ? Number(form.ErrorCode) : undefined;
  const fact =
    ({ sent: "sent", delivered: "delivered", read: "opened", undelivered: "failed", failed: "failed" } as const)[
      status as "sent"
    ] ?? null;
  const optOut = errorCode === 21610 ? { channel: "sms" as const, source: "twilio:21610" } : undefined;
  if (!fact && !optOut) return null;
  return {
    eventId: `twilio:${sid}:${status}${errorCode ? `:${errorCode}` : ""}`,
    provider: "twilio",
    providerMessageId: sid,
    fact,
    at: now,
    ...(optOut ? { optOut } : {}),
    ...(errorCode ? { detail: `Twilio ${status} ${errorCode}` } : {}),
  };
}

/** SendGrid Event Webhook: an array of events; `beckon_key` custom arg and `sg_message_id` name the send. */
export function sendgridEvents(body: unknown): ProviderEvent[] {
  if (!Array.isArray(body)) return [];
  const out: ProviderEvent[] = [];
  for (const raw of body) {
    if (!raw || typeof raw !== "object") continue;
    const e = raw as Record<string, unknown>;
    const sgMessageId = typeof e.sg_message_id === "string" ? e.sg_message_id : "";
    // sg_message_id is "<X-Message-Id>.<filter suffix>"; the send recorded X-Message-Id.
    const providerMessageId = sgMessageId.split(".")[0] ?? "";
    const eventId =
      typeof e.sg_event_id === "string" ? e.sg_event_id : `${sgMessageId}:${String(e.event)}:${String(e.timestamp)}`;
    if (!providerMessageId) continue;
    const at = typeof e.timestamp === "number" ? e.timestamp * 1000 : Date.now();
    const base = { eventId: `sendgrid:${eventId}`, provider: "sendgrid" as const, providerMessageId, at };
    const reason = String(e.reason ?? e.response ?? "");
    switch (e.event) {
      case "delivered":
        out.push({ ...base, fact: "delivered" });
        break;
      case "open":
        // Apple Mail Privacy Protection pre-fetches every image: a machine open is not a person reading.
        if (e.sg_machine_open !== true) out.push({ ...base, fact: "opened" });
        break;
      case "click":
        out.push({ ...base, fact: "clicked" });
        break;
      case "bounce":
        // `type: "blocked"` is a temporary refusal (soft); `bounce` is a hard bounce: suppress the address.
        if (e.type === "blocked") out.push({ ...base, fact: "failed", detail: `blocked: ${reason}` });
        else
          out.push({
            ...base,
            fact: "bounced",
            detail: reason,
            optOut: { channel: "email", source: "sendgrid:bounce" },
          });
        break;
      case "dropped":
        out.push({
          ...base,
          fact: "failed",
          detail: `dropped: ${reason}`,
          ...(/bounce|spam|unsubscribe|invalid/i.test(reason)
            ? { optOut: { channel: "email" as const, source: `sendgrid:dropped` } }
            : {}),
        });
        break;
      case "spamreport":
        out.push({ ...base, fact: null, optOut: { channel: "email", source: "sendgrid:spamreport" } });
        break;
      case "unsubscribe":
      case "group_unsubscribe":
        out.push({ ...base, fact: null, optOut: { channel: "email", source: `sendgrid:${String(e.event)}` } });
        break;
      default:
        break; // processed, deferred, group_resubscribe…
    }
  }
  return out;
}

/** Resend webhook (Svix envelope): `{ type, created_at, data: { email_id, bounce?… } }`. */
export function resendEvent(svixId: string, body: unknown): ProviderEvent | null {
  if (!body || typeof body !== "object") return null;
  const b = body as {
    type?: string;
    created_at?: string;
    data?: { email_id?: string; bounce?: { type?: string; message?: string }; failed?: { reason?: string } };
  };
  const id = b.data?.email_id;
  if (!id || !b.type) return null;
  const at = b.created_at ? Date.parse(b.created_at) || Date.now() : Date.now();
  const base = { eventId: `resend:${svixId}`, provider: "resend" as const, providerMessageId: id, at };
  switch (b.type) {
    case "email.sent":
      return { ...base, fact: "sent" };
    case "email.delivered":
      return { ...base, fact: "delivered" };
    case "email.opened":
      return { ...base, fact: "opened" };
    case "email.clicked":
      return { ...base, fact: "clicked" };
    case "email.bounced": {
      // Resend's bounce.type is Permanent, Transient or Undetermined: only Permanent is a hard bounce
      // that suppresses the address; the others fail this message and keep the address.
      const hard = /^permanent$/i.test((b.data?.bounce?.type ?? "").trim());
      return {
        ...base,
        fact: hard ? "bounced" : "failed",
        detail: `${b.data?.bounce?.type ?? "bounce"}: ${b.data?.bounce?.message ?? ""}`,
        ...(hard ? { optOut: { channel: "email" as const, source: "resend:bounce" } } : {}),
      };
    }
    case "email.complained":
      return { ...base, fact: null, optOut: { channel: "email", source: "resend:complaint" } };
    case "email.failed":
      return { ...base, fact: "failed", detail: b.data?.failed?.reason ?? "failed" };
    case "email.suppressed":
      return {
        ...base,
        fact: "failed",
        detail: "suppressed by Resend",
        optOut: { channel: "email", source: "resend:suppressed" },
      };
    default:
      return null;
  }
}

export interface InboundText {
  from: string;
  text: string;
  id: string;
}

/** WhatsApp Cloud API webhook: status updates and inbound messages. */
export function whatsappEvents(body: unknown): { statuses: ProviderEvent[]; inbound: InboundText[] } {
  const statuses: ProviderEvent[] = [];
  const inbound: InboundText[] = [];
  const entries =
    (body as { entry?: Array<{ changes?: Array<{ field?: string; value?: Record<string, unknown> }> }> } | null)
      ?.entry ?? [];
  for (const entry of entries) {
    for (const change of entry.changes ?? []) {
      const value = change.value ?? {};
      for (const s of (value.statuses as Array<Record<string, unknown>> | undefined) ?? []) {
        const id = typeof s.id === "string" ? s.id : null;
        const status = String(s.status ?? "");
        const fact = ({ sent: "sent", delivered: "delivered", read: "opened", failed: "failed" } as const)[
          status as "sent"
        ];
        if (!id || !fact) continue;
        const codes = ((s.errors as Array<{ code?: number }> | undefined) ?? []).map((e) => e.code);
        statuses.push({
          eventId: `whatsapp:${id}:${status}`,
          provider: "whatsapp",
          providerMessageId: id,
          fact,
          at: Number(s.timestamp) > 0 ? Number(s.timestamp) * 1000 : Date.now(),
          ...(codes.length ? { detail: `WhatsApp ${codes.join(",")}` } : {}),
          ...(codes.includes(131050) ? { optOut: { channel: "whatsapp" as const, source: "whatsapp:131050" } } : {}),
        });
      }
      for (const m of (value.messages as Array<Record<string, unknown>> | undefined) ?? []) {
        const text =
          (m.text as { body?: string } | undefined)?.body ?? (m.button as { text?: string } | undefined)?.text ?? "";
        if (typeof m.from === "string" && typeof m.id === "string") inbound.push({ from: m.from, text, id: m.id });
      }
    }
  }
  return { statuses, inbound };
}
