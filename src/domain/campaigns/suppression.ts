import type { CampaignStat } from "./campaign-stat";

/**
 * Why a journey did not send (or not yet): every place that decides so writes its reason on the
 * person's timeline and, through `suppressed()`, counts one `suppression` fact under a reason code.
 * The campaign report sums them per campaign, day, variant and reason (GET /admin/campaigns/{id}/suppressions).
 */
export const SUPPRESSION_REASONS = {
  control_group: "control group (held out)",
  not_in_audience: "not in the audience",
  already_entered: "already entered (once per person)",
  reentry_cooldown: "re-entry cooldown",
  outside_schedule: "outside the campaign's schedule",
  reserved_event: "reserved internal event name",
  cancelled: "cancelled before the deadline",
  quiet_hours_deferred: "quiet hours (deferred)",
  quiet_hours_dropped: "quiet hours (dropped)",
  frequency_cap: "frequency cap",
  no_consent: "no consent",
  no_reachable_channel: "no reachable channel",
  template_error: "template failed to render",
  campaign_stopped: "campaign paused or archived",
  not_entered: "not entered (other)",
} as const;
export type SuppressionReason = keyof typeof SUPPRESSION_REASONS;

/** The parts of a person's context a fact needs (the engine's UserContext has them). */
export interface FactSource {
  now: number;
  config: { appId: string };
  profile: { userId: string };
}

/**
 * One suppression fact: `key` names the decision (a send key or a journey instance), so a fact
 * reported twice (an outbox re-flush) counts once. Record it with `ctx.recordStat`.
 */
export function suppressed(
  ctx: FactSource,
  at: { campaignId: string; variant: string; key: string },
  reason: SuppressionReason,
): CampaignStat {
  return {
    dedupeKey: `${at.key}:why:${reason}`,
    appId: ctx.config.appId,
    campaignId: at.campaignId,
    variant: at.variant,
    kind: "suppression",
    reason,
    userId: ctx.profile.userId,
    at: ctx.now,
  };
}

/** No channel could reach the person: "no consent" when every refusal was about consent, else unreachable. */
export function unreachableReason(refusals: readonly string[]): SuppressionReason {
  return refusals.length > 0 && refusals.every((r) => /opted out|not opted in/.test(r))
    ? "no_consent"
    : "no_reachable_channel";
}

/** The code of a reason the journey gave for not entering someone (its timeline text). */
export function entryReason(text: string): SuppressionReason {
  if (text.startsWith("not in the campaign's audience")) return "not_in_audience";
  if (text.startsWith("re-entry: once")) return "already_entered";
  if (text.startsWith("re-entry: cooldown")) return "reentry_cooldown";
  if (text === "campaign has not started" || text === "campaign has ended") return "outside_schedule";
  return "not_entered";
}

export interface SuppressionReport {
  /** Reasons by count, highest first. */
  reasons: Array<{ reason: string; label: string; n: number; byVariant: Record<string, number> }>;
  days: Array<{ day: string; reason: string; n: number }>;
  total: number;
}

/** Sums counter rows (dim = variant, value = reason) into the report. Pure. */
export function suppressionReport(
  rows: ReadonlyArray<{ day: string; dim: string; value: string; n: number }>,
): SuppressionReport {
  const reasons = new Map<string, SuppressionReport["reasons"][number]>();
  const days = new Map<string, number>();
  let total = 0;
  for (const r of rows) {
    const entry = reasons.get(r.value) ?? {
      reason: r.value,
      label: SUPPRESSION_REASONS[r.value as SuppressionReason] ?? r.value,
      n: 0,
      byVariant: {},
    };
    entry.n += r.n;
    entry.byVariant[r.dim] = (entry.byVariant[r.dim] ?? 0) + r.n;
    reasons.set(r.value, entry);
    days.set(`${r.day}\u0000${r.value}`, (days.get(`${r.day}\u0000${r.value}`) ?? 0) + r.n);
    total += r.n;
  }
  return {
    reasons: [...reasons.values()].sort((a, b) => b.n - a.n || a.reason.localeCompare(b.reason)),
    days: [...days]
      .map(([k, n]) => {
        const [day, reason] = k.split("\u0000") as [string, string];
        return { day, reason, n };
      })
      .sort((a, b) => a.day.localeCompare(b.day) || a.reason.localeCompare(b.reason)),
    total,
  };
}
