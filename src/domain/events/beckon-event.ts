import type { JsonObject } from "../../kernel/json";
import type { Millis } from "../../kernel/clock";
import type { ContextPushToken, EventContext } from "./event-context";

export type SegmentCallType = "track" | "identify" | "page" | "screen" | "group" | "alias";

/**
 * An event as Beckon handles it after validation at the edge: Segment's shape,
 * normalised (one `name` for every call type, timestamp corrected for clock skew).
 * Internal events (lifecycle transitions, geofence crossings, segment entry) use
 * `type: "track"` with `internal: true` so campaigns trigger on them uniformly.
 */
export interface BeckonEvent {
  messageId: string;
  type: SegmentCallType;
  /** Track: the event name. Others: "Identify", "Page Viewed", "Screen Viewed", "Group", "Alias". */
  name: string;
  properties: JsonObject;
  traits?: JsonObject;
  userId?: string;
  anonymousId?: string;
  /** alias: the identity being merged into userId. */
  previousId?: string;
  groupId?: string;
  /** When it happened, skew-corrected and never later than receivedAt. */
  timestamp: Millis;
  receivedAt: Millis;
  /** The call's context, bounded (src/domain/events/event-context.ts): kept with the event; timezone, locale and the last-known device, OS, app and campaign update the profile. */
  context?: EventContext;
  /** `context.device.token` (Segment's mobile libraries): registers a push device. */
  pushToken?: ContextPushToken;
  internal?: boolean;
}

export const NAME_OF_CALL: Record<Exclude<SegmentCallType, "track">, string> = {
  identify: "Identify",
  page: "Page Viewed",
  screen: "Screen Viewed",
  group: "Group",
  alias: "Alias",
};
