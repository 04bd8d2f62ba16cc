import { DAY, type Millis } from "../../../kernel/clock";
import { configPart } from "../../../stores/config/app-config";
import type { BeckonEvent } from "../../../domain/events/beckon-event";
import type { Json, JsonObject } from "../../../kernel/json";
import type { UserContext, UserFeature } from "../../feature";
import type { Timer } from "../../timers";
import type { CampaignSendLedger, InAppInbox } from "../../ports";
import {
  type CampaignIndex,
  type CompiledCampaign,
  campaignsPart,
  TRIGGER_EVENTS,
} from "../../../stores/campaigns/campaign-index";
import { evaluateCondition, type ConditionFacts } from "../../../domain/campaigns/condition";
import { advances, type Journey, type JourneyHandover, JOURNEY_SCHEMA, JourneyStore } from "./journey-store";
import { instantOfLocal, nextLocalTime, resolveTimeZone } from "../../../domain/time/local-time";
import { runMessageStep } from "./message-step";
import { previewMessage, testSend } from "./test-message";
import { type Campaign, type Condition, durationMs, type Step } from "../../../domain/campaigns/model";
import { assignArm, CONTROL_ARM } from "../../../domain/campaigns/policy/assignment";
import { matchesFilters, valuesAtPath } from "../../../domain/filters/property-filter";
import { INAPP_EVENTS } from "../../../domain/inapp/model";
import { isSpoofedInternal, RESERVED_EVENT_NAMES } from "../../../domain/events/reserved-events";

const SURVEY_ANSWERED = INAPP_EVENTS.answer;

/** Steps one journey may take in one go before it must wait (guards against branch loops). */
const MAX_STEPS_PER_RUN = 100;
/** Finished journeys and sends are kept this long for attribution and caps, then pruned. */
const JOURNEY_RETENTION = 90 * DAY;

type TimerPurpose = "inaction" | "delay" | "wait-timeout" | "defer";
const timerKey = (instance: string) => `journey:${instance}`;

const index = (ctx: UserContext): CampaignIndex => configPart(ctx.config, campaignsPart);
/** One store per transaction: it remembers which events journeys wait for, so most events skip that query. */
const store = (ctx: UserContext) => ctx.memo("campaigns.store", () => new JourneyStore(ctx.sql));

/**
 * The journey engine inside each UserObject: matches triggers, runs steps,
 * keeps timers for abandonment deadlines, delays, waits and quiet-hour deferrals,
 * and attributes conversions. Everything runs in the object's transaction.
 */
/** Where in-app steps deliver (wired by engine/features.ts; one per isolate). */
let inbox: InAppInbox;

