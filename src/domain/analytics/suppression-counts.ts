import type { CampaignStat } from "../campaigns/campaign-stat";
import type { AnalyticsMessage, CounterRow } from "./counters";

/** Counter kind of suppression facts in `analytics_counts`: subject = campaign id, dim = variant, value = reason. */
export const SUPPRESSION_COUNTER = "suppression";

const dayOf = (at: number) => new Date(at).toISOString().slice(0, 10);

/**
 * Suppression facts of one INDEX message as analytics counter increments (bounded rows: one per
 * campaign, day, variant and reason). The message key is derived from the facts' dedupe keys, so a
 * redelivered message is applied once (src/stores/analytics/analytics-store.ts).
 */
export function suppressionCounts(facts: readonly CampaignStat[], key: string): AnalyticsMessage[] {
  const byApp = new Map<string, CounterRow[]>();
  for (const f of facts) {
    if (f.kind !== "suppression" || !f.reason) continue;
    const rows = byApp.get(f.appId) ?? [];
    rows.push({
      kind: SUPPRESSION_COUNTER,
      subject: f.campaignId,
      day: dayOf(f.at),
      dim: f.variant,
      value: f.reason,
      step: 0,
      bucket: -1,
      n: 1,
    });
    byApp.set(f.appId, rows);
  }
  const at = facts[0]?.at ?? 0;
  return [...byApp].map(([appId, counts]) => ({ op: "analytics", key: `sup:${appId}:${key}`, appId, at, counts }));
}
