import { DAY, type Millis } from "../../kernel/clock";
import type { LifecycleThresholds } from "./lifecycle-thresholds";

/** The lifecycle states of the brief; `loyal` is a flag that combines with any of them. */
export type LifecycleState = "new" | "active" | "dormant" | "churned";
export const LIFECYCLE_STATES: readonly LifecycleState[] = ["new", "active", "dormant", "churned"];

/** What lifecycle rules need to know about a person. */
export interface LifecycleInputs {
  firstSeen: Millis;
  lastSeen: Millis;
  purchases: number;
  revenue: number;
  /** The user had push tokens and every one of them is now invalid (app uninstalled). */
  uninstalled: boolean;
  /** Opted out of every channel they could be reached on (at least one: a live push device, an email address or a phone). */
  fullyOptedOut: boolean;
}

export interface LifecycleStatus {
  state: LifecycleState;
  loyal: boolean;
  /** Why the state is what it is, in words an operator reads on the timeline. */
  reason: string;
}

export function isLoyal(input: LifecycleInputs, t: LifecycleThresholds): boolean {
  return input.purchases >= t.loyalPurchases || input.revenue >= t.loyalRevenue;
}

/** Lifecycle state at `now`. Pure: the same inputs and clock always give the same answer. */
export function evaluateLifecycle(input: LifecycleInputs, t: LifecycleThresholds, now: Millis): LifecycleStatus {
  const loyal = isLoyal(input, t);
  if (input.uninstalled) return { state: "churned", loyal, reason: "every push token is invalid (uninstalled)" };
  if (input.fullyOptedOut) return { state: "churned", loyal, reason: "opted out of every channel" };
  const idleDays = (now - input.lastSeen) / DAY;
  if (idleDays >= t.churnedDays) return { state: "churned", loyal, reason: `no activity for ${t.churnedDays} days` };
  if (idleDays >= t.dormantDays) return { state: "dormant", loyal, reason: `no activity for ${t.dormantDays} days` };
  if ((now - input.firstSeen) / DAY < t.newDays)
    return { state: "new", loyal, reason: `first seen less than ${t.newDays} days ago` };
  return { state: "active", loyal, reason: `active within ${t.dormantDays} days` };
}

/**
 * The next instant at which the state would change if nothing else happens
 * (new → active, active → dormant, dormant → churned), or null if none.
 * The object's lifecycle timer is set to it, so dormancy and churn are reached
 * by the object's own alarm, never by a scan.
 */
export function nextLifecycleBoundary(input: LifecycleInputs, t: LifecycleThresholds, now: Millis): Millis | null {
  const candidates = [
    input.firstSeen + t.newDays * DAY,
    input.lastSeen + t.dormantDays * DAY,
    input.lastSeen + t.churnedDays * DAY,
  ];
  const next = candidates.filter((at) => at > now).sort((a, b) => a - b)[0];
  return next ?? null;
}
