/** What Beckon counts per campaign and variant (the funnel, plus suppressions). */
export const STAT_KINDS = [
  "entered",
  "control",
  "sent",
  "delivered",
  "opened",
  "clicked",
  "converted",
  "suppressed",
  "failed",
  "bounced",
  "dismissed",
  "impression",
  "answered",
  "unknown",
  /** Why a journey did not send, with its `reason` (src/domain/campaigns/suppression.ts); counted per reason, not in the funnel. */
  "suppression",
] as const;
export type StatKind = (typeof STAT_KINDS)[number];

/** One counted fact. `dedupeKey` (e.g. `<idempotencyKey>:opened`) makes it count once, however often it is reported. */
export interface CampaignStat {
  dedupeKey: string;
  appId: string;
  campaignId: string;
  variant: string;
  kind: StatKind;
  userId: string;
  at: number;
  /** For `suppression` facts: the reason code (SUPPRESSION_REASONS). */
  reason?: string;
}
