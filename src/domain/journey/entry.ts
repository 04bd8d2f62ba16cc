import { entryReason } from "../campaigns/suppression";
import { DAY, type Millis } from "../../kernel/clock";
import { evaluateCondition } from "../campaigns/condition";
import { type Campaign, durationMs } from "../campaigns/model";
import { assignArm, CONTROL_ARM } from "../campaigns/policy/assignment";
import type { BeckonEvent } from "../events/beckon-event";
import { isSpoofedInternal } from "../events/reserved-events";
import { matchesFilters, valuesAtPath } from "../filters/property-filter";
import { instantOfLocal, nextLocalTime } from "../time/local-time";
import type { JourneyCampaign } from "./facts";
import type { EntryResult } from "./input";
import { JOURNEY_TIMER, type Journey, journeyTimerKey, PRUNE_TIMER } from "./journey";
import { park, run } from "./run";
import type { Turn } from "./turn";

/** Finished journeys are pruned weekly (engine/features/journey). */
export const PRUNE_EVERY = 7 * DAY;

export const triggerOf = (e: BeckonEvent): Journey["trigger"] => ({
  event: e.name,
  properties: e.properties,
  messageId: e.messageId,
});

/** Does this event enter the person into campaign `c` (its trigger's filters, places, segment, transition)? */
export function considerEntry(t: Turn, c: JourneyCampaign, event: BeckonEvent): void {
  const trigger = c.def.trigger;
  if (isSpoofedInternal(event)) {
    // An SDK call named like one of Beckon's internal events (a public write key could otherwise start win-back campaigns).
    t.timeline({
      campaignId: c.id,
      notEntered: true,
      event: event.name,
      reason: `"${event.name}" is a reserved internal event name: only Beckon's own event triggers it, not an SDK call`,
    });
    t.suppressed({ campaignId: c.id, variant: "", key: `${c.id}:${event.messageId}` }, "reserved_event");
    return;
  }
  const props = event.properties as Record<string, unknown>;
  switch (trigger.type) {
    case "event":
      if (!matchesFilters(props, trigger.filters)) return;
      enter(t, c, triggerOf(event), `${c.id}:${event.messageId}`);
      return;
    case "inaction":
      if (matchesFilters(props, trigger.start.filters)) startInaction(t, c, event);
      return;
    case "lifecycle":
      if (props.to === trigger.to && (trigger.from === "*" || props.from === trigger.from))
        enter(t, c, triggerOf(event), `${c.id}:lc:${props.from}>${props.to}:${t.now}`);
      return;
    case "geofence":
    case "beacon": {
      const placeId = String((trigger.type === "geofence" ? props.fenceId : props.regionId) ?? "");
      const ids = trigger.type === "geofence" ? trigger.fenceIds : trigger.regionIds;
      const tags = Array.isArray(props.tags) ? props.tags.map(String) : [];
      if (ids && !ids.includes(placeId)) return;
      if (trigger.tags && !trigger.tags.some((tag) => tags.includes(tag))) return;
      enter(t, c, triggerOf(event), `${c.id}:place:${placeId}:${event.messageId}`);
      return;
    }
    case "segment":
      if (props.segmentId === trigger.segmentId) enter(t, c, triggerOf(event), `${c.id}:seg:${event.messageId}`);
      return;
  }
}

function inSchedule(c: JourneyCampaign, now: Millis): string | null {
  if (c.startAt !== null && now < c.startAt) return "campaign has not started";
  if (c.endAt !== null && now >= c.endAt) return "campaign has ended";
  return null;
}

function reentryBlocked(t: Turn, def: Campaign, campaignId: string): string | null {
  const last = t.state.lastEntry(campaignId);
  if (!last) return null;
  if (def.reentry === "once") return "re-entry: once per person";
  if (typeof def.reentry === "object" && t.now - last.lastEnteredAt < def.reentry.cooldownHours * 3_600_000)
    return `re-entry: cooldown of ${def.reentry.cooldownHours} h`;
  return null;
}

/**
 * Enters a person into a campaign (after schedule, re-entry and audience checks):
 * assigns the stable A/B arm or control group, counts the entry, runs the first steps.
 */
export function enter(
  t: Turn,
  c: JourneyCampaign,
  trigger: Journey["trigger"],
  instance: string,
  atLocalTime?: { hhmm: string; date?: string },
): EntryResult {
  const s = t.state;
  const skip = (reason: string) => {
    t.timeline({ campaignId: c.id, notEntered: true, reason });
    t.suppressed({ campaignId: c.id, variant: "", key: instance }, entryReason(reason));
    return { entered: false, reason };
  };
  if (s.journey(instance)) return { entered: false, reason: "already entered for this trigger" };
  const blocked = inSchedule(c, t.now) ?? reentryBlocked(t, c.def, c.id);
  if (blocked) return skip(blocked);
  if (c.def.audience && !evaluateCondition(c.def.audience, t.conditionFacts(trigger.properties)))
    return skip("not in the campaign's audience");

  const { arm, control } = assignArm(c.id, t.profile.userId, c.def.variants, c.def.controlPercent);
  const journey: Journey = {
    instance,
    campaignId: c.id,
    version: c.version,
    arm,
    control,
    step: c.def.steps[0]!.id,
    status: "active",
    enteredAt: t.now,
    trigger,
    def: c.def,
    waitEvent: null,
    inactionKey: null,
    converted: false,
  };
  s.insert(journey);
  s.recordEntry(c.id, t.now);
  t.schedule({ key: PRUNE_TIMER, dueAt: t.now + PRUNE_EVERY, kind: PRUNE_TIMER, payload: {} }, true);
  countEntry(t, journey);
  if (control) {
    journey.status = "done";
    s.update(journey);
    return { entered: true, instance, arm: CONTROL_ARM };
  }
  if (atLocalTime) {
    park(t, journey, "deferred", localSendTime(t.now, t.timezone(), atLocalTime), "defer");
    return { entered: true, instance, arm };
  }
  run(t, journey);
  return { entered: true, instance, arm };
}

