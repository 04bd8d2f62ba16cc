import { sql } from "drizzle-orm";
import { database } from "../db/client";
import { campaignStats } from "../db/schema";

/** What Beckon counts per campaign and variant (the funnel, plus suppressions). */
export const STAT_KINDS = ["entered", "control", "sent", "delivered", "opened", "clicked", "converted", "suppressed", "failed", "bounced", "dismissed", "impression", "answered"] as const;
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

/** Records facts; repeats of a dedupe key are ignored. */
export async function recordCampaignStats(d1: D1Database, stats: CampaignStat[]): Promise<void> {
  if (stats.length === 0) return;
  const db = database(d1);
  for (let i = 0; i < stats.length; i += 10) {
    // 7 columns per row keeps each statement under D1's 100 bound parameters.
    await db.insert(campaignStats).values(stats.slice(i, i + 10)).onConflictDoNothing();
  }
}

/** Counts per variant and kind. */
export async function campaignFunnel(d1: D1Database, campaignId: string): Promise<Array<{ variant: string; kind: string; n: number }>> {
  return database(d1)
    .select({ variant: campaignStats.variant, kind: campaignStats.kind, n: sql<number>`count(*)` })
    .from(campaignStats)
    .where(sql`${campaignStats.campaignId} = ${campaignId}`)
    .groupBy(campaignStats.variant, campaignStats.kind);
}