export function createJourneyFeature(inAppInbox: InAppInbox): UserFeature {
  inbox = inAppInbox;
  return {
    name: "campaigns",
    schema: JOURNEY_SCHEMA,

    // Identity merge: a cart abandoned before sign-in is still reminded (and cancelled) after it.
    handOver: (sql) => new JourneyStore(sql).dump() as unknown as Json,
    absorb(ctx, data) {
      if (!data || typeof data !== "object" || Array.isArray(data)) return;
      for (const t of store(ctx).absorb(data as unknown as JourneyHandover))
        if (!ctx.timers.get(t.key)) ctx.timers.schedule(t);
    },

    onEvent(ctx, event) {
      const idx = index(ctx);
      if (event.name === SURVEY_ANSWERED && !isSpoofedInternal(event)) keepAnswer(ctx, event);
      cancelInaction(ctx, idx, event);
      attributeConversions(ctx, idx, event);
      resumeWaiting(ctx, event);
      for (const c of idx.entryByEvent.get(event.name) ?? []) considerEntry(ctx, c, event);
    },

    timers: {
      journey: (ctx, timer) => onJourneyTimer(ctx, timer),
      "journey-prune": (ctx) => {
        store(ctx).prune(ctx.now - JOURNEY_RETENTION);
        ctx.timers.schedule({ key: "journey-prune", dueAt: ctx.now + 7 * DAY, kind: "journey-prune", payload: {} });
      },
    },

    commands: {
      /** Transactional API trigger: POST /admin/campaigns/:id/trigger. */
      trigger: (ctx, args) => {
        const a = args as { campaignId: string; payload: JsonObject; requestId: string };
        const c = index(ctx).byId.get(a.campaignId);
        if (!c) return { entered: false, reason: "campaign is not active" };
        return enter(
          ctx,
          c,
          { event: "API Triggered", properties: a.payload, messageId: a.requestId },
          `${c.id}:${a.requestId}`,
        ) as Json;
      },
      /** Broadcast fan-out: one entry per occurrence, optionally at the user's local time. */
      enterBroadcast: (ctx, args) => {
        const a = args as { campaignId: string; occurrence: string; localDate?: string };
        const c = index(ctx).byId.get(a.campaignId);
        if (!c || c.def.trigger.type !== "broadcast")
          return { entered: false, reason: "campaign is not an active broadcast" };
        const localTime = c.def.trigger.localTime;
        const result = enter(
          ctx,
          c,
          { event: "Broadcast", properties: { occurrence: a.occurrence }, messageId: a.occurrence },
          `${c.id}:${a.occurrence}`,
          localTime ? { hhmm: localTime, ...(a.localDate ? { date: a.localDate } : {}) } : undefined,
        );
        return result as Json;
      },
      /** Console: render a message step for this person (POST /admin/messages/preview); writes nothing. */
      previewMessage: (ctx, args) => previewMessage(ctx, args as never),
      /** Console: one test send through the real send path (POST /admin/messages/test-send). */
      testSend: (ctx, args) => testSend(inbox, ctx, args as never) as unknown as Json,
      /** Delivery feedback from the send queue and provider webhooks; statuses only move forward. */
      deliveryStatus: (ctx, args) => {
        const a = args as { idempotencyKey: string; status: string; at?: number; reason?: string };
        ctx.acknowledgeSend(a.idempotencyKey);
        const moved = store(ctx).advanceSend(a.idempotencyKey, a.status);
        if (!moved) return { updated: false, reason: "unknown send" } as Json;
        const { send } = moved;
        if (!moved.updated) return { updated: false, reason: `already ${send.status}` } as Json;
        ctx.timeline.add(ctx.now, "delivery", {
          key: a.idempotencyKey,
          campaignId: send.campaignId,
          channel: send.channel,
          status: a.status,
          ...(a.reason ? { reason: a.reason } : {}),
        });
        return { updated: true };
      },
    },

    describe(ctx) {
      return {
        journeys: store(ctx)
          .active()
          .map((j) => ({
            instance: j.instance,
            campaignId: j.campaignId,
            version: j.version,
            arm: j.arm,
            step: j.step,
            status: j.status,
            enteredAt: j.enteredAt,
          })) as Json,
      };
    },
  };
}

// ───────────────────────── entry ─────────────────────────

function considerEntry(ctx: UserContext, c: CompiledCampaign, event: BeckonEvent): void {
  const t = c.def.trigger;
  if (isSpoofedInternal(event)) {
    // An SDK call named like one of Beckon's internal events (a public write key could otherwise start win-back campaigns).
    ctx.timeline.add(ctx.now, "decision", {
      campaignId: c.id,
      notEntered: true,
      event: event.name,
      reason: `"${event.name}" is a reserved internal event name: only Beckon's own event triggers it, not an SDK call`,
    });
    return;
  }
  const props = event.properties as Record<string, unknown>;
  switch (t.type) {
    case "event":
      if (!matchesFilters(props, t.filters)) return;
      enter(ctx, c, triggerOf(event), `${c.id}:${event.messageId}`);
      return;
    case "inaction":
      if (matchesFilters(props, t.start.filters)) startInaction(ctx, c, event);
      return;
    case "lifecycle":
      if (props.to === t.to && (t.from === "*" || props.from === t.from))
        enter(ctx, c, triggerOf(event), `${c.id}:lc:${props.from}>${props.to}:${ctx.now}`);
      return;
    case "geofence":
    case "beacon": {
      const placeId = String((t.type === "geofence" ? props.fenceId : props.regionId) ?? "");
      const ids = t.type === "geofence" ? t.fenceIds : t.regionIds;
      const tags = Array.isArray(props.tags) ? props.tags.map(String) : [];
      if (ids && !ids.includes(placeId)) return;
      if (t.tags && !t.tags.some((tag) => tags.includes(tag))) return;
      enter(ctx, c, triggerOf(event), `${c.id}:place:${placeId}:${event.messageId}`);
      return;
    }
    case "segment":
      if (props.segmentId === t.segmentId) enter(ctx, c, triggerOf(event), `${c.id}:seg:${event.messageId}`);
      return;
  }
}

