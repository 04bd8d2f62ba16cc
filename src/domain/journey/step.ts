import type { Millis } from "../../kernel/clock";
import { isSpoofedInternal } from "../events/reserved-events";
import { INAPP_EVENTS } from "../inapp/model";
import { attributeConversions, keepAnswer } from "./conversion";
import type { JourneyEffect } from "./effects";
import { cancelInaction, considerEntry, enter, inactionDeadline } from "./entry";
import type { JourneyFacts } from "./facts";
import type { EntryResult, JourneyInput, SendReportResult } from "./input";
import { advances } from "./journey";
import { resumeOnTimer, resumeWaiting } from "./run";
import type { JourneyChanges, JourneyRecords } from "./state";
import { JourneyState } from "./state";
import { Turn } from "./turn";

export interface JourneyStep {
  /** The records as this step left them (reads see its changes); `changes` is what to write. */
  state: JourneyRecords;
  changes: JourneyChanges;
  effects: JourneyEffect[];
  /** What a command input answers (entry, delivery report). */
  result?: EntryResult | SendReportResult;
}

/**
 * The journey engine: one input (an event, a timer, a command, a delivery report) against the
 * person's journey records and what is known about them and the app → the records' changes and
 * the effects to apply. Pure and synchronous: no storage, no bindings, no clock but `now`.
 * The campaign policies (domain/campaigns/policy/: assignment, quiet hours, frequency caps,
 * channel choice) are applied here; the adapter (engine/features/journey) only loads and applies.
 */
export function stepJourney(state: JourneyRecords, input: JourneyInput, facts: JourneyFacts, now: Millis): JourneyStep {
  const working = new JourneyState(state);
  const t = new Turn(working, facts, now);
  const result = apply(t, input);
  return { state: working, changes: working.take(), effects: t.effects, ...(result ? { result } : {}) };
}

function apply(t: Turn, input: JourneyInput): EntryResult | SendReportResult | undefined {
  const campaigns = t.facts.campaigns;
  switch (input.type) {
    case "event": {
      const event = input.event;
      if (event.name === INAPP_EVENTS.answer && !isSpoofedInternal(event)) keepAnswer(t, event);
      cancelInaction(t, event);
      attributeConversions(t, event);
      resumeWaiting(t, event);
      for (const c of campaigns.entryByEvent.get(event.name) ?? []) considerEntry(t, c, event);
      return undefined;
    }
    case "timer": {
      const { instance, purpose } = input.payload;
      const j = t.state.journey(instance);
      if (!j) return undefined;
      if (purpose === "inaction") inactionDeadline(t, j, input.dueAt);
      else resumeOnTimer(t, j, purpose);
      return undefined;
    }
    case "api-trigger": {
      const c = campaigns.byId.get(input.campaignId);
      if (!c) return { entered: false, reason: "campaign is not active" };
      return enter(
        t,
        c,
        { event: "API Triggered", properties: input.payload, messageId: input.requestId },
        `${c.id}:${input.requestId}`,
      );
    }
    case "broadcast": {
      const c = campaigns.byId.get(input.campaignId);
      if (!c || c.def.trigger.type !== "broadcast")
        return { entered: false, reason: "campaign is not an active broadcast" };
      const localTime = c.def.trigger.localTime;
      return enter(
        t,
        c,
        { event: "Broadcast", properties: { occurrence: input.occurrence }, messageId: input.occurrence },
        `${c.id}:${input.occurrence}`,
        localTime ? { hhmm: localTime, ...(input.localDate ? { date: input.localDate } : {}) } : undefined,
      );
    }
    case "send-reported": {
      t.effects.push({ type: "acknowledge-send", key: input.idempotencyKey });
      const send = t.state.send(input.idempotencyKey);
      if (!send) return { updated: false, reason: "unknown send" };
      if (!advances(send.status, input.status)) return { updated: false, reason: `already ${send.status}` };
      t.state.setSendStatus(input.idempotencyKey, input.status);
      t.timeline(
        {
          key: input.idempotencyKey,
          campaignId: send.campaignId,
          channel: send.channel,
          status: input.status,
          ...(input.reason ? { reason: input.reason } : {}),
        },
        "delivery",
      );
      return { updated: true };
    }
    case "engaged": {
      const send = t.state.send(input.key);
      if (!send || send.channel !== input.channel || send.campaignId !== input.campaignId) return undefined;
      if (advances(send.status, input.status)) t.state.setSendStatus(input.key, input.status);
      return undefined;
    }
  }
}
