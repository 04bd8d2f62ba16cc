import type { Millis } from "../../kernel/clock";
import type { JsonObject } from "../../kernel/json";
import { matchesFilter, type PropertyFilter } from "../filters/property-filter";
import { type Comparison, durationMs, type SegmentFilter } from "./segment-filter";

/**
 * What a segment can ask about one person, at one instant. The UserObject
 * provides it from its profile, scores and bounded event log; tests provide it
 * from plain data. Behaviour lookups return the matching events' times.
 */
export interface SegmentFacts {
  now: Millis;
  traits: JsonObject;
  /** Last-known device, OS, app and first/last-touch campaign (the profile's `context`). */
  context: Record<string, unknown>;
  lifecycle: string;
  loyal: boolean;
  rfmSegment: string | null;
  churnBand: string | null;
  scores: { r: number; f: number; m: number; pAlive: number; expectedPurchases30: number } | null;
  consent: Partial<Record<string, "opted_in" | "opted_out" | "unknown">>;
  platforms: readonly string[];
  counters: { purchases: number; revenue: number; sessions: number };
  firstSeen: Millis;
  lastSeen: Millis;
  /** Times of events named `name` at or after `since` whose properties match every filter. */
  eventTimes(name: string, since: Millis, where: readonly PropertyFilter[]): Millis[];
  /** Times of session starts at or after `since`. */
  sessionTimes(since: Millis): Millis[];
}

export function compare(actual: number, op: Comparison, value: number): boolean {
  switch (op) {
    case "eq":
      return actual === value;
    case "neq":
      return actual !== value;
    case "gt":
      return actual > value;
    case "gte":
      return actual >= value;
    case "lt":
      return actual < value;
    case "lte":
      return actual <= value;
  }
}

function withinBounds(n: number, c: { atLeast?: number | undefined; atMost?: number | undefined }): boolean {
  return n >= (c.atLeast ?? 1) && (c.atMost === undefined || n <= c.atMost);
}

/** Whether the person is in the segment now. */
export function evaluateSegment(f: SegmentFilter, facts: SegmentFacts): boolean {
  switch (f.type) {
    case "and":
      return f.filters.every((c) => evaluateSegment(c, facts));
    case "or":
      return f.filters.some((c) => evaluateSegment(c, facts));
    case "not":
      return !evaluateSegment(f.filter, facts);
    case "trait":
      return matchesFilter(facts.traits, f);
    case "context":
      return matchesFilter(facts.context, f);
    case "lifecycle":
      return f.in.includes(facts.lifecycle);
    case "loyal":
      return facts.loyal === f.value;
    case "rfmSegment":
      return facts.rfmSegment !== null && (f.in as readonly string[]).includes(facts.rfmSegment);
    case "churnBand":
      return facts.churnBand !== null && (f.in as readonly string[]).includes(facts.churnBand);
    case "score":
      return facts.scores !== null && compare(facts.scores[f.score], f.op, f.value);
    case "consent":
      return (facts.consent[f.channel] ?? "unknown") === f.status;
    case "platform":
      return facts.platforms.some((p) => (f.in as readonly string[]).includes(p));
    case "counter":
      return compare(facts.counters[f.counter], f.op, f.value);
    case "seen":
      return (f.when === "first" ? facts.firstSeen : facts.lastSeen) >= facts.now - durationMs(f.within);
    case "event": {
      const n = facts.eventTimes(f.name, facts.now - durationMs(f.within), f.where ?? []).length;
      return f.did ? withinBounds(n, f) : n === 0;
    }
    case "sessions":
      return withinBounds(facts.sessionTimes(facts.now - durationMs(f.within)).length, f);
  }
}

/**
 * The next instant after `now` at which the answer could change with no new
 * event: when the oldest event inside a behaviour window (or the first/last seen
 * time) slides out of it. Null if the segment depends on no window. The object
 * sets a timer there, so "did X in the last 24 h" is left exactly 24 h after X.
 */
export function nextWindowChange(f: SegmentFilter, facts: SegmentFacts): Millis | null {
  let next: Millis | null = null;
  // In the window while at ≥ now − D, so the first instant outside is at + D + 1 ms.
  const consider = (leaves: Millis) => {
    const at = leaves + 1;
    if (at > facts.now && (next === null || at < next)) next = at;
  };
  const walk = (node: SegmentFilter) => {
    switch (node.type) {
      case "and":
      case "or":
        node.filters.forEach(walk);
        return;
      case "not":
        walk(node.filter);
        return;
      case "seen":
        consider((node.when === "first" ? facts.firstSeen : facts.lastSeen) + durationMs(node.within));
        return;
      case "event": {
        const window = durationMs(node.within);
        const times = facts.eventTimes(node.name, facts.now - window, node.where ?? []);
        if (times.length > 0) consider(Math.min(...times) + window);
        return;
      }
      case "sessions": {
        const window = durationMs(node.within);
        const times = facts.sessionTimes(facts.now - window);
        if (times.length > 0) consider(Math.min(...times) + window);
        return;
      }
      default:
        return;
    }
  };
  walk(f);
  return next;
}
