import type { Millis } from "../../kernel/clock";
import type { CounterRow } from "./counters";
import { utcDay } from "./funnel";
import { weekOf } from "./retention";

/**
 * KPIs, pure. Two kinds of counters:
 * - **active** (`active`, subject `day` | `week` | `month`, day = the period's first day): a person
 *   counts once per UTC day, ISO week and calendar month in which they sent an event — DAU, WAU, MAU.
 * - **gauges** (`gauge`, subject = what, value = state): each person is in exactly one state of each
 *   gauge; a change adds −1 to the old state and +1 to the new one on the day it happens, so the level
 *   on day D (the sum of all changes up to D) is the number of people in that state then, exactly.
 *   Gauges: `people` (everyone), `consent.<channel>` (opted_in | opted_out | unknown), `push`
 *   (none: never had a push token; installed: a live token; uninstalled: had one, none is live).
 */
export interface KpiState {
  /** Last counted active day, week (Monday) and month (YYYY-MM-01). */
  d: string;
  w: string;
  m: string;
  /** The gauge states this person contributes, by gauge. */
  g: Record<string, string>;
}

export const emptyKpi = (): KpiState => ({ d: "", w: "", m: "", g: {} });
export const monthOf = (day: string) => `${day.slice(0, 7)}-01`;

const row = (kind: string, subject: string, day: string, value: string, n: number): CounterRow => ({
  kind,
  subject,
  day,
  dim: "",
  value,
  step: 0,
  bucket: -1,
  n,
});

/** An event at `at`: counts the person active in its day, week and month if not yet counted. */
export function countActive(state: KpiState, at: Millis): { state: KpiState; rows: CounterRow[] } {
  const day = utcDay(at);
  const rows: CounterRow[] = [];
  const next = { ...state };
  if (day > state.d) {
    rows.push(row("active", "day", day, "", 1));
    next.d = day;
  }
  const week = weekOf(day);
  if (week > state.w) {
    rows.push(row("active", "week", week, "", 1));
    next.w = week;
  }
  const month = monthOf(day);
  if (month > state.m) {
    rows.push(row("active", "month", month, "", 1));
    next.m = month;
  }
  return { state: next, rows };
}

/** Moves the person's gauges to `now` (their current states), on `day`. */
export function moveGauges(
  state: KpiState,
  current: Record<string, string>,
  day: string,
): { state: KpiState; rows: CounterRow[] } {
  const rows: CounterRow[] = [];
  const g = { ...state.g };
  for (const [gauge, value] of Object.entries(current)) {
    const was = g[gauge];
    if (was === value) continue;
    if (was !== undefined) rows.push(row("gauge", gauge, day, was, -1));
    rows.push(row("gauge", gauge, day, value, 1));
    g[gauge] = value;
  }
  return { state: { ...state, g }, rows };
}

/** Identity merge: the visitor's gauge contributions are withdrawn (the person's own take over). */
export function withdrawGauges(theirs: KpiState, day: string): CounterRow[] {
  return Object.entries(theirs.g).map(([gauge, value]) => row("gauge", gauge, day, value, -1));
}

/** Gauge levels per day from `from` to `to`: changes summed from the beginning. */
export function gaugeLevels(
  rows: ReadonlyArray<{ subject: string; value: string; day: string; n: number }>,
  days: readonly string[],
): Map<string, number[]> {
  const levels = new Map<string, number[]>();
  const sorted = [...rows].sort((a, b) => a.day.localeCompare(b.day));
  const running = new Map<string, number>();
  let i = 0;
  for (let d = 0; d < days.length; d++) {
    const day = days[d]!;
    for (; i < sorted.length && sorted[i]!.day <= day; i++) {
      const k = `${sorted[i]!.subject}=${sorted[i]!.value}`;
      running.set(k, (running.get(k) ?? 0) + sorted[i]!.n);
    }
    for (const [k, n] of running) {
      const list = levels.get(k) ?? Array.from({ length: days.length }, () => 0);
      list[d] = n;
      levels.set(k, list);
    }
  }
  return levels;
}
