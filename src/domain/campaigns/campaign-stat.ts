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
}
