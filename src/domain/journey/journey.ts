import type { Millis } from "../../kernel/clock";
import type { JsonObject } from "../../kernel/json";
import { STATUS_RANK } from "../campaigns/condition";
import type { Campaign, Step } from "../campaigns/model";

/**
 * A person's journey through one campaign version.
 * `pending`: an inaction trigger waiting for its deadline; `active`: running steps;
 * `delayed`/`deferred`: waiting on a timer at a step; `waiting`: a wait_for_event step;
 * `done`: finished (kept for conversion attribution).
 */
export type JourneyStatus = "pending" | "active" | "delayed" | "deferred" | "waiting" | "done";

export interface Journey {
  instance: string;
  campaignId: string;
  version: number;
  arm: string;
  control: boolean;
  step: string | null;
  status: JourneyStatus;
  enteredAt: Millis;
  /**
   * The triggering event, and what happened since that later steps may branch on: the event that
   * resumed the latest wait, and answers given to this journey's surveys (kept in the same JSON).
   */
  trigger: {
    event: string;
    properties: JsonObject;
    messageId: string;
    resumedBy?: { event: string; properties: JsonObject };
    answers?: JsonObject;
  };
  def: Campaign;
  waitEvent: string | null;
  inactionKey: string | null;
  converted: boolean;
}

/** A message a journey (or a test send) made: its idempotency key and furthest delivery status. */
export interface SendRecord {
  key: string;
  campaignId: string;
  instance: string;
  stepId: string;
  variant: string;
  channel: string;
  at: Millis;
  status: string;
}

/** When the person last entered a campaign, and how often (re-entry rules). */
export interface EntryRecord {
  lastEnteredAt: Millis;
  count: number;
}

/** What a journey timer is for. */
export type TimerPurpose = "inaction" | "delay" | "wait-timeout" | "defer";
export interface JourneyTimerPayload {
  instance: string;
  purpose: TimerPurpose;
}
/** Timers of journeys are keyed by instance: one timer per journey at a time. */
export const JOURNEY_TIMER = "journey";
export const journeyTimerKey = (instance: string) => `journey:${instance}`;
export const PRUNE_TIMER = "journey-prune";

/** Idempotency key of a send: campaign:step:trigger-instance (the instance already names the campaign). */
export const sendKey = (journey: Journey, stepId: string) => `${journey.instance}:${stepId}`;

/**
 * Forward-only delivery states: queued → sent → delivered → opened → clicked. `failed`,
 * `bounced` and `suppressed` end a send; a bounce may still arrive after `delivered`
 * (asynchronous bounces), a failure or suppression only before it.
 */
export function advances(from: string, to: string): boolean {
  if (from === "failed" || from === "bounced" || from === "suppressed") return false;
  if (to === "bounced") return (STATUS_RANK[from] ?? 0) <= STATUS_RANK.delivered!;
  if (to === "failed" || to === "suppressed") return (STATUS_RANK[from] ?? 0) < STATUS_RANK.delivered!;
  return (STATUS_RANK[to] ?? -1) > (STATUS_RANK[from] ?? -1);
}

export function stepOf(j: Journey, id: string | null): Step | undefined {
  return id === null ? undefined : j.def.steps.find((s) => s.id === id);
}

/** The step after `step`: its explicit `next`, else the following one in the list, else none (done). */
export function nextOf(j: Journey, step: Step): string | null {
  if ("next" in step && step.next) return step.next;
  const i = j.def.steps.indexOf(step);
  return j.def.steps[i + 1]?.id ?? null;
}

/** Sends on channels that count towards frequency caps (in-app messages and cards do not; test sends never). */
export const countsTowardCaps = (s: Pick<SendRecord, "key" | "channel" | "status">) =>
  s.channel !== "in_app" &&
  s.channel !== "content_card" &&
  s.status !== "failed" &&
  s.status !== "bounced" &&
  !s.key.startsWith("test:");
