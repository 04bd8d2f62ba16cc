/**
 * Token bucket: `ratePerSecond` tokens refill continuously up to `burst`. Pure, so the
 * RateLimiter Durable Object (one per provider account) and unit tests share it.
 */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

export interface BucketLimit {
  ratePerSecond: number;
  burst: number;
}

export interface Take {
  state: BucketState;
  /** How many of the requested tokens were granted (whole sends). */
  granted: number;
  /** When the next token is available, if the request was not fully granted. */
  retryAfterMs: number;
}

export function take(state: BucketState | null, limit: BucketLimit, count: number, now: number): Take {
  const burst = Math.max(1, limit.burst);
  const current = state
    ? Math.min(burst, state.tokens + (Math.max(0, now - state.updatedAt) / 1000) * limit.ratePerSecond)
    : burst;
  const granted = Math.max(0, Math.min(count, Math.floor(current)));
  const tokens = current - granted;
  const missing = count - granted;
  // Time until the rest could go: the tokens still needed at the refill rate.
  const retryAfterMs = missing > 0 ? Math.ceil(((missing - tokens) / limit.ratePerSecond) * 1000) : 0;
  return { state: { tokens, updatedAt: now }, granted, retryAfterMs: Math.max(0, retryAfterMs) };
}

/** Parses a limit from an env value "rate" or "rate/burst" (sends per second). */
export function parseLimit(value: string | undefined, fallback: BucketLimit): BucketLimit {
  if (!value) return fallback;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+))?\s*$/.exec(value);
  if (!m) return fallback;
  const ratePerSecond = Number(m[1]);
  if (!(ratePerSecond > 0)) return fallback;
  return { ratePerSecond, burst: m[2] ? Number(m[2]) : Math.max(1, Math.ceil(ratePerSecond)) };
}
