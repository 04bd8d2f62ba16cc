import type { JsonObject } from "../../kernel/json";
import type { BeckonEvent } from "../events/beckon-event";
import type { JourneyTimerPayload } from "./journey";

/** What moves journeys. */
export type JourneyInput =
  /**
   * An applied event (SDK or internal): survey answers are kept, abandonment timers cancelled,
   * conversions attributed, waiting journeys resumed, matching triggers entered.
   */
  | { type: "event"; event: BeckonEvent }
  /** A journey timer fired: an abandonment deadline, a delay, a wait's timeout, a quiet-hours deferral. */
  | { type: "timer"; key: string; dueAt: number; payload: JourneyTimerPayload }
  /** Transactional API trigger (`POST /admin/campaigns/:id/trigger`). */
  | { type: "api-trigger"; campaignId: string; payload: JsonObject; requestId: string }
  /** Broadcast fan-out: one entry per occurrence, optionally at the person's local time. */
  | { type: "broadcast"; campaignId: string; occurrence: string; localDate?: string }
  /** The delivery consumer or a provider webhook reported on a send; statuses only move forward. */
  | { type: "send-reported"; idempotencyKey: string; status: string; reason?: string }
  /** In-app engagement with a journey's message or card (impression/view → opened, click/answer → clicked). */
  | {
      type: "engaged";
      key: string;
      campaignId: string;
      channel: "in_app" | "content_card";
      status: "opened" | "clicked";
    };

/** What an entry command answers. */
export type EntryResult = {
  entered: boolean;
  instance?: string;
  arm?: string;
  reason?: string;
};

/** What a delivery report answers. */
export type SendReportResult = {
  updated: boolean;
  reason?: string;
};
