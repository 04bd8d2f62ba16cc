import type { Millis } from "../../kernel/clock";
import type { CounterRow } from "./counters";
import { utcDay } from "./funnel";

/**
 * Retention cohorts, pure. A person joins the cohort of a *start* — `firstSeen` (the UTC day of their
 * first event) or a tracked event (the day they first did it) — and is *retained* in period p of it when
 * they did the *return* (`any` event, or a tracked event) on day (or ISO week, Monday to Sunday) p after
 * the cohort's. Each person counts once per cohort, and once per period: the object remembers the last
 * period it counted per (start, return), so the figures are distinct people, exactly.
 */
export const FIRST_SEEN = "firstSeen";
export const ANY = "any";

export interface RetentionState {
  /** Cohort day per start. */
  cohorts: Record<string, string>;
  /** Last counted day and week (Monday) per `start|return`. */
  last: Record<string, { d: string; w: string }>;
}

const DAY_MS = 86_400_000;
const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

/** The Monday (UTC) of a day's ISO week. */
export function weekOf(day: string): string {
  const t = dayMs(day);
  const dow = (new Date(t).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return utcDay(t - dow * DAY_MS);
}
export const daysBetween = (a: string, b: string) => Math.round((dayMs(b) - dayMs(a)) / DAY_MS);

/** Which starts and returns an event counts for: `any` always, plus its name if tracked. */
export function advanceRetention(
  state: RetentionState,
  event: { name: string; timestamp: Millis },
  firstSeen: Millis,
  tracked: readonly string[],
): { state: RetentionState; rows: CounterRow[] } {
  const next: RetentionState = { cohorts: { ...state.cohorts }, last: { ...state.last } };
  const rows: CounterRow[] = [];
  const day = utcDay(event.timestamp);
  const isTracked = tracked.includes(event.name);
  const join = (start: string, cohortDay: string) => {
    next.cohorts[start] = cohortDay;
    rows.push(row("cohort_day", start, cohortDay, 0), row("cohort_week", start, weekOf(cohortDay), 0));
  };
  if (next.cohorts[FIRST_SEEN] === undefined) join(FIRST_SEEN, utcDay(Math.min(firstSeen, event.timestamp)));
  if (isTracked && next.cohorts[event.name] === undefined) join(event.name, day);
  const returns = isTracked ? [ANY, event.name] : [ANY];
  for (const [start, cohortDay] of Object.entries(next.cohorts)) {
    if (day < cohortDay) continue;
    for (const ret of returns) {
      const key = `${start}|${ret}`;
      const last = next.last[key];
      const week = weekOf(day);
      const seen = { d: last?.d ?? "", w: last?.w ?? "" };
      if (day > seen.d) {
        rows.push(row("ret_day", key, cohortDay, daysBetween(cohortDay, day)));
        seen.d = day;
      }
      if (week > seen.w) {
        const cohortWeek = weekOf(cohortDay);
        rows.push(row("ret_week", key, cohortWeek, daysBetween(cohortWeek, week) / 7));
        seen.w = week;
      }
      next.last[key] = seen;
    }
  }
  return { state: next, rows };
}

const row = (kind: string, subject: string, day: string, step: number): CounterRow => ({
  kind,
  subject,
  day,
  dim: "",
  value: "",
  step,
  bucket: -1,
  n: 1,
});

/** Identity merge: earlier cohort days, later last-counted periods. */
export function mergeRetention(a: RetentionState, b: RetentionState): RetentionState {
  const cohorts = { ...a.cohorts };
  for (const [k, d] of Object.entries(b.cohorts)) if (cohorts[k] === undefined || d < cohorts[k]!) cohorts[k] = d;
  const last = { ...a.last };
  for (const [k, v] of Object.entries(b.last)) {
    const mine = last[k];
    last[k] = mine ? { d: mine.d > v.d ? mine.d : v.d, w: mine.w > v.w ? mine.w : v.w } : v;
  }
  return { cohorts, last };
}

export interface CohortRow {
  cohort: string;
  size: number;
  /** people retained in period 0, 1, … (up to the last complete or current period). */
  retained: number[];
  rates: Array<number | null>;
}

/** The cohort × period table from counter rows. `periods` bounds the columns; a cohort's periods end at `today`. */
export function retentionTable(
  by: "day" | "week",
  cohorts: ReadonlyArray<{ day: string; n: number }>,
  retained: ReadonlyArray<{ day: string; step: number; n: number }>,
  today: string,
  periods: number,
): CohortRow[] {
  const size = new Map<string, number>();
  for (const c of cohorts) size.set(c.day, (size.get(c.day) ?? 0) + c.n);
  const days = [...new Set([...size.keys(), ...retained.map((r) => r.day)])].sort();
  const todayPeriod = by === "day" ? today : weekOf(today);
  return days.map((cohort) => {
    const n = size.get(cohort) ?? 0;
    const elapsed = by === "day" ? daysBetween(cohort, todayPeriod) : daysBetween(cohort, todayPeriod) / 7;
    const count = Math.max(0, Math.min(periods, elapsed + 1));
    const counts = Array.from({ length: count }, (_, p) =>
      retained.filter((r) => r.day === cohort && r.step === p).reduce((s, r) => s + r.n, 0),
    );
    return {
      cohort,
      size: n,
      retained: counts,
      rates: counts.map((k) => (n > 0 ? Math.round((k / n) * 10000) / 10000 : null)),
    };
  });
}
