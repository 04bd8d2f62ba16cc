import type { UserFeature } from "./feature";
import { lifecycleFeature } from "./features/lifecycle/lifecycle-feature";
import { geofenceFeature } from "./features/geofence/geofence-feature";
import { inAppFeature } from "../inapp/inapp-feature";
import { journeyFeature } from "../campaigns/journey-feature";
import { segmentationFeatures } from "./features/segments/features";
import { identityFeature } from "./features/identity/identity-feature";
import { analyticsFeature } from "./features/analytics/analytics-feature";

/**
 * The features every UserObject runs, in dispatch order. Campaigns come last so
 * they see the events the other features emit (geofence crossings, segment entry).
 */
export const userFeatures: readonly UserFeature[] = [
  lifecycleFeature,
  geofenceFeature,
  inAppFeature,
  ...segmentationFeatures,
  journeyFeature,
  identityFeature,
  analyticsFeature,
];
