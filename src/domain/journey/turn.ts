import type { Millis } from "../../kernel/clock";
import type { JsonObject } from "../../kernel/json";
import type { CampaignStat } from "../campaigns/campaign-stat";
import { type SuppressionReason, suppressed } from "../campaigns/suppression";
import type { ConditionFacts } from "../campaigns/condition";
import { RESERVED_EVENT_NAMES } from "../events/reserved-events";
import { matchesFilters } from "../filters/property-filter";
import { resolveTimeZone } from "../time/local-time";
import type { JourneyEffect, TimerRequest } from "./effects";
import type { JourneyFacts } from "./facts";
import type { Journey } from "./journey";
import type { JourneyState } from "./state";

/** One `stepJourney` call in progress: the state it changes, what it knows, the effects it collects. */
export class Turn {
  effects: JourneyEffect[] = [];

  constructor(
    readonly state: JourneyState,
    readonly facts: JourneyFacts,
    readonly now: Millis,
  ) {}

  get profile() {
    return this.facts.profile;
  }

  timezone(): string {
    return resolveTimeZone(this.profile.timezone, this.facts.settings.defaultTimezone);
  }

  timeline(detail: JsonObject, kind: "decision" | "delivery" = "decision"): void {
    this.effects.push({ type: "timeline", kind, detail });
  }

  stat(j: { campaignId: string; arm: string }, kind: CampaignStat["kind"], dedupeKey: string): void {
    this.effects.push({
      type: "stat",
      stat: {
        dedupeKey,
        appId: this.facts.appId,
        campaignId: j.campaignId,
        variant: j.arm,
        kind,
        userId: this.profile.userId,
        at: this.now,
      },
    });
  }

  /** Why this journey did not send (or not yet), counted per reason (src/domain/campaigns/suppression.ts). */
  suppressed(at: { campaignId: string; variant: string; key: string }, reason: SuppressionReason): void {
    this.effects.push({
      type: "stat",
      stat: suppressed({ now: this.now, config: { appId: this.facts.appId }, profile: this.profile }, at, reason),
    });
  }

  schedule(timer: TimerRequest, ifAbsent = false): void {
    this.effects.push({ type: "schedule-timer", timer, ...(ifAbsent ? { ifAbsent } : {}) });
  }

  cancelTimer(key: string): void {
    this.effects.push({ type: "cancel-timer", key });
  }

  /** What a condition may ask (audience at entry, branches on the way). */
  conditionFacts(properties: Record<string, unknown>, journey?: Journey): ConditionFacts {
    const p = this.profile;
    const facts = this.facts;
    return {
      traits: p.traits,
      context: (p.context ?? {}) as Record<string, unknown>,
      properties,
      consent: (ch) => p.consent[ch]?.status ?? "unknown",
      lifecycle: p.lifecycle.state,
      loyal: p.lifecycle.loyal,
      countEvents: (name, filters, since) => {
        // Internal events are not in the recent-event log; an SDK call with a reserved name must not stand in for one.
        if (RESERVED_EVENT_NAMES.has(name)) return 0;
        // The app's purchase event without filters: the profile's counter is exact (the log below is trimmed to
        // settings.recentEvents), for all time or any window that reaches back to the first purchase.
        if (
          name === facts.settings.purchaseEvent &&
          filters.length === 0 &&
          (since <= 0 || (p.counters.firstPurchase !== null && p.counters.firstPurchase >= since))
        )
          return p.counters.purchases;
        const rows = facts.eventLog(name, since);
        return filters.length === 0
          ? rows.length
          : rows.filter((r) => matchesFilters(JSON.parse(r.properties), filters)).length;
      },
      messageStatus: (stepId) => (journey ? this.state.stepStatus(journey.instance, stepId) : null),
      attrs: facts.attrs(),
      resumedBy: journey?.trigger.resumedBy?.properties ?? null,
      answers: journey?.trigger.answers ?? {},
      now: this.now,
    };
  }
}
