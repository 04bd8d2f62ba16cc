import type { UserFeature } from "./feature";
import { lifecycleFeature } from "./lifecycle-feature";
import { inAppFeature } from "../inapp/inapp-feature";

/**
 * The features every UserObject runs, in dispatch order. Campaigns come last so
 * they see the events the other features emit (geofence crossings, segment entry).
 */
export const userFeatures: readonly UserFeature[] = [lifecycleFeature, inAppFeature];
