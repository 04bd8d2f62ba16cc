import type { JsonObject } from "../../kernel/json";
import type { UserProfile } from "../profile/profile";
import type { CampaignStat } from "../campaigns/campaign-stat";
import type { AnalyticsMessage } from "../analytics/counters";
import type { ExportMessage } from "../analytics/export";

/**
 * A users-index row update, sent on the INDEX queue when a user's indexed state
 * changes (and at most once a minute for counters). `version` orders updates so
 * a late message never overwrites a newer row.
 */
export type IndexUpdate =
  | {
      op: "upsert";
      appId: string;
      userId: string;
      version: number;
      lifecycle: string;
      loyal: boolean;
      firstSeen: number;
      lastSeen: number;
      sessions: number;
      purchases: number;
      revenue: number;
      purchaseDays: number;
      firstPurchase: number | null;
      lastPurchase: number | null;
      timezone: string | null;
      /** Derived attributes other features index (rfm segment, churn band, segment ids). */
      attrs: JsonObject;
    }
  | { op: "delete"; appId: string; userId: string; version: number }
  /** Campaign facts counted inside the object (entered, converted, engagement…), written to D1 by the same consumer. */
  | { op: "stats"; stats: CampaignStat[] }
  /** Analytics counter increments of one transaction (funnels, retention, lifecycle flow), applied once per key. */
  | AnalyticsMessage
  /** Applied events to write to the export bucket (src/domain/analytics/export.ts). */
  | ExportMessage
  /** Broadcast fan-out: enter these users into the campaign's occurrence (cross-user work, like index writes). */
  | {
      op: "broadcast";
      appId: string;
      campaignId: string;
      occurrence: string;
      configVersion: number;
      now: number;
      virtualClock: boolean;
      localDate?: string;
      users: Array<{ userId: string; anonymous: boolean }>;
    };

export function indexRowOf(profile: UserProfile, version: number, attrs: JsonObject): IndexUpdate {
  const c = profile.counters;
  return {
    op: "upsert",
    appId: profile.appId,
    userId: profile.userId,
    version,
    lifecycle: profile.lifecycle.state,
    loyal: profile.lifecycle.loyal,
    firstSeen: profile.firstSeen,
    lastSeen: profile.lastSeen,
    sessions: c.sessions,
    purchases: c.purchases,
    revenue: c.revenue,
    purchaseDays: c.purchaseDays,
    firstPurchase: c.firstPurchase,
    lastPurchase: c.lastPurchase,
    timezone: profile.timezone,
    attrs,
  };
}
