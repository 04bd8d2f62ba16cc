import type { Millis } from "../../kernel/clock";
import { BREAKDOWNS, type FunnelFact, timeBucket } from "./funnel";

/**
 * Analytics counters: what a person's object adds to the app-wide figures, as increments of
 * D1 rows keyed by (kind, subject, day, dim, value, step, bucket). One transaction's increments
 * travel as one INDEX-queue message with a unique key; the consumer applies a key once
 * (src/stores/analytics/analytics-store.ts), so a redelivered message changes nothing.
 *
 * Kinds:
 * - `funnel`: subject = funnel id, day = entry day, step = step index; bucket −1 counts entries
 *   reaching the step, bucket ≥ 0 counts step-to-step times (src/domain/analytics/funnel.ts `timeBucket`).
 *   dim/value = '' / '' for all entries, else the breakdown and its value.
 * - `cohort_day` / `cohort_week`: subject = start ("firstSeen" or an event), day = cohort day / week (Monday), people.
 * - `ret_day` / `ret_week`: subject = `start|return`, day = cohort day / week, step = period, people active.
 * - `lifecycle`: day = day of the move, dim = from, value = to (from `*`, to `loyal`: became loyal), moves.
 * - `lc_campaign`: subject = campaign id, dim = `treatment` | `control`, value = `from>to`, day = day of the move, people.
 */
export interface CounterRow {
  kind: string;
  subject: string;
  day: string;
  dim: string;
  value: string;
  step: number;
  bucket: number;
  n: number;
}

export interface AnalyticsMessage {
  op: "analytics";
  /** Unique per transaction (kept in the outbox row, so a re-flush sends the same key). */
  key: string;
  appId: string;
  at: Millis;
  counts: CounterRow[];
}

export function counterKey(r: Omit<CounterRow, "n">): string {
  return `${r.kind}\u0000${r.subject}\u0000${r.day}\u0000${r.dim}\u0000${r.value}\u0000${r.step}\u0000${r.bucket}`;
}

/** Sums rows with the same key (one transaction, or one consumer batch). */
export function aggregate(rows: readonly CounterRow[]): CounterRow[] {
  const out = new Map<string, CounterRow>();
  for (const r of rows) {
    const k = counterKey(r);
    const seen = out.get(k);
    if (seen) seen.n += r.n;
    else out.set(k, { ...r });
  }
  return [...out.values()];
}

/** A funnel fact as counter rows: the step count and (from step 2) its time, for all entries and per breakdown. */
export function funnelRows(funnelId: string, fact: FunnelFact): CounterRow[] {
  const rows: CounterRow[] = [];
  const slices: Array<[string, string]> = [["", ""]];
  for (const dim of BREAKDOWNS) {
    const value = fact.dims[dim];
    if (value !== undefined) slices.push([dim, value]);
  }
  for (const [dim, value] of slices) {
    const base = { kind: "funnel", subject: funnelId, day: fact.day, dim, value, step: fact.step, n: 1 };
    rows.push({ ...base, bucket: -1 });
    if (fact.sincePrevious !== null) rows.push({ ...base, bucket: timeBucket(fact.sincePrevious) });
  }
  return rows;
}
