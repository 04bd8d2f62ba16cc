/**
 * When to try a failed send again. Exponential backoff with jitter spreads a broadcast's
 * retries instead of hammering a recovering provider in lockstep; a provider's own
 * `Retry-After` always wins when it asks for longer.
 */
export const RETRY_BASE_SECONDS = 5;
export const RETRY_CAP_SECONDS = 3600;
/** Cloudflare Queues accept at most 12 hours of retry delay. */
export const MAX_QUEUE_DELAY_SECONDS = 43_200;

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1). `random` is injectable for tests.
 * With `Retry-After`, the provider's wait plus up to 10% (≤ 30 s) so deferred messages do not
 * all return in the same second.
 */
export function backoffSeconds(
  attempt: number,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** Math.max(0, attempt - 1));
  // "Equal jitter": half fixed, half random, so the delay still grows with each attempt.
  const delay =
    retryAfterSeconds !== undefined
      ? Math.ceil(retryAfterSeconds + random() * Math.min(retryAfterSeconds * 0.1, 30))
      : Math.ceil(exp / 2 + random() * (exp / 2));
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(1, delay));
}

/** `Retry-After` as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
