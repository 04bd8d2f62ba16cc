import type { Millis } from "../../kernel/clock";
import { type Fence, fenceDistanceM } from "./fence";

/**
 * The geofence state machine of one person, as pure functions:
 * (fences, state, fix, rules, now) → new state + effects. The UserObject
 * feature persists the state and turns effects into events, timeline entries
 * and dwell timers.
 */

/** A location fix: WGS-84 degrees, horizontal accuracy in metres (radius, 68 %), when it was measured. */
export interface Fix {
  lat: number;
  lng: number;
  accuracy: number;
  timestamp: Millis;
}

/** What the state machine needs to know of a geofence or beacon region. */
export interface Place {
  id: string;
  name: string;
  externalId: string | null;
  tags: string[];
  metadata: Fence["metadata"];
  dwellSeconds: number | null;
  cooldownSeconds: number;
}

/** A stay inside one fence (or beacon region). */
export interface Visit {
  fenceId: string;
  enteredAt: Millis;
  /** False for a re-entry inside the cooldown: tracked (so it cannot flap) but it emits nothing. */
  counted: boolean;
  dwelled: boolean;
}

export interface GeoState {
  /** Timestamp of the last applied fix; older or equal fixes are ignored. */
  lastFixAt: Millis | null;
  /** The inside-set. */
  visits: Map<string, Visit>;
  /** Fence id → time until which a re-entry does not count. */
  cooldowns: Map<string, Millis>;
}

export interface GeoRules {
  /** Fixes with worse (larger) accuracy are ignored (app setting `geofenceMaxAccuracyM`). */
  maxAccuracyM: number;
  /** Fixes measured longer ago than this (relative to now) are ignored. */
  maxFixAgeMs: number;
  /** Exit buffer floor, metres. */
  minExitBufferM: number;
  /** Share of the fence's size added to the exit buffer … */
  exitBufferShare: number;
  /** … capped at this many metres. */
  maxSizeBufferM: number;
}

export const DEFAULT_GEO_RULES: Omit<GeoRules, "maxAccuracyM"> = {
  maxFixAgeMs: 24 * 3600_000,
  minExitBufferM: 20,
  exitBufferShare: 0.1,
  maxSizeBufferM: 1000,
};

/**
 * How far outside a fence a fix must be before the person counts as having left:
 * max(accuracy, min(10 % of the fence's radius, 1 km), 20 m). A phone sitting
 * at the edge reports points on both sides; the buffer turns that jitter into
 * one stay instead of a stream of enter/exit pairs.
 */
export function exitBufferM(fence: Fence, accuracy: number, rules: GeoRules): number {
  return Math.max(accuracy, Math.min(rules.exitBufferShare * fence.sizeM, rules.maxSizeBufferM), rules.minExitBufferM);
}

export type IgnoredReason = "accuracy" | "out_of_order" | "stale" | "invalid";

export type GeoEffect =
  | { type: "entered"; fence: Place; at: Millis }
  | { type: "reentry_suppressed"; fence: Place; at: Millis; cooldownUntil: Millis }
  | { type: "dwelled"; fence: Place; at: Millis; visit: Visit }
  /** distanceM/bufferM: how far outside the fix was and the buffer it had to clear (geofences only). */
  | { type: "exited"; fence: Place; at: Millis; visit: Visit; distanceM?: number; bufferM?: number }
  /** A fence deleted or disabled while the person was inside: the stay ends silently. */
  | { type: "dropped"; fenceId: string; at: Millis }
  | { type: "schedule_dwell"; fenceId: string; dueAt: Millis; enteredAt: Millis }
  | { type: "cancel_dwell"; fenceId: string };

export type FixOutcome =
  | { applied: true; effects: GeoEffect[] }
  | { applied: false; reason: IgnoredReason; effects: [] };

/** What the transition needs from the compiled index. */
export interface FenceLookup {
  byId(id: string): Fence | undefined;
  containing(lat: number, lng: number): Fence[];
}

export function emptyGeoState(): GeoState {
  return { lastFixAt: null, visits: new Map(), cooldowns: new Map() };
}

export function isValidFix(f: Fix): boolean {
  return (
    Number.isFinite(f.lat) &&
    Number.isFinite(f.lng) &&
    Number.isFinite(f.accuracy) &&
    Number.isFinite(f.timestamp) &&
    f.lat >= -90 &&
    f.lat <= 90 &&
    f.lng >= -180 &&
    f.lng <= 180 &&
    f.accuracy >= 0
  );
}

/** Why a fix would be ignored, or null if it is applied. */
export function rejectFix(state: GeoState, fix: Fix, rules: GeoRules, now: Millis): IgnoredReason | null {
  if (!isValidFix(fix)) return "invalid";
  if (fix.accuracy > rules.maxAccuracyM) return "accuracy";
  if (state.lastFixAt !== null && Math.min(fix.timestamp, now) <= state.lastFixAt) return "out_of_order";
  if (now - fix.timestamp > rules.maxFixAgeMs) return "stale";
  return null;
}

