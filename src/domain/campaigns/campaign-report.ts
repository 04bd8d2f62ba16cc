import { CONTROL_ARM } from "./policy/assignment";
import { conversionUplift, type Uplift } from "./uplift";

export const FUNNEL = [
  "entered",
  "sent",
  "delivered",
  "impression",
  "opened",
  "clicked",
  "converted",
  "suppressed",
  "failed",
  "bounced",
  "dismissed",
  "answered",
] as const;

export interface VariantReport {
  variant: string;
  counts: Record<(typeof FUNNEL)[number], number>;
  conversionRate: number | null;
  /** Against the control group (intent to treat: conversions per entrant). Null without a control group. */
  uplift: Uplift | null;
}

export interface CampaignReport {
  variants: VariantReport[];
  control: { entered: number; converted: number; conversionRate: number | null } | null;
  /** All variants pooled against the control group (entrants and conversions summed over variants). Null without a control group. */
  pooled: Uplift | null;
  totals: Record<(typeof FUNNEL)[number], number>;
}

/**
 * Turns counted facts into the campaign's funnel per variant, and conversion uplift
 * versus the control group with a Newcombe confidence interval. Pure.
 */
export function campaignReport(
  rows: ReadonlyArray<{ variant: string; kind: string; n: number }>,
  confidence = 0.95,
): CampaignReport {
  const zero = () => Object.fromEntries(FUNNEL.map((k) => [k, 0])) as VariantReport["counts"];
  const byVariant = new Map<string, VariantReport["counts"]>();
  const totals = zero();
  for (const r of rows) {
    if (!(FUNNEL as readonly string[]).includes(r.kind)) continue;
    const counts = byVariant.get(r.variant) ?? zero();
    counts[r.kind as (typeof FUNNEL)[number]] += r.n;
    byVariant.set(r.variant, counts);
    if (r.variant !== CONTROL_ARM) totals[r.kind as (typeof FUNNEL)[number]] += r.n;
  }
  const controlCounts = byVariant.get(CONTROL_ARM);
  const control = controlCounts
    ? {
        entered: controlCounts.entered,
        converted: controlCounts.converted,
        conversionRate: controlCounts.entered ? controlCounts.converted / controlCounts.entered : null,
      }
    : null;
  const variants = [...byVariant]
    .filter(([v]) => v !== CONTROL_ARM)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([variant, counts]) => ({
      variant,
      counts,
      conversionRate: counts.entered ? counts.converted / counts.entered : null,
      uplift: control
        ? conversionUplift(
            { users: counts.entered, conversions: counts.converted },
            { users: control.entered, conversions: control.converted },
            confidence,
          )
        : null,
    }));
  const treated = variants.reduce(
    (t, v) => ({ users: t.users + v.counts.entered, conversions: t.conversions + v.counts.converted }),
    { users: 0, conversions: 0 },
  );
  const pooled =
    control && variants.length > 0
      ? conversionUplift(treated, { users: control.entered, conversions: control.converted }, confidence)
      : null;
  return { variants, control, pooled, totals };
}
