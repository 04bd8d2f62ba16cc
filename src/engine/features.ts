import type { UserFeature } from "./feature";
import { lifecycleFeature } from "./features/lifecycle/lifecycle-feature";
import { geofenceFeature } from "./features/geofence/geofence-feature";
import { createInAppFeature } from "./features/inapp/inapp-feature";
import { inAppInbox } from "./features/inapp/delivery";
import { createJourneyFeature, createJourneySendLedger } from "./features/journey/journey-feature";
import { segmentationFeatures } from "./features/segments/features";
import { identityFeature } from "./features/identity/identity-feature";
import { analyticsFeature } from "./features/analytics/analytics-feature";

/**
 * The composition of the UserObject's features. Features never import each other: where one needs
 * another, it names a port (engine/ports.ts) and this list wires the implementation in.
 */
export const inAppFeature = createInAppFeature(createJourneySendLedger(inAppInbox));
export const journeyFeature = createJourneyFeature(inAppInbox);

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
