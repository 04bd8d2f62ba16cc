import * as z from "zod";
import { HOUR, type Millis } from "../../kernel/clock";
import { matchesFilters, PropertyFilters, valuesAtPath } from "../filters/property-filter";

/**
 * Funnels, pure: the definition (validated on save), a person's state in one funnel, and
 * `advanceFunnel`, which moves that state on one of the person's events and says which
 * steps were reached (the facts the object counts). No bindings, no wall clock: `now` is passed in.
 *
 * Semantics (docs/analytics.md "Funnels"):
 * - An *entry* starts on an event matching step 1 (name and property filters). Without
 *   `sameProperty` a person has at most one open entry per funnel: a step-1 event while one
 *   is open changes nothing (the first entry holds). With `sameProperty` (e.g. `cart_id`)
 *   each distinct value opens its own entry, and later steps must carry the same value.
 * - Step k+1 counts for an entry when an event matches it, happened at or after the entry's
 *   previous step (event time), and within `windowHours` of the entry's step-1 event.
 *   One event advances an entry by at most one step.
 * - An entry closes when it reaches the last step or when `now` passes the end of its window;
 *   the next step-1 event then starts a new entry (re-entry).
 * - Every fact of an entry carries the entry's UTC day and its breakdown values, fixed when it began,
 *   so a report counts entries begun in its date range and what became of them.
 */

export const MAX_FUNNEL_STEPS = 8;
export const MIN_FUNNEL_STEPS = 2;
export const MAX_WINDOW_HOURS = 90 * 24;
/** Open entries kept per person and funnel (with `sameProperty`); beyond, the oldest is dropped. */
export const MAX_OPEN_ENTRIES = 20;
/** Breakdown values longer than this are cut (bounds the D1 counter rows). */
export const MAX_DIMENSION_VALUE = 64;

export const BREAKDOWNS = ["os", "appVersion", "firstCampaign", "lifecycle", "arm"] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];
export type Dimensions = Partial<Record<Breakdown, string>>;

const DotPath = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => p.split(".").every((s) => s.length > 0), {
    message: "must be a dot path without empty segments, e.g. cart_id",
  });

export const FunnelStep = z.object({
  event: z.string().min(1).max(200),
  where: PropertyFilters.default([]),
  label: z.string().max(200).optional(),
});
export type FunnelStep = z.infer<typeof FunnelStep>;

export const FunnelDefinition = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(""),
  steps: z
    .array(FunnelStep)
    .min(MIN_FUNNEL_STEPS, `a funnel has ${MIN_FUNNEL_STEPS} to ${MAX_FUNNEL_STEPS} steps`)
    .max(MAX_FUNNEL_STEPS, `a funnel has ${MIN_FUNNEL_STEPS} to ${MAX_FUNNEL_STEPS} steps`),
  /** Conversion window: every step within this many hours of step 1. */
  windowHours: z
    .number()
    .int()
    .min(1)
    .max(MAX_WINDOW_HOURS)
    .default(7 * 24),
  /** Steps must share this property's value (e.g. `cart_id`); events without it do not take part. */
  sameProperty: DotPath.optional(),
  /** `breakdown=arm` splits entries by this campaign's A/B arm (or `control`) at entry. */
  armCampaignId: z.string().min(1).max(64).optional(),
});
export type FunnelDefinition = z.infer<typeof FunnelDefinition>;

/** What the UserObject evaluates (compiled into the app config). */
export interface LiveFunnel {
  id: string;
  steps: FunnelStep[];
  windowMs: Millis;
  sameProperty: string | null;
  armCampaignId: string | null;
}

export function liveFunnel(id: string, def: FunnelDefinition): LiveFunnel {
  return {
    id,
    steps: def.steps,
    windowMs: def.windowHours * HOUR,
    sameProperty: def.sameProperty ?? null,
    armCampaignId: def.armCampaignId ?? null,
  };
}

export interface FunnelEntry {
  /** Event time of step 1. */
  start: Millis;
  /** UTC day of step 1 (YYYY-MM-DD): the day every fact of this entry is counted on. */
  day: string;
  /** Index of the last step reached (0 = step 1). */
  step: number;
  /** Event time of the last step reached. */
  lastAt: Millis;
  /** The `sameProperty` value (JSON), or null. */
  key: string | null;
  dims: Dimensions;
}

export interface FunnelState {
  entries: FunnelEntry[];
}

export interface FunnelEvent {
  name: string;
  properties: Record<string, unknown>;
  timestamp: Millis;
}

/** A step reached by an entry: counted once, on the entry's day; `sincePrevious` is null for step 1. */
export interface FunnelFact {
  day: string;
  step: number;
  sincePrevious: Millis | null;
  dims: Dimensions;
}

export const utcDay = (t: Millis): string => new Date(t).toISOString().slice(0, 10);

function matchesStep(step: FunnelStep, event: FunnelEvent): boolean {
  return step.event === event.name && matchesFilters(event.properties, step.where);
}

