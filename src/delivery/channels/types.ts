import type { ConsentChannel } from "../../domain/delivery/channel";
import type { PushTarget, SendJob } from "../../domain/delivery/send-job";

export type ProviderName =
  | "fcm"
  | "apns"
  | "webpush"
  | "twilio"
  | "resend"
  | "sendgrid"
  | "whatsapp"
  | "webhook"
  | "sandbox";

/** One recipient of a job: a device for push, the single address otherwise. */
export interface DeliveryTarget {
  /** Stored in `deliveries.target`: the device token / Web Push endpoint, or "" for single-address channels. */
  key: string;
  /** Email, phone or URL, for channels with one address. */
  address?: string;
  push?: PushTarget;
}

/** What the provider's answer means for this message. */
export type SendOutcome =
  | { kind: "sent"; providerMessageId: string; payload?: string }
  /** Transient: try again later (429, 5xx, timeouts, UNAVAILABLE, QUOTA_EXCEEDED…). */
  | { kind: "retry"; error: string; retryAfterSeconds?: number; invalidateAuth?: boolean }
  /** Permanent: recorded as failed, never retried. */
  | { kind: "failed"; error: string; feedback?: Feedback };

/** What the person's UserObject must learn from a permanent failure. */
export type Feedback =
  | { kind: "invalid_token"; token: string; reason: string }
  | { kind: "opt_out"; channel: ConsentChannel; source: string };

export interface SendContext {
  fetch: typeof fetch;
  now: number;
  /** Per-request timeout for provider calls. */
  timeoutMs: number;
  /** `${PUBLIC_URL}` of this deployment: status callbacks and unsubscribe links point here. */
  publicUrl: string;
  /** Signed one-click unsubscribe URL for marketing email (RFC 8058), when configured. */
  unsubscribeUrl?: string;
}

/** A provider account that can send one channel's messages. */
export interface ProviderAdapter {
  provider: ProviderName;
  /** Identifies the provider account: rate limits are kept per account. */
  account: string;
  /**
   * Set when the channel's credentials are partial or unusable: every send answers a retryable
   * configuration error (no provider call, no rate-limit tokens), so the job ends in the dead
   * letters with this reason instead of silently going to the sandbox.
   */
  configurationError?: string;
  /**
   * Calling again with the same job cannot deliver it twice (an idempotency key, or a collapse id
   * that replaces the earlier notification). A call cut off mid-way is retried only then; otherwise
   * the delivery becomes `unknown`.
   */
  idempotent: boolean;
  send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome>;
}

/** Fetch with a deadline: a provider that hangs becomes a retryable timeout, not a stuck consumer. */
export async function fetchWithTimeout(
  ctx: SendContext,
  url: string,
  init: RequestInit,
): Promise<Response | { timeout: true; error: string }> {
  try {
    return await ctx.fetch(url, { ...init, signal: AbortSignal.timeout(ctx.timeoutMs) });
  } catch (err) {
    const name = (err as { name?: string }).name;
    return {
      timeout: true,
      error:
        name === "TimeoutError" || name === "AbortError"
          ? `timed out after ${ctx.timeoutMs} ms`
          : `network error: ${String((err as Error).message ?? err)}`,
    };
  }
}

/** Status codes every HTTP provider documents as "try again later". */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Reads a response body as JSON when it is JSON; never throws. */
export async function readJson(res: Response): Promise<Record<string, unknown> | null> {
  const text = await res.text().catch(() => "");
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const bytesToBase64 = (bytes: Uint8Array): string => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
};
export const bytesToHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * A short, stable id per send for the platforms' collapse mechanisms (APNs `apns-collapse-id`,
 * Android notification `tag`, Web Push `Topic`): if a crash ever makes Beckon hand the same job
 * to a push service twice, the device shows one notification, the second replacing the first.
 */
export async function collapseId(idempotencyKey: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(idempotencyKey)));
  return bytesToHex(digest).slice(0, 32);
}
