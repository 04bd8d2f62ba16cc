import type { SendJob } from "../../domain/delivery/send-job";
import { parseRetryAfter } from "../retry";
import {
  bytesToHex,
  fetchWithTimeout,
  type DeliveryTarget,
  type ProviderAdapter,
  type SendContext,
  type SendOutcome,
} from "./types";

/**
 * Webhook channel: POST the message as JSON to the operator's URL, signed like Stripe's and
 * Svix's schemes so receivers can reuse their verifiers:
 * `X-Beckon-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * `X-Beckon-Idempotency-Key` lets the receiver drop a redelivery.
 */
export async function signWebhookBody(secret: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestampSeconds}.${body}`));
  return `t=${timestampSeconds},v1=${bytesToHex(new Uint8Array(mac))}`;
}

export function webhookBody(job: SendJob, now: number): Record<string, unknown> {
  return {
    type: "beckon.message",
    idempotencyKey: job.idempotencyKey,
    appId: job.appId,
    userId: job.userId,
    campaignId: job.campaignId,
    campaignVersion: job.campaignVersion,
    stepId: job.stepId,
    variant: job.variant,
    category: job.category,
    content: job.content.payload ?? job.content,
    sentAt: new Date(now).toISOString(),
  };
}

export function webhookAdapter(secret: string): ProviderAdapter {
  return {
    provider: "webhook",
    idempotent: true,
    account: "webhook",
    async send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome> {
      const url = target.address!;
      if (!/^https?:\/\//.test(url))
        return { kind: "failed", error: `webhook URL is not http(s): ${url.slice(0, 100)}` };
      const body = JSON.stringify(webhookBody(job, ctx.now));
      const res = await fetchWithTimeout(ctx, url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Beckon-Webhook/1",
          "x-beckon-signature": await signWebhookBody(secret, Math.floor(ctx.now / 1000), body),
          "x-beckon-idempotency-key": job.idempotencyKey,
        },
        body,
      });
      if ("timeout" in res) return { kind: "retry", error: `webhook ${res.error}` };
      const text = await res.text().catch(() => "");
      if (res.ok) return { kind: "sent", providerMessageId: `webhook:${job.idempotencyKey}` };
      const error = `webhook ${res.status}: ${text.slice(0, 200)}`;
      // 408/409/425/429 and 5xx are the receiver saying "not now"; other 4xx say "never".
      if ([408, 409, 425, 429].includes(res.status) || res.status >= 500) {
        const ra = parseRetryAfter(res.headers.get("retry-after"), ctx.now);
        return { kind: "retry", error, ...(ra !== undefined ? { retryAfterSeconds: ra } : {}) };
      }
      return { kind: "failed", error };
    },
  };
}
