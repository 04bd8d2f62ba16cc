import { Campaign, type CampaignInput, type CampaignStatus } from "../../../src/domain/campaigns/model";
import type { BeckonEvent } from "../../../src/domain/events/beckon-event";
import { TRIGGER_EVENTS } from "../../../src/domain/events/reserved-events";
import type { PushTarget } from "../../../src/domain/delivery/send-job";
import type { JourneyEffect } from "../../../src/domain/journey/effects";
import type { CampaignCatalog, JourneyCampaign, JourneyFacts } from "../../../src/domain/journey/facts";
import type { JourneyInput } from "../../../src/domain/journey/input";
import { countsTowardCaps, type EntryRecord, type Journey, type SendRecord } from "../../../src/domain/journey/journey";
import type { JourneyChanges, JourneyRecords } from "../../../src/domain/journey/state";
import { type JourneyStep, stepJourney } from "../../../src/domain/journey/step";
import { newProfile, type UserProfile } from "../../../src/domain/profile/profile";
import type { JsonObject } from "../../../src/kernel/json";

/** Shared fixtures for the journey engine's unit tests (test/unit/journey-engine-*.test.ts). */

/** Tuesday 2026-11-24 12:00 UTC: outside the default quiet hours (22:00–08:00). */
export const T0 = Date.parse("2026-11-24T12:00:00Z");
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** A validated campaign version, as the app config compiles it. */
export function campaign(id: string, def: CampaignInput, version = 1): JourneyCampaign {
  const parsed = Campaign.parse(def);
  return {
    id,
    version,
    def: parsed,
    startAt: parsed.startAt ? Date.parse(parsed.startAt) : null,
    endAt: parsed.endAt ? Date.parse(parsed.endAt) : null,
  };
}

function entryEvent(c: JourneyCampaign): string | null {
  const t = c.def.trigger;
  switch (t.type) {
    case "event":
      return t.event;
    case "inaction":
      return t.start.event;
    case "lifecycle":
      return TRIGGER_EVENTS.lifecycle;
    case "geofence":
      return TRIGGER_EVENTS.geofence[t.on];
    case "beacon":
      return TRIGGER_EVENTS.beacon[t.on];
    case "segment":
      return TRIGGER_EVENTS.segment[t.on];
    default:
      return null;
  }
}

/** The catalog of active campaigns (and `paused`: status only, goals still count). */
export function catalog(campaigns: JourneyCampaign[], paused: JourneyCampaign[] = []): CampaignCatalog {
  const push = (m: Map<string, JourneyCampaign[]>, k: string, c: JourneyCampaign) => m.set(k, [...(m.get(k) ?? []), c]);
  const entryByEvent = new Map<string, JourneyCampaign[]>();
  const cancelByEvent = new Map<string, JourneyCampaign[]>();
  const goalByEvent = new Map<string, JourneyCampaign[]>();
  const status = new Map<string, CampaignStatus>();
  for (const c of campaigns) {
    status.set(c.id, "active");
    const e = entryEvent(c);
    if (e) push(entryByEvent, e, c);
    if (c.def.trigger.type === "inaction") push(cancelByEvent, c.def.trigger.cancel.event, c);
    if (c.def.goal) push(goalByEvent, c.def.goal.event, c);
  }
  for (const c of paused) {
    status.set(c.id, "paused");
    if (c.def.goal) push(goalByEvent, c.def.goal.event, c);
  }
  for (const list of entryByEvent.values()) list.sort((a, b) => b.def.priority - a.def.priority);
  return { byId: new Map(campaigns.map((c) => [c.id, c])), entryByEvent, cancelByEvent, goalByEvent, status };
}

export const ANDROID: PushTarget = { provider: "fcm", platform: "android", token: "tok-1" };

/** A person reachable by push (opted in, one device), email and SMS, in UTC. */
export function reachablePerson(over: Partial<UserProfile> = {}): UserProfile {
  const p = newProfile("app1", "ana", false, T0 - 30 * 24 * HOUR);
  p.email = "ana@example.com";
  p.phone = "+14155550100";
  p.timezone = "UTC";
  p.consent = {
    push: { status: "opted_in", at: T0, source: "sdk" },
    email: { status: "opted_in", at: T0, source: "sdk" },
    sms: { status: "opted_in", at: T0, source: "sdk" },
  } as UserProfile["consent"];
  return Object.assign(p, over);
}

export interface FactsOptions {
  campaigns: CampaignCatalog;
  profile?: UserProfile;
  pushTargets?: PushTarget[];
  attrs?: JsonObject;
  events?: Record<string, Array<{ at: number; properties: JsonObject }>>;
  quietHours?: { start: string; end: string } | null;
  frequencyCaps?: Array<{ windowHours: number; max: number }>;
}

export function facts(o: FactsOptions): JourneyFacts {
  return {
    appId: "app1",
    configVersion: 7,
    campaigns: o.campaigns,
    settings: {
      quietHours: o.quietHours === undefined ? null : o.quietHours,
      frequencyCaps: o.frequencyCaps ?? [],
      defaultTimezone: "UTC",
      purchaseEvent: "Order Completed",
    },
    profile: o.profile ?? reachablePerson(),
    pushTargets: () => o.pushTargets ?? [ANDROID],
    attrs: () => o.attrs ?? {},
    eventLog: (name, since) =>
      (o.events?.[name] ?? [])
        .filter((e) => e.at >= since)
        .map((e) => ({ at: e.at, properties: JSON.stringify(e.properties) })),
  };
}

