import type { StatKind } from "../domain/campaigns/campaign-stat";

/**
 * Where a delivery stands. The happy path is queued → sending → sent → delivered → opened → clicked;
 * failed and bounced end it. Provider callbacks arrive late, twice and out of order, so a status
 * only ever moves forward: a "sent" callback after "delivered" changes nothing. `unknown`: a call was
 * cut off mid-way (the consumer died in `sending`) to a provider without idempotency keys, so Beckon
 * cannot tell whether it went out and does not call again; a later callback still moves it on.
 */
export const DELIVERY_STATUSES = [
  "queued",
  "sending",
  "unknown",
  "sent",
  "delivered",
  "opened",
  "clicked",
  "failed",
  "bounced",
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Facts a provider (or the SDK) can report about a sent message. */
export type DeliveryFact = "sent" | "delivered" | "opened" | "clicked" | "failed" | "bounced";

const RANK: Record<DeliveryStatus, number> = {
  queued: 0,
  sending: 1,
  unknown: 1,
  sent: 2,
  delivered: 3,
  opened: 4,
  clicked: 5,
  failed: 6,
  bounced: 6,
};
const isNegative = (s: DeliveryStatus) => s === "failed" || s === "bounced";

export interface Transition {
  /** The new status, or null when the fact does not move the status (late, repeated or contradicted). */
  status: DeliveryStatus | null;
  /** Campaign stats this fact proves (each is counted once per send by its dedupe key). */
  stats: StatKind[];
}

/**
 * Applies a reported fact to the current status.
 * - Positive facts move forward only, and never out of failed/bounced.
 * - `failed` ends a message that was not yet delivered; `bounced` may also follow `delivered`
 *   (asynchronous bounces: the receiving server accepted the mail, then returned it).
 * - An open or click proves delivery (and sending), so those stats are counted with it.
 */
export function transition(current: DeliveryStatus, fact: DeliveryFact): Transition {
  if (isNegative(current)) return { status: null, stats: [] };
  if (fact === "failed") {
    if (RANK[current] >= RANK.delivered) return { status: null, stats: [] };
    return { status: "failed", stats: ["failed"] };
  }
  if (fact === "bounced") {
    if (RANK[current] > RANK.delivered) return { status: null, stats: [] };
    return { status: "bounced", stats: ["bounced"] };
  }
  const stats: StatKind[] =
    fact === "sent" ? ["sent"] : fact === "delivered" ? ["sent", "delivered"] : ["sent", "delivered", fact];
  return { status: RANK[fact] > RANK[current] ? fact : null, stats };
}

export function isDeliveryStatus(s: string): s is DeliveryStatus {
  return (DELIVERY_STATUSES as readonly string[]).includes(s);
}
