import type { Json } from "../../kernel/json";
import type { BeckonEvent } from "../events/beckon-event";
import { isSpoofedInternal } from "../events/reserved-events";
import { matchesFilters } from "../filters/property-filter";
import type { Journey } from "./journey";
import type { Turn } from "./turn";

/**
 * The goal event of campaigns the person entered: one goal event converts at most one journey per
 * campaign, the most recent convertible entry within its version's window (two abandoned carts and
 * one order are one conversion, not two). Control-group entries convert too: that is the uplift.
 */
export function attributeConversions(t: Turn, event: BeckonEvent): void {
  const candidates = t.facts.campaigns.goalByEvent.get(event.name);
  if (!candidates || isSpoofedInternal(event)) return;
  for (const c of candidates) {
    // Journeys keep their own version's goal window (checked below); search at least 30 days back.
    const horizon = t.now - Math.max(c.def.goal?.windowHours ?? 0, 720) * 3_600_000;
    let j: Journey | undefined;
    for (const k of t.state.convertible(c.id, horizon)) {
      const goal = k.def.goal;
      if (
        !goal ||
        goal.event !== event.name ||
        event.timestamp < k.enteredAt ||
        t.now - k.enteredAt > goal.windowHours * 3_600_000
      )
        continue;
      if (!matchesFilters(event.properties as Record<string, unknown>, goal.filters)) continue;
      if (!j || k.enteredAt > j.enteredAt || (k.enteredAt === j.enteredAt && k.instance > j.instance)) j = k;
    }
    if (!j) continue;
    j.converted = true;
    t.state.update(j);
    t.stat(j, "converted", `${j.instance}:converted`);
    t.timeline({ campaignId: j.campaignId, converted: true, instance: j.instance, variant: j.arm, event: event.name });
  }
}

/** A survey this journey sent was answered: remember the answer on the journey, for `{answer: …}` branches. */
export function keepAnswer(t: Turn, event: BeckonEvent): void {
  const p = event.properties as { key?: unknown; questionId?: unknown; answer?: unknown };
  if (typeof p.key !== "string" || typeof p.questionId !== "string") return;
  const send = t.state.send(p.key);
  const j = send ? t.state.journey(send.instance) : undefined;
  if (!j) return;
  j.trigger.answers = { ...(j.trigger.answers ?? {}), [p.questionId]: p.answer as Json };
  t.state.update(j);
}
