import type { Millis } from "../../kernel/clock";
import type { JsonObject } from "../../kernel/json";
import type { Campaign, CampaignStatus } from "../campaigns/model";
import type { PushTarget } from "../delivery/send-job";
import type { UserProfile } from "../profile/profile";
import type { AppSettings } from "../settings/app-settings";

/** A campaign version as journeys see it (the app config compiles them: stores/campaigns/campaign-index.ts). */
export interface JourneyCampaign {
  id: string;
  version: number;
  def: Campaign;
  startAt: Millis | null;
  endAt: Millis | null;
}

/** The app's campaigns, indexed by the event names that matter (see `buildCampaignIndex`). */
export interface CampaignCatalog {
  byId: ReadonlyMap<string, JourneyCampaign>;
  /** Entry triggers (event, inaction start, lifecycle, geofence, segment), highest priority first. */
  entryByEvent: ReadonlyMap<string, readonly JourneyCampaign[]>;
  /** Inaction triggers cancelled by this event. */
  cancelByEvent: ReadonlyMap<string, readonly JourneyCampaign[]>;
  /** Campaigns whose conversion goal is this event (active and paused). */
  goalByEvent: ReadonlyMap<string, readonly JourneyCampaign[]>;
  /** Status of every non-draft campaign (journeys in flight stop when theirs is paused or archived). */
  status: ReadonlyMap<string, CampaignStatus>;
}

/**
 * Everything `stepJourney` may know besides the journey records: the app's campaigns and policy
 * settings (quiet hours, frequency caps, time zone), the person (profile: traits, consent,
 * addresses, locale, time zone), their reachable devices, the attributes other features publish
 * and their recent events. Functions are lookups the adapter answers lazily (a branch that asks
 * nothing of the event log reads none of it); they are pure reads.
 */
export interface JourneyFacts {
  appId: string;
  configVersion: number;
  campaigns: CampaignCatalog;
  settings: Pick<AppSettings, "quietHours" | "frequencyCaps" | "defaultTimezone" | "purchaseEvent">;
  profile: UserProfile;
  /** The person's live push targets (channel reachability, and the push send's address). */
  pushTargets(): PushTarget[];
  /** Attributes other features publish (rfm segment, churn band, segment memberships…), for conditions. */
  attrs(): JsonObject;
  /** The person's recent SDK events of one name since `since`, oldest first. */
  eventLog(name: string, since: Millis): Array<{ at: number; properties: string }>;
}
