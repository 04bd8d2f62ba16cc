import type { Millis } from "../../kernel/clock";
import { type FunnelStep, medianOfBuckets } from "./funnel";

/** One step of a funnel report. Conversion rates are null when the step before (or step 1) has no entries. */
export interface StepReport {
  step: number;
  event: string;
  label: string | null;
  entries: number;
  /** entries at this step / entries at step 1. */
  conversion: number | null;
  /** entries at this step / entries at the step before. */
  fromPrevious: number | null;
  /** Median time from the step before, in ms (bucketed, ±6 %); null for step 1 or without data. */
  medianFromPreviousMs: Millis | null;
}

interface Row {
  value: string;
  step: number;
  bucket: number;
  n: number;
}

const round = (x: number) => Math.round(x * 10000) / 10000;

/** Folds counter rows (already limited to one breakdown value) into per-step figures. */
export function stepReport(steps: readonly FunnelStep[], rows: readonly Row[]): StepReport[] {
  const entries = steps.map((_, i) => rows.filter((r) => r.step === i && r.bucket === -1).reduce((s, r) => s + r.n, 0));
  return steps.map((s, i) => {
    const times = rows.filter((r) => r.step === i && r.bucket >= 0);
    const buckets = new Map<number, number>();
    for (const t of times) buckets.set(t.bucket, (buckets.get(t.bucket) ?? 0) + t.n);
    const first = entries[0]!;
    const prev = i === 0 ? null : entries[i - 1]!;
    return {
      step: i + 1,
      event: s.event,
      label: s.label ?? null,
      entries: entries[i]!,
      conversion: first > 0 ? round(entries[i]! / first) : null,
      fromPrevious: i === 0 ? null : prev! > 0 ? round(entries[i]! / prev!) : null,
      medianFromPreviousMs: i === 0 ? null : medianOfBuckets([...buckets].map(([bucket, n]) => ({ bucket, n }))),
    };
  });
}

/** The report for all entries and, with a breakdown, per value (largest step-1 count first). */
export function funnelReport(steps: readonly FunnelStep[], total: readonly Row[], breakdown: readonly Row[] | null) {
  const out: { steps: StepReport[]; breakdown?: Array<{ value: string; steps: StepReport[] }> } = {
    steps: stepReport(steps, total),
  };
  if (breakdown) {
    const values = [...new Set(breakdown.map((r) => r.value))];
    out.breakdown = values
      .map((value) => ({
        value,
        steps: stepReport(
          steps,
          breakdown.filter((r) => r.value === value),
        ),
      }))
      .sort((a, b) => b.steps[0]!.entries - a.steps[0]!.entries || a.value.localeCompare(b.value));
  }
  return out;
}
