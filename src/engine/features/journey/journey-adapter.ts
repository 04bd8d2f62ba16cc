import { configPart } from "../../../stores/config/app-config";
import { type CampaignIndex, campaignsPart } from "../../../stores/campaigns/campaign-index";
import type { JourneyEffect } from "../../../domain/journey/effects";
import type { JourneyFacts } from "../../../domain/journey/facts";
import type { EntryResult, JourneyInput, SendReportResult } from "../../../domain/journey/input";
import { hasChanges } from "../../../domain/journey/state";
import { type JourneyStep, stepJourney } from "../../../domain/journey/step";
import type { UserContext } from "../../feature";
import type { InAppInbox } from "../../ports";
import { JourneyStore } from "./journey-store";

/**
 * The journey engine's adapter: loads the person's journey records (lazily, from the object's
 * storage), builds the facts, calls the pure `stepJourney` (domain/journey/) and applies what it
 * returns inside the caller's transaction: the records' changes, then the effects through the
 * UserContext (timers, timeline, outbox sends, stats) and the in-app inbox port.
 */

export const campaignIndex = (ctx: UserContext): CampaignIndex => configPart(ctx.config, campaignsPart);
/** One store per transaction: it remembers which events journeys wait for, so most events skip that query. */
export const journeyStore = (ctx: UserContext) => ctx.memo("campaigns.store", () => new JourneyStore(ctx.sql));

/** What `stepJourney` may know, read from the context when it asks (the profile may be replaced mid-call). */
export function journeyFacts(ctx: UserContext): JourneyFacts {
  let attrs: ReturnType<UserContext["attrs"]> | undefined;
  return {
    appId: ctx.config.appId,
    configVersion: ctx.config.version,
    campaigns: campaignIndex(ctx),
    settings: ctx.config.settings,
    get profile() {
      return ctx.profile;
    },
    pushTargets: () => ctx.devices.pushTargets(),
    attrs: () => (attrs ??= ctx.attrs()),
    eventLog: (name, since) => ctx.eventLog(name, since),
  };
}

/** One input through the engine: step, write the changes, apply the effects. */
export function stepAndApply(ctx: UserContext, inbox: InAppInbox, input: JourneyInput): JourneyStep["result"] {
  const store = journeyStore(ctx);
  const step = stepJourney(store, input, journeyFacts(ctx), ctx.now);
  if (hasChanges(step.changes)) store.persist(step.changes, ctx.now);
  applyEffects(ctx, inbox, store, step.effects);
  return step.result;
}

/** What an entry input (API trigger, broadcast) answers; `stepJourney` always answers one. */
export function entryResult(result: JourneyStep["result"]): EntryResult {
  if (result && "entered" in result) return result;
  throw new Error("journey: an entry input answered no entry result");
}

/** What a delivery report answers; `stepJourney` always answers one. */
export function reportResult(result: JourneyStep["result"]): SendReportResult {
  if (result && "updated" in result) return result;
  throw new Error("journey: a delivery report answered no report result");
}

export function applyEffects(
  ctx: UserContext,
  inbox: InAppInbox,
  store: JourneyStore,
  effects: readonly JourneyEffect[],
): void {
  for (const e of effects) {
    switch (e.type) {
      case "timeline":
        ctx.timeline.add(ctx.now, e.kind, e.detail);
        break;
      case "stat":
        ctx.recordStat(e.stat);
        break;
      case "schedule-timer":
        if (e.ifAbsent) ctx.timers.scheduleIfAbsent(e.timer);
        else ctx.timers.schedule(e.timer);
        break;
      case "cancel-timer":
        ctx.timers.cancel(e.key);
        break;
      case "send":
        ctx.enqueueSend(e.job);
        break;
      case "acknowledge-send":
        ctx.acknowledgeSend(e.key);
        break;
      case "deliver-in-app": {
        const d = e.delivery;
        const delivered =
          e.channel === "in_app"
            ? inbox.deliverInApp(ctx, d)
            : inbox.addContentCard(ctx, {
                key: d.key,
                campaignId: d.campaignId,
                variant: d.variant,
                content: d.content,
              });
        if (!delivered) break;
        store.recordSend(e.onDelivered.send);
        applyEffects(ctx, inbox, store, e.onDelivered.effects);
        break;
      }
    }
  }
}
