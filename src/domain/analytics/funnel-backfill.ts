import { DAY, HOUR, type Millis } from "../../kernel/clock";
import { aggregate, type CounterRow, funnelRows } from "./counters";
import type { EventRow } from "./export";
import { advanceFunnel, BREAKDOWNS, type Dimensions, type FunnelState, type LiveFunnel } from "./funnel";

/**
 * Funnel backfill, pure (docs/analytics.md "Funnel backfill"): replays exported event rows of the days
 * before a funnel existed through the same `advanceFunnel` the person's object runs live, hour partition
 * by hour partition, and returns the counter increments live counting would have added for them.
 *
 * - Only events **received** before the funnel was created take part (`receivedAt < until`): the object
 *   counted every later one live, late offline events dated earlier included, so nothing counts twice.
 * - A person's events are replayed in event-time order with `now` = the event's time (the replay has no
 *   request clock): as live counting of events that arrive when they happen.
 * - The state carried from one hour to the next is each person's open entries; entries whose window has
 *   passed are dropped, and whatever is still open at the end of the range is dropped, not handed to the
 *   live state (the objects never knew these entries).
 * - Breakdown values of backfilled entries are `(unknown)`: the profile's values at the time are not in the export.
 * - People are as the export names them: a visitor's events before sign-in stay the visitor's (the merge
 *   map is not exported), where live counting would have handed their open entries to the person.
 */

/** An INDEX-queue message: replay the funnel's backfill run from `cursor` (`YYYY-MM-DD/HH`, UTC) on. */
export interface FunnelBackfillMessage {
  op: "funnel-backfill";
  appId: string;
  funnelId: string;
  runId: string;
  cursor: string;
}

/** Open entries per person (by exported userId) between two chunks of a run. */
export interface BackfillState {
  people: Record<string, FunnelState>;
}

export const emptyBackfillState = (): BackfillState => ({ people: {} });

/** What a backfilled entry is broken down by: nothing known (the export holds no profile values). */
export function backfillDims(funnel: LiveFunnel): Dimensions {
  const dims: Dimensions = {};
  for (const d of BREAKDOWNS) if (d !== "arm" || funnel.armCampaignId) dims[d] = "(unknown)";
  return dims;
}

/** The rows that take part: SDK events naming one of the funnel's steps, received before `until`. */
function eligible(funnel: LiveFunnel, rows: readonly EventRow[], until: Millis) {
  const names = new Set(funnel.steps.map((s) => s.event));
  const events: Array<{ userId: string; name: string; properties: Record<string, unknown>; t: Millis; r: Millis }> = [];
  for (const row of rows) {
    if (row.type !== "event" || !names.has(row.name)) continue;
    const r = Date.parse(row.receivedAt);
    if (!(r < until)) continue;
    const properties =
      row.properties && typeof row.properties === "object" ? (row.properties as Record<string, unknown>) : {};
    events.push({ userId: row.userId, name: row.name, properties, t: Date.parse(row.timestamp), r });
  }
  // Event time, then arrival, then the files' order (stable sort): deterministic for the same files.
  return events.sort((a, b) => a.t - b.t || a.r - b.r);
}

/**
 * Replays one hour partition's event rows (every file of `events/<app>/date=…/hour=…`) after `state`.
 * `hourEnd` is the partition's end: entries whose window is over by then are dropped from the state.
 */
export function replayHour(
  funnel: LiveFunnel,
  state: BackfillState,
  rows: readonly EventRow[],
  until: Millis,
  hourEnd: Millis,
): { state: BackfillState; counts: CounterRow[]; events: number; entries: number } {
  const people: Record<string, FunnelState> = { ...state.people };
  const counts: CounterRow[] = [];
  const dims = backfillDims(funnel);
  let entries = 0;
  const events = eligible(funnel, rows, until);
  for (const e of events) {
    const before = people[e.userId] ?? { entries: [] };
    const event = { name: e.name, properties: e.properties, timestamp: e.t };
    const { state: after, facts } = advanceFunnel(before, event, funnel, e.t, () => dims);
    people[e.userId] = after;
    for (const fact of facts) {
      if (fact.step === 0) entries++;
      counts.push(...funnelRows(funnel.id, fact));
    }
  }
  // Entries that can no longer move (their window ended before the next partition begins) are dropped.
  for (const [userId, s] of Object.entries(people)) {
    const open = s.entries.filter((x) => x.step < funnel.steps.length - 1 && x.start + funnel.windowMs >= hourEnd);
    if (open.length === 0) delete people[userId];
    else people[userId] = { entries: open };
  }
  return { state: { people }, counts: aggregate(counts), events: events.length, entries };
}

// ───────────── cursors: `YYYY-MM-DD/HH` (UTC), ordered as strings ─────────────

export function cursorOf(day: string, hour: number): string {
  return `${day}/${String(hour).padStart(2, "0")}`;
}

export function parseCursor(cursor: string): { day: string; hour: number; start: Millis } {
  const day = cursor.slice(0, 10);
  const hour = Number(cursor.slice(11, 13));
  return { day, hour, start: Date.parse(`${day}T00:00:00Z`) + hour * HOUR };
}

export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
}

/** The counter-batch key of one hour of one run: a retried chunk is applied once (analytics_batches). */
export function backfillBatchKey(runId: string, cursor: string): string {
  return `backfill:${runId}:${cursor}`;
}
