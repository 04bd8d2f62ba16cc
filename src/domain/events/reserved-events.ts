import type { BeckonEvent } from "./beckon-event";
import {
  BEACON_REGION_DWELLED,
  BEACON_REGION_ENTERED,
  BEACON_REGION_EXITED,
  BECAME_LOYAL,
  CHURN_RISK_CHANGED,
  GEOFENCE_DWELLED,
  GEOFENCE_ENTERED,
  GEOFENCE_EXITED,
  LIFECYCLE_CHANGED,
  RFM_SEGMENT_CHANGED,
  SEGMENT_ENTERED,
  SEGMENT_EXITED,
} from "../../kernel/internal-events";
import { CARD_EVENTS, INAPP_EVENTS } from "../inapp/model";

/** Internal events the engine listens to for non-event triggers (named in kernel/internal-events.ts). */
export const TRIGGER_EVENTS = {
  lifecycle: LIFECYCLE_CHANGED,
  geofence: { enter: GEOFENCE_ENTERED, exit: GEOFENCE_EXITED, dwell: GEOFENCE_DWELLED },
  beacon: { enter: BEACON_REGION_ENTERED, exit: BEACON_REGION_EXITED, dwell: BEACON_REGION_DWELLED },
  segment: { enter: SEGMENT_ENTERED, exit: SEGMENT_EXITED },
} as const;

/**
 * Event names only Beckon itself emits (`ctx.emit`, `internal: true`). An SDK call
 * may carry one of these names (Segment clients send anything, and it is stored
 * like any event), but it never matches a trigger, cancel or goal on that name:
 * a public write key must not be able to start win-back or churn campaigns. The
 * engagement names are emitted only for what `/v1/in-app/events` (or a card action)
 * recorded against a message the person was really sent: a `track` named
 * `Survey Answered` neither answers a survey nor moves a journey waiting for one.
 */
export const RESERVED_EVENT_NAMES: ReadonlySet<string> = new Set([
  LIFECYCLE_CHANGED,
  BECAME_LOYAL,
  SEGMENT_ENTERED,
  SEGMENT_EXITED,
  GEOFENCE_ENTERED,
  GEOFENCE_EXITED,
  GEOFENCE_DWELLED,
  BEACON_REGION_ENTERED,
  BEACON_REGION_EXITED,
  BEACON_REGION_DWELLED,
  CHURN_RISK_CHANGED,
  RFM_SEGMENT_CHANGED,
  ...Object.values(INAPP_EVENTS),
  ...Object.values(CARD_EVENTS),
]);

/** An SDK event that carries a reserved internal name: stored, but matches no trigger. */
export const isSpoofedInternal = (event: BeckonEvent): boolean =>
  event.internal !== true && RESERVED_EVENT_NAMES.has(event.name);
