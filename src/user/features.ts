import type { UserFeature } from "./feature";
import { lifecycleFeature } from "./lifecycle-feature";
import { geofenceFeature } from "../geo/geofence-feature";
import { inAppFeature } from "../inapp/inapp-feature";
import { journeyFeature } from "../campaigns/journey-feature";
import { segmentationFeatures } from "../segments/features";
import { identityFeature } from "./identity-feature";
import { analyticsFeature } from "../analytics/analytics-feature";

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