const triggerOf = (e: BeckonEvent): Journey["trigger"] => ({
  event: e.name,
  properties: e.properties,
  messageId: e.messageId,
});

function inSchedule(c: CompiledCampaign, now: Millis): string | null {
  if (c.startAt !== null && now < c.startAt) return "campaign has not started";
  if (c.endAt !== null && now >= c.endAt) return "campaign has ended";
  return null;
}

function reentryBlocked(ctx: UserContext, def: Campaign, campaignId: string): string | null {
  const last = store(ctx).lastEntry(campaignId);
  if (!last) return null;
  if (def.reentry === "once") return "re-entry: once per person";
  if (typeof def.reentry === "object" && ctx.now - last.lastEnteredAt < def.reentry.cooldownHours * 3_600_000)
    return `re-entry: cooldown of ${def.reentry.cooldownHours} h`;
  return null;
}

function facts(ctx: UserContext, properties: Record<string, unknown>, journey?: Journey): ConditionFacts {
  const p = ctx.profile;
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
        name === ctx.config.settings.purchaseEvent &&
        filters.length === 0 &&
        (since <= 0 || (p.counters.firstPurchase !== null && p.counters.firstPurchase >= since))
      )
        return p.counters.purchases;
      const rows = ctx.eventLog(name, since);
      return filters.length === 0
        ? rows.length
        : rows.filter((r) => matchesFilters(JSON.parse(r.properties), filters)).length;
    },
    messageStatus: (stepId) => (journey ? store(ctx).stepStatus(journey.instance, stepId) : null),
    attrs: ctx.attrs(),
    resumedBy: journey?.trigger.resumedBy?.properties ?? null,
    answers: journey?.trigger.answers ?? {},
    now: ctx.now,
  };
}

/**
 * Enters a person into a campaign (after schedule, re-entry and audience checks):
 * assigns the stable A/B arm or control group, counts the entry, runs the first steps.
 */
function enter(
  ctx: UserContext,
  c: CompiledCampaign,
  trigger: Journey["trigger"],
  instance: string,
  atLocalTime?: { hhmm: string; date?: string },
): { entered: boolean; instance?: string; arm?: string; reason?: string } {
  const s = store(ctx);
  const skip = (reason: string) => {
    ctx.timeline.add(ctx.now, "decision", { campaignId: c.id, notEntered: true, reason });
    return { entered: false, reason };
  };
  if (s.get(instance)) return { entered: false, reason: "already entered for this trigger" };
  const blocked = inSchedule(c, ctx.now) ?? reentryBlocked(ctx, c.def, c.id);
  if (blocked) return skip(blocked);
  if (c.def.audience && !evaluateCondition(c.def.audience, facts(ctx, trigger.properties)))
    return skip("not in the campaign's audience");

  const { arm, control } = assignArm(c.id, ctx.profile.userId, c.def.variants, c.def.controlPercent);
  const journey: Journey = {
    instance,
    campaignId: c.id,
    version: c.version,
    arm,
    control,
    step: c.def.steps[0]!.id,
    status: "active",
    enteredAt: ctx.now,
    trigger,
    def: c.def,
    waitEvent: null,
    inactionKey: null,
    converted: false,
  };
  s.insert(journey, ctx.now);
  s.recordEntry(c.id, ctx.now);
  ctx.timers.scheduleIfAbsent({ key: "journey-prune", dueAt: ctx.now + 7 * DAY, kind: "journey-prune", payload: {} });
  countEntry(ctx, journey);
  if (control) {
    journey.status = "done";
    s.update(journey, ctx.now);
    return { entered: true, instance, arm: CONTROL_ARM };
  }
  if (atLocalTime) {
    const tz = resolveTimeZone(ctx.profile.timezone, ctx.config.settings.defaultTimezone);
    park(ctx, journey, "deferred", localSendTime(ctx.now, tz, atLocalTime), "defer");
    return { entered: true, instance, arm };
  }
  run(ctx, journey);
  return { entered: true, instance, arm };
}