/**
 * Applies one fix, mutating `state`. Order of effects: catch-up dwells of
 * existing stays, exits, then entries — so a batch of history replays as it
 * happened. Beacon stays (ids the lookup does not know as fences) are left alone.
 */
export function applyFix(
  lookup: FenceLookup,
  state: GeoState,
  fix: Fix,
  rules: GeoRules,
  now: Millis,
  isFenceVisit: (id: string) => boolean = () => true,
): FixOutcome {
  const reason = rejectFix(state, fix, rules, now);
  if (reason) return { applied: false, reason, effects: [] };
  const t = Math.min(fix.timestamp, now);
  state.lastFixAt = t;
  const effects: GeoEffect[] = [];
  const inside = new Map(lookup.containing(fix.lat, fix.lng).map((f) => [f.id, f]));

  for (const visit of [...state.visits.values()]) {
    if (!isFenceVisit(visit.fenceId)) continue;
    const fence = lookup.byId(visit.fenceId);
    if (!fence) {
      state.visits.delete(visit.fenceId);
      effects.push(
        { type: "dropped", fenceId: visit.fenceId, at: t },
        { type: "cancel_dwell", fenceId: visit.fenceId },
      );
      continue;
    }
    catchUpDwell(fence, visit, t, effects);
    if (inside.has(fence.id)) continue;
    const distanceM = fenceDistanceM(fence, fix.lat, fix.lng);
    const bufferM = exitBufferM(fence, fix.accuracy, rules);
    if (distanceM <= bufferM) continue; // within the hysteresis band: still inside
    effects.push({ type: "cancel_dwell", fenceId: fence.id });
    exit(fence, visit, state, t, effects, { distanceM, bufferM });
  }

  for (const fence of inside.values()) {
    if (state.visits.has(fence.id)) continue;
    enter(fence, state, t, effects);
  }
  pruneCooldowns(state, t);
  return { applied: true, effects };
}

/** Starts a stay; a re-entry inside the cooldown is tracked but not counted. */
export function enter(fence: Place, state: GeoState, t: Millis, effects: GeoEffect[]): void {
  const until = state.cooldowns.get(fence.id);
  const counted = until === undefined || until <= t;
  state.visits.set(fence.id, { fenceId: fence.id, enteredAt: t, counted, dwelled: false });
  if (!counted) {
    effects.push({ type: "reentry_suppressed", fence, at: t, cooldownUntil: until! });
    return;
  }
  effects.push({ type: "entered", fence, at: t });
  if (fence.dwellSeconds)
    effects.push({ type: "schedule_dwell", fenceId: fence.id, dueAt: t + fence.dwellSeconds * 1000, enteredAt: t });
}

/** Ends a stay; a counted one emits the exit and starts the cooldown. */
export function exit(
  fence: Place,
  visit: Visit,
  state: GeoState,
  t: Millis,
  effects: GeoEffect[],
  detail: { distanceM?: number; bufferM?: number } = {},
): void {
  state.visits.delete(fence.id);
  if (!visit.counted) return;
  effects.push({ type: "exited", fence, at: t, visit, ...detail });
  if (fence.cooldownSeconds > 0) state.cooldowns.set(fence.id, t + fence.cooldownSeconds * 1000);
}

/** A fix (or beacon sighting) after the dwell threshold proves the dwell even if the timer has not fired yet. */
export function catchUpDwell(fence: Place, visit: Visit, t: Millis, effects: GeoEffect[]): void {
  if (!visit.counted || visit.dwelled || !fence.dwellSeconds) return;
  const dueAt = visit.enteredAt + fence.dwellSeconds * 1000;
  if (dueAt > t) return;
  visit.dwelled = true;
  effects.push({ type: "dwelled", fence, at: dueAt, visit }, { type: "cancel_dwell", fenceId: fence.id });
}

/** The dwell timer fired: still the same counted stay and not yet dwelled → dwell. */
export function applyDwellTimer(
  fence: Place | undefined,
  state: GeoState,
  payload: { fenceId: string; enteredAt: Millis },
  now: Millis,
): GeoEffect[] {
  const visit = state.visits.get(payload.fenceId);
  if (!fence || !visit || visit.enteredAt !== payload.enteredAt || !visit.counted || visit.dwelled) return [];
  visit.dwelled = true;
  return [{ type: "dwelled", fence, at: Math.min(now, visit.enteredAt + (fence.dwellSeconds ?? 0) * 1000), visit }];
}

export function pruneCooldowns(state: GeoState, t: Millis): void {
  for (const [id, until] of state.cooldowns) if (until <= t) state.cooldowns.delete(id);
}
