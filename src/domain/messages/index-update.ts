import type { JsonObject } from "../../kernel/json";
import type { UserProfile } from "../profile/profile";
import type { CampaignStat } from "../campaigns/campaign-stat";
import type { AnalyticsMessage } from "../analytics/counters";
import type { ExportMessage } from "../analytics/export";
import type { FunnelBackfillMessage } from "../analytics/funnel-backfill";

/**
 * A users-index row update, sent on the INDEX queue when a user's indexed state
 * changes (and at most once a minute for counters). `version` orders updates so
 * a late message never overwrites a newer row.
 */
export type IndexUpdate = IndexMessage & {
  /** The person's index shard (src/domain/scale/index-layout.ts), stamped by their object; absent: shard 0. */
  shard?: number;
};

type IndexMessage =
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
  /** One chunk of a funnel backfill run: replay exported events from its cursor on (src/jobs/funnel-backfill.ts). */
  | FunnelBackfillMessage
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
    }
  /** Broadcast paging: read the next page of one index shard's audience after `after`, then continue (docs/scale.md). */
  | BroadcastPage;

/** One step of a broadcast occurrence's walk through one index shard, in user-id order. */
export interface BroadcastPage {
  op: "broadcast-page";
  appId: string;
  campaignId: string;
  occurrence: string;
  configVersion: number;
  now: number;
  virtualClock: boolean;
  localDate?: string;
  audience: { lifecycle?: string[]; segmentId?: string };
  shard: number;
  /** The last user id already handed on; "" at the start. */
  after: string;
  /** People of this shard handed on before this page. */
  handed: number;
}

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
