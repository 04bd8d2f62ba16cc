/**
 * Client-side display logic, shared by the SDK and its unit tests: which pending
 * message to show next, whether an SDK event triggers one, and pacing. Pure.
 */

export interface DisplayRule {
  event: string;
  properties?: Record<string, string | number | boolean>;
}

export interface PendingMessage {
  key: string;
  campaignId: string;
  priority: number;
  createdAt: number;
  expiresAt: number;
  content: { type: string; displayOn?: DisplayRule; [k: string]: unknown };
}

/** Does an SDK event satisfy a display rule? Same name, and every listed property equal. */
export function ruleMatches(rule: DisplayRule, event: string, properties: Record<string, unknown> = {}): boolean {
  if (rule.event !== event) return false;
  for (const [k, v] of Object.entries(rule.properties ?? {})) if (properties[k] !== v) return false;
  return true;
}

/**
 * The message to show now, if any: unexpired, either without a display rule or already
 * triggered, highest priority then oldest.
 */
export function nextMessage(
  pending: Iterable<PendingMessage>,
  triggered: ReadonlySet<string>,
  now: number,
): PendingMessage | undefined {
  let best: PendingMessage | undefined;
  for (const m of pending) {
    if (m.expiresAt <= now) continue;
    if (m.content.displayOn && !triggered.has(m.key)) continue;
    if (!best || m.priority > best.priority || (m.priority === best.priority && m.createdAt < best.createdAt)) best = m;
  }
  return best;
}

/** How long to wait before the next message may show (0 = now), given the last shown time and the minimum interval. */
export function waitBeforeNext(
  now: number,
  lastShownAt: number | null,
  minIntervalSeconds: number,
  serverNotBefore: number | null,
): number {
  const local = lastShownAt === null ? 0 : lastShownAt + minIntervalSeconds * 1000;
  return Math.max(0, local - now, (serverNotBefore ?? 0) - now);
}

/** Exponential backoff with full jitter, capped: attempt 0 → up to `base` ms. */
export function backoff(attempt: number, base: number, cap: number, random: () => number = Math.random): number {
  return Math.round(Math.min(cap, base * 2 ** attempt) * (0.5 + random() / 2));
}