function countEntry(ctx: UserContext, j: Journey): void {
  const stat = {
    appId: ctx.config.appId,
    campaignId: j.campaignId,
    variant: j.arm,
    userId: ctx.profile.userId,
    at: ctx.now,
  };
  ctx.recordStat({ ...stat, dedupeKey: `${j.instance}:entered`, kind: "entered" });
  if (j.control) ctx.recordStat({ ...stat, dedupeKey: `${j.instance}:control`, kind: "control" });
  ctx.timeline.add(ctx.now, "decision", {
    campaignId: j.campaignId,
    entered: true,
    instance: j.instance,
    variant: j.arm,
    configVersion: ctx.config.version,
    ...(j.control ? { reason: "control group: no messages" } : {}),
  });
}

/** When a local-time broadcast reaches this person: that local time on the given date (now if it has passed), or the next one. */
function localSendTime(now: Millis, tz: string, at: { hhmm: string; date?: string }): Millis {
  if (!at.date) return nextLocalTime(now, tz, at.hhmm);
  const [year, month, day] = at.date.split("-").map(Number) as [number, number, number];
  const [hour, minute] = at.hhmm.split(":").map(Number) as [number, number];
  return Math.max(now, instantOfLocal({ year, month, day, hour, minute }, tz));
}

// ───────────────────────── inaction (abandonment) ─────────────────────────

function inactionKeyOf(c: CompiledCampaign, event: BeckonEvent): string | null {
  const t = c.def.trigger;
  if (t.type !== "inaction" || !t.key) return null;
  const v = valuesAtPath(event.properties, t.key)[0];
  return v === undefined || v === null ? null : String(v);
}

/** `start` seen: one pending journey per key value (two carts, two timers); a repeat moves the deadline. */
function startInaction(ctx: UserContext, c: CompiledCampaign, event: BeckonEvent): void {
  const t = c.def.trigger;
  if (t.type !== "inaction") return;
  const key = inactionKeyOf(c, event);
  const instance = `${c.id}:ia:${key ?? "-"}:${Math.floor(event.timestamp)}`;
  const s = store(ctx);
  for (const old of s.pendingInaction(c.id, key)) {
    ctx.timers.cancel(timerKey(old.instance));
    s.delete(old.instance);
  }
  // Counted from when it happened (the skew-corrected event time), not when it arrived: an offline-queued
  // `Product Added` that arrives 20 minutes late has 20 minutes less to go. Already past: due at once.
  const dueAt = Math.max(Math.min(event.timestamp, ctx.now) + durationMs(t.within), ctx.now);
  const journey: Journey = {
    instance,
    campaignId: c.id,
    version: c.version,
    arm: "",
    control: false,
    step: null,
    status: "pending",
    enteredAt: ctx.now,
    trigger: triggerOf(event),
    def: c.def,
    waitEvent: null,
    inactionKey: key,
    converted: false,
  };
  s.insert(journey, ctx.now);
  ctx.timers.schedule({ key: timerKey(instance), dueAt, kind: "journey", payload: { instance, purpose: "inaction" } });
  ctx.timeline.add(ctx.now, "decision", {
    campaignId: c.id,
    abandonmentTimer: dueAt,
    key,
    reason: `${t.start.event} without ${t.cancel.event}`,
  });
}

function cancelInaction(ctx: UserContext, idx: CampaignIndex, event: BeckonEvent): void {
  if (isSpoofedInternal(event)) return;
  for (const c of idx.cancelByEvent.get(event.name) ?? []) {
    const t = c.def.trigger;
    if (t.type !== "inaction" || !matchesFilters(event.properties as Record<string, unknown>, t.cancel.filters))
      continue;
    const key = t.key ? inactionKeyOf(c, event) : null;
    if (t.key && key === null) continue;
    for (const j of store(ctx).pendingInaction(c.id, key)) {
      ctx.timers.cancel(timerKey(j.instance));
      store(ctx).delete(j.instance);
      ctx.timeline.add(ctx.now, "decision", {
        campaignId: c.id,
        cancelled: true,
        key,
        reason: `${event.name} before the deadline`,
      });
    }
  }
}

