import * as z from "zod";

/**
 * Frequency capping across every channel, over rolling windows: "at most 3 messages
 * per 24 h and 10 per 7 days per person". A window is the half-open interval
 * (now − windowHours, now]: a message sent exactly `windowHours` ago no longer counts.
 * Pure: the UserObject passes the send times it keeps for the person.
 */

export interface FrequencyCapRule {
  windowHours: number;
  max: number;
}

export const FrequencyCapRule = z.object({
  windowHours: z
    .number()
    .positive()
    .max(24 * 366),
  max: z.number().int().min(1, "at least 1 (to stop a campaign sending, pause it)").max(10_000),
});
export const FrequencyCapRules = z.array(FrequencyCapRule).max(10);

export type FrequencyCapResult =
  | { allowed: true }
  | {
      allowed: false;
      /** The rule that blocks for longest (when several do). */
      rule: FrequencyCapRule;
      /**
       * When enough counted sends have left that rule's window for one more message
       * to fit. At that moment every rule that blocks now allows again (provided no
       * other message is sent meanwhile). `Infinity` for a rule with `max` ≤ 0.
       */
      retryAt: number;
    };

const HOUR_MS = 3_600_000;

/** How long the person's send history must be kept to evaluate these rules. */
export function capHistoryMs(rules: readonly FrequencyCapRule[]): number {
  return rules.reduce((longest, rule) => Math.max(longest, rule.windowHours * HOUR_MS), 0);
}

export function checkFrequencyCap(
  sentAt: readonly number[],
  rules: readonly FrequencyCapRule[],
  now: number,
): FrequencyCapResult {
  let blocking: { rule: FrequencyCapRule; retryAt: number } | null = null;
  for (const rule of rules) {
    const windowMs = rule.windowHours * HOUR_MS;
    const from = now - windowMs;
    // Sends later than `now` (clock skew between isolates) still count: they are in the window.
    const counted = sentAt.filter((t) => t > from).sort((a, b) => a - b);
    if (counted.length < rule.max) continue;
    // One more message fits once the oldest (count − max + 1) sends have left the window.
    const leaving = counted[counted.length - rule.max];
    const retryAt = rule.max <= 0 || leaving === undefined ? Number.POSITIVE_INFINITY : leaving + windowMs;
    if (!blocking || retryAt > blocking.retryAt) blocking = { rule, retryAt };
  }
  return blocking ? { allowed: false, rule: blocking.rule, retryAt: blocking.retryAt } : { allowed: true };
}
