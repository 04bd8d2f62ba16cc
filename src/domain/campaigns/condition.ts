import type { ConsentStatus } from "../delivery/channel";
import type { Condition } from "./model";
import { matchesFilter, type PropertyFilter } from "../filters/property-filter";

/** What a condition can ask about a person; supplied by the UserObject, so this stays pure. */
export interface ConditionFacts {
  traits: Record<string, unknown>;
  /** Last-known device, OS, app and first/last-touch campaign (the profile's `context`). */
  context: Record<string, unknown>;
  /** Properties of the event that triggered the journey. */
  properties: Record<string, unknown>;
  consent(channel: "push" | "email" | "sms" | "whatsapp"): ConsentStatus;
  lifecycle: string;
  loyal: boolean;
  /** How many times the person did `event` (matching filters) since `since` (ms). */
  countEvents(event: string, filters: readonly PropertyFilter[], since: number): number;
  /** The furthest delivery status reached by this journey's message step, or null if none was sent. */
  messageStatus(stepId: string): string | null;
  /** Scores and memberships other features expose (rfm segment, churn band, segments…). */
  attrs: Record<string, unknown>;
  /** Properties of the event that resumed the journey's latest wait, if one did. */
  resumedBy: Record<string, unknown> | null;
  /** Answers given in this journey's surveys, by question id. */
  answers: Record<string, unknown>;
  now: number;
}

/** Delivery statuses in the order they are reached; a later one implies the earlier ones. */
export const STATUS_RANK: Record<string, number> = { queued: 0, sent: 1, delivered: 2, opened: 3, clicked: 4 };

export function evaluateCondition(c: Condition, f: ConditionFacts): boolean {
  if ("all" in c) return c.all.every((x) => evaluateCondition(x, f));
  if ("any" in c) return c.any.some((x) => evaluateCondition(x, f));
  if ("not" in c) return !evaluateCondition(c.not, f);
  if ("trait" in c) return matchesFilter(f.traits, c.trait);
  if ("property" in c) return matchesFilter(f.properties, c.property);
  if ("context" in c) return matchesFilter(f.context, c.context);
  if ("attr" in c) return matchesFilter(f.attrs, c.attr);
  if ("event" in c) return f.resumedBy !== null && matchesFilter(f.resumedBy, c.event);
  if ("answer" in c) return matchesFilter(f.answers, c.answer);
  if ("consent" in c) return f.consent(c.consent.channel) === c.consent.status;
  if ("lifecycle" in c) return c.lifecycle.includes(f.lifecycle);
  if ("loyal" in c) return f.loyal === c.loyal;
  if ("did" in c) {
    const since = c.did.withinHours ? f.now - c.did.withinHours * 3_600_000 : 0;
    return f.countEvents(c.did.event, c.did.filters ?? [], since) >= (c.did.atLeast ?? 1);
  }
  if ("didNot" in c) {
    const since = c.didNot.withinHours ? f.now - c.didNot.withinHours * 3_600_000 : 0;
    return f.countEvents(c.didNot.event, c.didNot.filters ?? [], since) === 0;
  }
  if ("message" in c) {
    const status = f.messageStatus(c.message.stepId);
    return status !== null && (STATUS_RANK[status] ?? -1) >= STATUS_RANK[c.message.status]!;
  }
  return false;
}