function keyOf(funnel: LiveFunnel, event: FunnelEvent): string | null | undefined {
  if (!funnel.sameProperty) return null;
  const values = valuesAtPath(event.properties, funnel.sameProperty).filter((v) => v !== null && v !== undefined);
  // The first value found; an event without the property does not take part.
  return values.length === 0 ? undefined : JSON.stringify(values[0]);
}

/** Entries still open at `now`: not complete, window not over. */
function open(funnel: LiveFunnel, entries: FunnelEntry[], now: Millis): FunnelEntry[] {
  return entries.filter((e) => e.step < funnel.steps.length - 1 && now <= e.start + funnel.windowMs);
}

/**
 * Moves a person's funnel state on one event. `dims` is read only when an entry starts
 * (the person's breakdown values at that moment). Returns a new state; the input is not changed.
 */
export function advanceFunnel(
  state: FunnelState,
  event: FunnelEvent,
  funnel: LiveFunnel,
  now: Millis,
  dims: () => Dimensions,
): { state: FunnelState; facts: FunnelFact[] } {
  const facts: FunnelFact[] = [];
  const entries = open(funnel, state.entries, now).map((e) => ({ ...e }));
  const key = keyOf(funnel, event);
  if (key === undefined) return { state: { entries }, facts };
  let advanced = false;
  for (const e of entries) {
    const next = funnel.steps[e.step + 1];
    if (!next || e.key !== key) continue;
    if (event.timestamp < e.lastAt || event.timestamp > e.start + funnel.windowMs) continue;
    if (!matchesStep(next, event)) continue;
    facts.push({ day: e.day, step: e.step + 1, sincePrevious: event.timestamp - e.lastAt, dims: e.dims });
    e.step++;
    e.lastAt = event.timestamp;
    advanced = true;
  }
  if (!advanced && matchesStep(funnel.steps[0]!, event) && !entries.some((e) => e.key === key)) {
    const entry: FunnelEntry = {
      start: event.timestamp,
      day: utcDay(event.timestamp),
      step: 0,
      lastAt: event.timestamp,
      key,
      dims: clampDims(dims()),
    };
    entries.push(entry);
    if (entries.length > MAX_OPEN_ENTRIES) entries.splice(0, entries.length - MAX_OPEN_ENTRIES);
    facts.push({ day: entry.day, step: 0, sincePrevious: null, dims: entry.dims });
  }
  return { state: { entries: open(funnel, entries, now) }, facts };
}

function clampDims(dims: Dimensions): Dimensions {
  const out: Dimensions = {};
  for (const [k, v] of Object.entries(dims) as Array<[Breakdown, string]>) out[k] = v.slice(0, MAX_DIMENSION_VALUE);
  return out;
}

/**
 * Identity merge: the anonymous visitor's open entries join the identified person's. Two entries
 * with the same `sameProperty` value (or, without it, any two) become one: the one further along
 * (ties: the earlier start). Both were counted where they began, so nothing is counted twice,
 * and the surviving entry goes on from its step.
 */
export function mergeFunnelStates(funnel: LiveFunnel, a: FunnelState, b: FunnelState, now: Millis): FunnelState {
  const byKey = new Map<string | null, FunnelEntry>();
  for (const e of [...open(funnel, a.entries, now), ...open(funnel, b.entries, now)]) {
    const seen = byKey.get(e.key);
    if (!seen || e.step > seen.step || (e.step === seen.step && e.start < seen.start)) byKey.set(e.key, e);
  }
  const entries = [...byKey.values()].sort((x, y) => x.start - y.start);
  return { entries: entries.slice(-MAX_OPEN_ENTRIES) };
}

/**
 * Step-to-step times are counted in log-scale buckets: bucket 0 is under one second, bucket
 * b ≥ 1 holds [10^((b−1)/20), 10^(b/20)) seconds (20 per decade, each ≈ 12 % wide). The median
 * reported is its bucket's geometric midpoint, so it is within ≈ 6 % of the exact median.
 */
export const BUCKETS_PER_DECADE = 20;
export function timeBucket(ms: Millis): number {
  const s = ms / 1000;
  return s < 1 ? 0 : 1 + Math.floor(BUCKETS_PER_DECADE * Math.log10(s) + 1e-9);
}
export function bucketMidpointMs(bucket: number): Millis {
  if (bucket <= 0) return 500;
  return Math.round(1000 * 10 ** ((bucket - 0.5) / BUCKETS_PER_DECADE));
}

/** The median of a bucketed distribution (lower median), as its bucket's midpoint; null when empty. */
export function medianOfBuckets(buckets: ReadonlyArray<{ bucket: number; n: number }>): Millis | null {
  const sorted = [...buckets].filter((b) => b.n > 0).sort((x, y) => x.bucket - y.bucket);
  const total = sorted.reduce((s, b) => s + b.n, 0);
  if (total === 0) return null;
  const rank = Math.ceil(total / 2);
  let seen = 0;
  for (const b of sorted) {
    seen += b.n;
    if (seen >= rank) return bucketMidpointMs(b.bucket);
  }
  return null;
}