/** Journey records in memory: what the object's storage holds, for stepJourney to read. */
export class MemoryRecords implements JourneyRecords {
  journeys = new Map<string, Journey>();
  sends: SendRecord[] = [];
  entries = new Map<string, EntryRecord>();

  journey(instance: string) {
    return this.journeys.get(instance);
  }
  private all() {
    return [...this.journeys.values()];
  }
  pendingInaction(campaignId: string, key: string | null) {
    return this.all().filter(
      (j) => j.campaignId === campaignId && j.status === "pending" && (key === null || j.inactionKey === key),
    );
  }
  waitingFor(event: string) {
    return this.all().filter((j) => j.waitEvent === event && j.status === "waiting");
  }
  convertible(campaignId: string, since: number) {
    return this.all().filter(
      (j) => j.campaignId === campaignId && j.status !== "pending" && !j.converted && j.enteredAt >= since,
    );
  }
  lastEntry(campaignId: string) {
    return this.entries.get(campaignId);
  }
  send(key: string) {
    return this.sends.find((s) => s.key === key);
  }
  sendTimes(since: number) {
    return this.sends.filter((s) => s.at >= since && countsTowardCaps(s)).map((s) => s.at);
  }
  stepStatus(instance: string, stepId: string) {
    return this.sends.filter((s) => s.instance === instance && s.stepId === stepId).at(-1)?.status ?? null;
  }

  /** Writes a step's changes, as the adapter does (JourneyStore.persist). */
  persist(c: JourneyChanges): void {
    for (const [instance, change] of c.journeys) {
      if (change.op === "delete") this.journeys.delete(instance);
      else this.journeys.set(instance, structuredClone(change.journey));
    }
    for (const e of c.entries) {
      const prior = this.entries.get(e.campaignId);
      this.entries.set(e.campaignId, { lastEnteredAt: e.at, count: (prior?.count ?? 0) + 1 });
    }
    for (const s of c.sends) if (!this.send(s.key)) this.sends.push({ ...s });
    for (const [key, status] of c.sendStatus) {
      const s = this.send(key);
      if (s) s.status = status;
    }
  }
}

/**
 * One input through stepJourney, then its changes written to `records` as the adapter would,
 * in-app deliveries accepted (their send recorded and their effects flattened in).
 */
export function step(records: MemoryRecords, input: JourneyInput, f: JourneyFacts, now: number): JourneyStep {
  const before = structuredClone([...records.journeys.values()]);
  const out = stepJourney(records, input, f, now);
  // Pure: the records it was given are untouched.
  if (JSON.stringify(before) !== JSON.stringify([...records.journeys.values()]))
    throw new Error("stepJourney changed the records it was given");
  records.persist(out.changes);
  for (const e of out.effects)
    if (e.type === "deliver-in-app") records.persist({ ...emptyChanges(), sends: [e.onDelivered.send] });
  return out;
}

const emptyChanges = (): JourneyChanges => ({ journeys: new Map(), entries: [], sends: [], sendStatus: new Map() });

export function event(name: string, properties: JsonObject = {}, at = T0, messageId = `m-${name}-${at}`): BeckonEvent {
  return { messageId, type: "track", name, properties, timestamp: at, receivedAt: at };
}

/** Effects of one kind, with in-app deliveries' follow-up effects flattened after them. */
export function effectsOf<K extends JourneyEffect["type"]>(
  effects: readonly JourneyEffect[],
  type: K,
): Array<Extract<JourneyEffect, { type: K }>> {
  const flat: JourneyEffect[] = [];
  for (const e of effects) {
    flat.push(e);
    if (e.type === "deliver-in-app") flat.push(...e.onDelivered.effects);
  }
  return flat.filter((e): e is Extract<JourneyEffect, { type: K }> => e.type === type);
}

/** The timeline decisions' details, in order. */
export const decisions = (effects: readonly JourneyEffect[]) =>
  effectsOf(effects, "timeline")
    .filter((e) => e.kind === "decision")
    .map((e) => e.detail);

/** Stat kinds recorded, in order. */
export const stats = (effects: readonly JourneyEffect[]) => effectsOf(effects, "stat").map((e) => e.stat.kind);

/** Reason codes of the suppression facts, in order. */
export const reasons = (effects: readonly JourneyEffect[]) =>
  effectsOf(effects, "stat").flatMap((e) => (e.stat.kind === "suppression" ? [e.stat.reason] : []));

/** Channels messages went out on (send jobs and in-app deliveries), in order. */
export const sentChannels = (effects: readonly JourneyEffect[]) =>
  effects.flatMap((e) => (e.type === "send" ? [e.job.channel] : e.type === "deliver-in-app" ? [e.channel] : []));

export const push = (body: string, title?: string) => ({ push: { body, ...(title ? { title } : {}) } });
