import type { SendJob } from "../../domain/delivery/send-job";
import { parseRetryAfter } from "../retry";
import { type EmailSender, parseMailbox, unsubscribeHeaders } from "./email-common";
import {
  fetchWithTimeout,
  readJson,
  type DeliveryTarget,
  type ProviderAdapter,
  type SendContext,
  type SendOutcome,
} from "./types";

/**
 * Twilio SendGrid Mail Send v3: `POST {base}/v3/mail/send`, `Authorization: Bearer <API key>`;
 * 202 Accepted with the message id in `X-Message-Id`. SendGrid has no idempotency key; the
 * job's key rides in the personalization's `custom_args.beckon_key`, so every Event Webhook event names its send.
 */
export function sendgridBody(
  job: SendJob,
  email: string,
  sender: EmailSender,
  unsubscribeUrl: string | undefined,
): Record<string, unknown> {
  const c = job.content;
  const content: Array<{ type: string; value: string }> = [];
  const text = c.text ?? (!c.html ? c.body : undefined);
  if (text) content.push({ type: "text/plain", value: text });
  if (c.html) content.push({ type: "text/html", value: c.html });
  if (content.length === 0) content.push({ type: "text/plain", value: " " });
  const headers = unsubscribeHeaders(job, unsubscribeUrl);
  const body: Record<string, unknown> = {
    // Per-personalization custom_args (an object of strings) come back on every Event Webhook event.
    personalizations: [
      { to: [{ email }], custom_args: { beckon_key: job.idempotencyKey, beckon_campaign: job.campaignId } },
    ],
    from: parseMailbox(sender.from),
    subject: c.subject ?? c.title ?? "",
    content,
    categories: [job.category],
  };
  if (sender.replyTo) body.reply_to = parseMailbox(sender.replyTo);
  if (Object.keys(headers).length > 0) body.headers = headers;
  return body;
}

export function classifySendgridError(
  status: number,
  body: Record<string, unknown> | null,
  retryAfter: number | undefined,
): SendOutcome {
  const errors = (body?.errors as Array<{ message?: string; field?: string }> | undefined) ?? [];
  const error =
    `SendGrid ${status}: ${errors.map((e) => `${e.field ? `${e.field}: ` : ""}${e.message ?? ""}`).join("; ")}`.trim();
  if (status === 429 || status >= 500 || status === 401 || status === 403)
    return { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
  return { kind: "failed", error };
}

export function sendgridAdapter(
  apiKey: string,
  sender: EmailSender,
  baseUrl = "https://api.sendgrid.com",
): ProviderAdapter {
  return {
    provider: "sendgrid",
    idempotent: false,
    account: apiKey.slice(0, 12),
    async send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome> {
      const res = await fetchWithTimeout(ctx, `${baseUrl.replace(/\/$/, "")}/v3/mail/send`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(sendgridBody(job, target.address!, sender, ctx.unsubscribeUrl)),
      });
      if ("timeout" in res) return { kind: "retry", error: `SendGrid ${res.error}` };
      if (res.status === 202 || res.status === 200) {
        await res.body?.cancel();
        return { kind: "sent", providerMessageId: res.headers.get("x-message-id") ?? `sendgrid:${job.idempotencyKey}` };
      }
      // SendGrid's rate-limit answers carry X-RateLimit-Reset (epoch seconds) instead of Retry-After.
      const reset = Number(res.headers.get("x-ratelimit-reset"));
      const retryAfter =
        parseRetryAfter(res.headers.get("retry-after"), ctx.now) ??
        (reset > 0 ? Math.max(1, reset - Math.floor(ctx.now / 1000)) : undefined);
      return classifySendgridError(res.status, await readJson(res), retryAfter);
    },
  };
}
