import { DurableObject } from "cloudflare:workers";
import type { ProviderName } from "./channels/types";
import type { DeliveryEnv } from "./delivery-env";
import { type BucketLimit, type BucketState, parseLimit, take } from "./token-bucket";

/**
 * Sends per second each provider account accepts before it throttles (documented defaults;
 * override with RATE_LIMIT_<PROVIDER>="rate/burst"). Resend's default API limit is 2 req/s;
 * a Twilio long code sends ~1 SMS/s but Twilio queues up to its own limit, so 10/s is safe for
 * a number with a Messaging Service; WhatsApp Cloud API's default throughput is 80 msg/s.
 */
export const DEFAULT_LIMITS: Record<ProviderName, BucketLimit | null> = {
  fcm: { ratePerSecond: 5000, burst: 5000 },
  apns: { ratePerSecond: 5000, burst: 5000 },
  webpush: { ratePerSecond: 1000, burst: 1000 },
  twilio: { ratePerSecond: 10, burst: 10 },
  resend: { ratePerSecond: 2, burst: 2 },
  sendgrid: { ratePerSecond: 100, burst: 100 },
  whatsapp: { ratePerSecond: 80, burst: 80 },
  webhook: { ratePerSecond: 50, burst: 50 },
  sandbox: null,
};

export function limitFor(env: DeliveryEnv, provider: ProviderName): BucketLimit | null {
  const fallback = DEFAULT_LIMITS[provider];
  const configured = env[`RATE_LIMIT_${provider.toUpperCase()}`];
  if (configured === "off") return null;
  if (!fallback && !configured) return null;
  return parseLimit(configured, fallback ?? { ratePerSecond: 1000, burst: 1000 });
}

/**
 * One token bucket per provider account (the object's name), shared by every consumer
 * invocation and isolate. The consumer asks once per batch and account for the tokens it
 * needs; messages beyond the grant are deferred rather than sent into a 429. The bucket lives
 * in memory: if the object is evicted the bucket restarts full, at worst one extra burst.
 */
export class RateLimiter extends DurableObject {
  private state: BucketState | null = null;

  async take(req: {
    count: number;
    limit: BucketLimit;
    now: number;
  }): Promise<{ granted: number; retryAfterMs: number }> {
    const result = take(this.state, req.limit, req.count, req.now);
    this.state = result.state;
    return { granted: result.granted, retryAfterMs: result.retryAfterMs };
  }
}

interface RateLimiterApi {
  take(req: { count: number; limit: BucketLimit; now: number }): Promise<{ granted: number; retryAfterMs: number }>;
}

/** Asks the account's bucket for `count` sends; without the binding (or a limit) everything is granted. */
export async function acquire(
  ns: DurableObjectNamespace | undefined,
  env: DeliveryEnv,
  provider: ProviderName,
  account: string,
  count: number,
  now: number,
): Promise<{ granted: number; retryAfterMs: number }> {
  const limit = limitFor(env, provider);
  if (!ns || !limit || count === 0) return { granted: count, retryAfterMs: 0 };
  const stub = ns.getByName(`${provider}:${account}`) as unknown as RateLimiterApi;
  try {
    return await stub.take({ count, limit, now });
  } catch (err) {
    // The limiter is a safeguard, not a gate: if it is unreachable, send (providers still throttle with 429).
    console.error("rate limiter unavailable", err);
    return { granted: count, retryAfterMs: 0 };
  }
}