// ───────────────────────── conversions ─────────────────────────

function attributeConversions(ctx: UserContext, idx: CampaignIndex, event: BeckonEvent): void {
  const candidates = idx.goalByEvent.get(event.name);
  if (!candidates || isSpoofedInternal(event)) return;
  // Journeys entered under an older version keep their own goal: look them up by campaign id.
  for (const c of candidates) {
    const campaignId = c.id;
    // Journeys keep their own version's goal window (checked below); search at least 30 days back.
    const goalNow = c.def.goal;
    const horizon = ctx.now - Math.max(goalNow?.windowHours ?? 0, 720) * 3_600_000;
    // One goal event converts at most one journey per campaign: the most recent convertible entry
    // (two abandoned carts and one order are one conversion, not two).
    let j: Journey | undefined;
    for (const k of store(ctx).convertible(campaignId, horizon)) {
      const goal = k.def.goal;
      if (
        !goal ||
        goal.event !== event.name ||
        event.timestamp < k.enteredAt ||
        ctx.now - k.enteredAt > goal.windowHours * 3_600_000
      )
        continue;
      if (!matchesFilters(event.properties as Record<string, unknown>, goal.filters)) continue;
      if (!j || k.enteredAt > j.enteredAt || (k.enteredAt === j.enteredAt && k.instance > j.instance)) j = k;
    }
    if (j) {
      j.converted = true;
      store(ctx).update(j, ctx.now);
      ctx.recordStat({
        dedupeKey: `${j.instance}:converted`,
        appId: ctx.config.appId,
        campaignId: j.campaignId,
        variant: j.arm,
        kind: "converted",
        userId: ctx.profile.userId,
        at: ctx.now,
      });
      ctx.timeline.add(ctx.now, "decision", {
        campaignId: j.campaignId,
        converted: true,
        instance: j.instance,
        variant: j.arm,
        event: event.name,
      });
    }
  }
}

// ───────────────────────── survey answers ─────────────────────────

/** A survey this journey sent was answered: remember the answer on the journey, for `{answer: …}` branches. */
function keepAnswer(ctx: UserContext, event: BeckonEvent): void {
  const p = event.properties as { key?: unknown; questionId?: unknown; answer?: unknown };
  if (typeof p.key !== "string" || typeof p.questionId !== "string") return;
  const send = store(ctx).send(p.key);
  const j = send ? store(ctx).get(send.instance) : undefined;
  if (!j) return;
  j.trigger.answers = { ...(j.trigger.answers ?? {}), [p.questionId]: p.answer as Json };
  store(ctx).update(j, ctx.now);
}

// ───────────────────────── running steps ─────────────────────────

function resumeWaiting(ctx: UserContext, event: BeckonEvent): void {
  if (isSpoofedInternal(event)) return;
  for (const j of store(ctx).waitingFor(event.name)) {
    const step = stepOf(j, j.step);
    if (step?.type !== "wait_for_event" || !matchesFilters(event.properties as Record<string, unknown>, step.filters))
      continue;
    ctx.timers.cancel(timerKey(j.instance));
    j.status = "active";
    j.waitEvent = null;
    j.step = step.onEvent;
    // Later branches may ask what it was (`{event: …}`), e.g. which reason a survey gave.
    j.trigger.resumedBy = { event: event.name, properties: event.properties };
    run(ctx, j);
  }
}

