/**
 * The internal events features emit (`ctx.emit`) and others listen to: campaign triggers,
 * analytics. Named here, below every feature, so a listener never imports the emitter.
 */
export const LIFECYCLE_CHANGED = "Lifecycle Changed";
export const BECAME_LOYAL = "Became Loyal";

export const GEOFENCE_ENTERED = "Geofence Entered";
export const GEOFENCE_EXITED = "Geofence Exited";
export const GEOFENCE_DWELLED = "Geofence Dwelled";
export const BEACON_REGION_ENTERED = "Beacon Region Entered";
export const BEACON_REGION_EXITED = "Beacon Region Exited";
export const BEACON_REGION_DWELLED = "Beacon Region Dwelled";

export const RFM_SEGMENT_CHANGED = "RFM Segment Changed";
export const CHURN_RISK_CHANGED = "Churn Risk Changed";

export const SEGMENT_ENTERED = "Segment Entered";
export const SEGMENT_EXITED = "Segment Exited";
