import type { SendJob } from "../../domain/delivery/send-job";
import { parseRetryAfter } from "../retry";
import { boundedKey, type EmailSender, unsubscribeHeaders } from "./email-common";
import {
  fetchWithTimeout,
  readJson,
  type DeliveryTarget,
  type ProviderAdapter,
  type SendContext,
  type SendOutcome,
} from "./types";

/**
 * Resend: `POST {base}/emails`, `Authorization: Bearer <API key>`, JSON body. The job's
 * idempotency key travels as `Idempotency-Key`, so a retry after a lost response (timeout,
 * crash before the record) is deduplicated by Resend itself for 24 hours.
 */
export function resendBody(
  job: SendJob,
  email: string,
  sender: EmailSender,
  unsubscribeUrl: string | undefined,
): Record<string, unknown> {
  const c = job.content;
  const headers = unsubscribeHeaders(job, unsubscribeUrl);
  const body: Record<string, unknown> = { from: sender.from, to: [email], subject: c.subject ?? c.title ?? "" };
  if (c.html) body.html = c.html;
  if (c.text ?? (!c.html ? c.body : undefined)) body.text = c.text ?? c.body;
  if (sender.replyTo) body.reply_to = sender.replyTo;
  if (Object.keys(headers).length > 0) body.headers = headers;
  body.tags = [
    { name: "beckon_campaign", value: job.campaignId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 256) },
    { name: "beckon_category", value: job.category },
  ];
  return body;
}

/** Resend's documented error names → outcome. */
export function classifyResendError(
  status: number,
  body: Record<string, unknown> | null,
  retryAfter: number | undefined,
): SendOutcome {
  const name = String(body?.name ?? "");
  const error = `Resend ${status} ${name}: ${String(body?.message ?? "")}`.trim();
  // Another request with this key is still in flight: it will finish; ask again later.
  if (name === "concurrent_idempotent_requests") return { kind: "retry", error, retryAfterSeconds: retryAfter ?? 5 };
  if (name === "daily_quota_exceeded") return { kind: "retry", error, retryAfterSeconds: retryAfter ?? 3600 };
  if (status === 429 || status >= 500)
    return { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
  // Key/permission problems: retry so the job dead-letters and can be replayed after the fix.
  if (status === 401 || status === 403) return { kind: "retry", error };
  return { kind: "failed", error };
}

export function resendAdapter(
  apiKey: string,
  sender: EmailSender,
  baseUrl = "https://api.resend.com",
): ProviderAdapter {
  return {
    provider: "resend",
    idempotent: true,
    account: apiKey.slice(0, 12),
    async send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome> {
      const res = await fetchWithTimeout(ctx, `${baseUrl.replace(/\/$/, "")}/emails`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${apiKey}`,
          "content-type": "application/json",
          "idempotency-key": await boundedKey(job.idempotencyKey, 256),
        },
        body: JSON.stringify(resendBody(job, target.address!, sender, ctx.unsubscribeUrl)),
      });
      if ("timeout" in res) return { kind: "retry", error: `Resend ${res.error}` };
      const body = await readJson(res);
      if (res.ok && typeof body?.id === "string") return { kind: "sent", providerMessageId: body.id };
      return classifyResendError(res.status, body, parseRetryAfter(res.headers.get("retry-after"), ctx.now));
    },
  };
}