function onJourneyTimer(ctx: UserContext, timer: Timer): void {
  const { instance, purpose } = timer.payload as { instance: string; purpose: TimerPurpose };
  const j = store(ctx).get(instance);
  if (!j) return;
  // How late the alarm fired, for the bench and the timeline (abandonment must leave within a second or two).
  const lateMs = ctx.now - timer.dueAt;
  if (purpose === "inaction") {
    if (j.status !== "pending") return;
    const c = index(ctx).byId.get(j.campaignId);
    ctx.timeline.add(ctx.now, "decision", {
      campaignId: j.campaignId,
      abandonmentDeadline: timer.dueAt,
      lateMs,
      key: j.inactionKey,
    });
    if (!c) return void store(ctx).delete(instance);
    store(ctx).delete(instance);
    enter(ctx, c, j.trigger, instance.replace(":ia:", ":ab:"));
    return;
  }
  const step = stepOf(j, j.step);
  if (!step) return finish(ctx, j, "step no longer exists");
  if (purpose === "delay") j.step = nextOf(j, step);
  else if (purpose === "wait-timeout" && step.type === "wait_for_event") {
    j.step = step.onTimeout;
    j.waitEvent = null;
  }
  j.status = "active";
  run(ctx, j);
}

function stepOf(j: Journey, id: string | null): Step | undefined {
  return id === null ? undefined : j.def.steps.find((s) => s.id === id);
}

/** The step after `step`: its explicit `next`, else the following one in the list, else none (done). */
function nextOf(j: Journey, step: Step): string | null {
  if ("next" in step && step.next) return step.next;
  const i = j.def.steps.indexOf(step);
  return j.def.steps[i + 1]?.id ?? null;
}

function park(ctx: UserContext, j: Journey, status: Journey["status"], dueAt: number, purpose: TimerPurpose): void {
  j.status = status;
  store(ctx).update(j, ctx.now);
  ctx.timers.schedule({
    key: timerKey(j.instance),
    dueAt,
    kind: "journey",
    payload: { instance: j.instance, purpose },
  });
}

function finish(ctx: UserContext, j: Journey, reason?: string): void {
  j.status = "done";
  j.step = null;
  store(ctx).update(j, ctx.now);
  if (reason)
    ctx.timeline.add(ctx.now, "decision", { campaignId: j.campaignId, exited: true, instance: j.instance, reason });
}

/** Runs steps until the journey waits, finishes or exits. */
function run(ctx: UserContext, j: Journey): void {
  for (let n = 0; n < MAX_STEPS_PER_RUN; n++) {
    const status = index(ctx).status.get(j.campaignId);
    if (status === "paused" || status === "archived") return finish(ctx, j, `campaign ${status}`);
    const step = stepOf(j, j.step);
    if (!step) return finish(ctx, j);
    switch (step.type) {
      case "message": {
        const outcome = runMessageStep(inbox, ctx, j, step);
        if (outcome.kind === "deferred") return park(ctx, j, "deferred", outcome.until, "defer");
        j.step = nextOf(j, step);
        break;
      }
      case "delay": {
        const tz = resolveTimeZone(ctx.profile.timezone, ctx.config.settings.defaultTimezone);
        const dueAt = step.duration
          ? ctx.now + durationMs(step.duration)
          : nextLocalTime(ctx.now, tz, step.untilLocalTime!);
        return park(ctx, j, "delayed", dueAt, "delay");
      }
      case "wait_for_event":
        j.waitEvent = step.event;
        return park(ctx, j, "waiting", ctx.now + durationMs(step.timeout), "wait-timeout");
      case "branch": {
        const yes = evaluateCondition(step.condition as Condition, facts(ctx, j.trigger.properties, j));
        ctx.timeline.add(ctx.now, "decision", {
          campaignId: j.campaignId,
          step: step.id,
          branch: yes ? "then" : "else",
        });
        j.step = yes ? step.then : step.else;
        break;
      }
      case "exit":
        return finish(ctx, j, "exit step");
    }
    store(ctx).update(j, ctx.now);
  }
  finish(ctx, j, `more than ${MAX_STEPS_PER_RUN} steps without waiting (loop?)`);
}

export const LIFECYCLE_TRIGGER_EVENT = TRIGGER_EVENTS.lifecycle;

/** In-app engagement moves the journey's record of the send forward (the `CampaignSendLedger` port). */
export const journeySendLedger: CampaignSendLedger = {
  advance(ctx, key, campaignId, channel, status) {
    const journeys = new JourneyStore(ctx.sql);
    const send = journeys.send(key);
    if (!send || send.channel !== channel || send.campaignId !== campaignId) return;
    if (advances(send.status, status)) journeys.setSendStatus(key, status);
  },
};
