import type { Condition } from "../campaigns/model";
import { durationMs } from "../campaigns/model";
import { evaluateCondition } from "../campaigns/condition";
import type { BeckonEvent } from "../events/beckon-event";
import { isSpoofedInternal } from "../events/reserved-events";
import { matchesFilters } from "../filters/property-filter";
import { nextLocalTime } from "../time/local-time";
import { JOURNEY_TIMER, type Journey, journeyTimerKey, nextOf, stepOf, type TimerPurpose } from "./journey";
import { runMessageStep } from "./message";
import type { Turn } from "./turn";

/** Steps one journey may take in one go before it must wait (guards against branch loops). */
export const MAX_STEPS_PER_RUN = 100;

/** Parks the journey on its timer (one per journey: a new one replaces the old). */
export function park(t: Turn, j: Journey, status: Journey["status"], dueAt: number, purpose: TimerPurpose): void {
  j.status = status;
  t.state.update(j);
  t.schedule({
    key: journeyTimerKey(j.instance),
    dueAt,
    kind: JOURNEY_TIMER,
    payload: { instance: j.instance, purpose },
  });
}

export function finish(t: Turn, j: Journey, reason?: string): void {
  j.status = "done";
  j.step = null;
  t.state.update(j);
  if (reason) t.timeline({ campaignId: j.campaignId, exited: true, instance: j.instance, reason });
}

/** Runs steps until the journey waits, finishes or exits. */
export function run(t: Turn, j: Journey): void {
  for (let n = 0; n < MAX_STEPS_PER_RUN; n++) {
    const status = t.facts.campaigns.status.get(j.campaignId);
    if (status === "paused" || status === "archived") {
      t.suppressed({ campaignId: j.campaignId, variant: j.arm, key: j.instance }, "campaign_stopped");
      return finish(t, j, `campaign ${status}`);
    }
    const step = stepOf(j, j.step);
    if (!step) return finish(t, j);
    switch (step.type) {
      case "message": {
        const outcome = runMessageStep(t, j, step);
        if (outcome.kind === "deferred") return park(t, j, "deferred", outcome.until, "defer");
        j.step = nextOf(j, step);
        break;
      }
      case "delay": {
        const dueAt = step.duration
          ? t.now + durationMs(step.duration)
          : nextLocalTime(t.now, t.timezone(), step.untilLocalTime!);
        return park(t, j, "delayed", dueAt, "delay");
      }
      case "wait_for_event":
        j.waitEvent = step.event;
        return park(t, j, "waiting", t.now + durationMs(step.timeout), "wait-timeout");
      case "branch": {
        const yes = evaluateCondition(step.condition as Condition, t.conditionFacts(j.trigger.properties, j));
        t.timeline({ campaignId: j.campaignId, step: step.id, branch: yes ? "then" : "else" });
        j.step = yes ? step.then : step.else;
        break;
      }
      case "exit":
        return finish(t, j, "exit step");
    }
    t.state.update(j);
  }
  finish(t, j, `more than ${MAX_STEPS_PER_RUN} steps without waiting (loop?)`);
}

/** Journeys waiting for this event (and its filters) go on at the step's `onEvent`. */
export function resumeWaiting(t: Turn, event: BeckonEvent): void {
  if (isSpoofedInternal(event)) return;
  for (const j of t.state.waitingFor(event.name)) {
    const step = stepOf(j, j.step);
    if (step?.type !== "wait_for_event" || !matchesFilters(event.properties as Record<string, unknown>, step.filters))
      continue;
    t.cancelTimer(journeyTimerKey(j.instance));
    j.status = "active";
    j.waitEvent = null;
    j.step = step.onEvent;
    // Later branches may ask what it was (`{event: …}`), e.g. which reason a survey gave.
    j.trigger.resumedBy = { event: event.name, properties: event.properties };
    run(t, j);
  }
}

/** A delay ended, a wait timed out, or a quiet-hours deferral is over: the journey goes on. */
export function resumeOnTimer(t: Turn, j: Journey, purpose: TimerPurpose): void {
  const step = stepOf(j, j.step);
  if (!step) return finish(t, j, "step no longer exists");
  if (purpose === "delay") j.step = nextOf(j, step);
  else if (purpose === "wait-timeout" && step.type === "wait_for_event") {
    j.step = step.onTimeout;
    j.waitEvent = null;
  }
  j.status = "active";
  run(t, j);
}