function countEntry(t: Turn, j: Journey): void {
  t.stat(j, "entered", `${j.instance}:entered`);
  if (j.control) t.stat(j, "control", `${j.instance}:control`);
  if (j.control) t.suppressed({ campaignId: j.campaignId, variant: j.arm, key: j.instance }, "control_group");
  t.timeline({
    campaignId: j.campaignId,
    entered: true,
    instance: j.instance,
    variant: j.arm,
    configVersion: t.facts.configVersion,
    ...(j.control ? { reason: "control group: no messages" } : {}),
  });
}

/** When a local-time broadcast reaches this person: that local time on the given date (now if it has passed), or the next one. */
export function localSendTime(now: Millis, tz: string, at: { hhmm: string; date?: string }): Millis {
  if (!at.date) return nextLocalTime(now, tz, at.hhmm);
  const [year, month, day] = at.date.split("-").map(Number) as [number, number, number];
  const [hour, minute] = at.hhmm.split(":").map(Number) as [number, number];
  return Math.max(now, instantOfLocal({ year, month, day, hour, minute }, tz));
}

// ───────────────────────── inaction (abandonment) ─────────────────────────

function inactionKeyOf(c: JourneyCampaign, event: BeckonEvent): string | null {
  const trigger = c.def.trigger;
  if (trigger.type !== "inaction" || !trigger.key) return null;
  const v = valuesAtPath(event.properties, trigger.key)[0];
  return v === undefined || v === null ? null : String(v);
}

/** `start` seen: one pending journey per key value (two carts, two timers); a repeat moves the deadline. */
function startInaction(t: Turn, c: JourneyCampaign, event: BeckonEvent): void {
  const trigger = c.def.trigger;
  if (trigger.type !== "inaction") return;
  const key = inactionKeyOf(c, event);
  const instance = `${c.id}:ia:${key ?? "-"}:${Math.floor(event.timestamp)}`;
  for (const old of t.state.pendingInaction(c.id, key)) {
    t.cancelTimer(journeyTimerKey(old.instance));
    t.state.delete(old.instance);
  }
  // Counted from when it happened (the skew-corrected event time), not when it arrived: an offline-queued
  // `Product Added` that arrives 20 minutes late has 20 minutes less to go. Already past: due at once.
  const dueAt = Math.max(Math.min(event.timestamp, t.now) + durationMs(trigger.within), t.now);
  t.state.insert({
    instance,
    campaignId: c.id,
    version: c.version,
    arm: "",
    control: false,
    step: null,
    status: "pending",
    enteredAt: t.now,
    trigger: triggerOf(event),
    def: c.def,
    waitEvent: null,
    inactionKey: key,
    converted: false,
  });
  t.schedule({
    key: journeyTimerKey(instance),
    dueAt,
    kind: JOURNEY_TIMER,
    payload: { instance, purpose: "inaction" },
  });
  t.timeline({
    campaignId: c.id,
    abandonmentTimer: dueAt,
    key,
    reason: `${trigger.start.event} without ${trigger.cancel.event}`,
  });
}

/** The cancel event (with the same key) before the deadline: the abandonment timer goes. */
export function cancelInaction(t: Turn, event: BeckonEvent): void {
  if (isSpoofedInternal(event)) return;
  for (const c of t.facts.campaigns.cancelByEvent.get(event.name) ?? []) {
    const trigger = c.def.trigger;
    if (
      trigger.type !== "inaction" ||
      !matchesFilters(event.properties as Record<string, unknown>, trigger.cancel.filters)
    )
      continue;
    const key = trigger.key ? inactionKeyOf(c, event) : null;
    if (trigger.key && key === null) continue;
    for (const j of t.state.pendingInaction(c.id, key)) {
      t.cancelTimer(journeyTimerKey(j.instance));
      t.state.delete(j.instance);
      t.timeline({ campaignId: c.id, cancelled: true, key, reason: `${event.name} before the deadline` });
      t.suppressed({ campaignId: c.id, variant: "", key: j.instance }, "cancelled");
    }
  }
}

/** The abandonment deadline passed without the cancel event: the person enters the campaign now. */
export function inactionDeadline(t: Turn, j: Journey, dueAt: number): void {
  if (j.status !== "pending") return;
  const c = t.facts.campaigns.byId.get(j.campaignId);
  // How late the alarm fired, for the bench and the timeline (abandonment must leave within a second or two).
  t.timeline({ campaignId: j.campaignId, abandonmentDeadline: dueAt, lateMs: t.now - dueAt, key: j.inactionKey });
  t.state.delete(j.instance);
  if (c) enter(t, c, j.trigger, j.instance.replace(":ia:", ":ab:"));
}
