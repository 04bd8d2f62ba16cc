import type { JsonObject } from "../../kernel/json";
import type { CampaignStat } from "../campaigns/campaign-stat";
import type { SendJob } from "../delivery/send-job";
import type { JourneyTimerPayload, SendRecord } from "./journey";

/** A timer row to write: keyed, due at an instant, handled by the feature's handler for `kind`. */
export interface TimerRequest {
  key: string;
  dueAt: number;
  kind: string;
  payload: JourneyTimerPayload | Record<string, never>;
}

/**
 * What `stepJourney` asks the world to do, in order. The adapter applies them inside the
 * transaction that applied the input: timers (engine/timers.ts), the timeline, the outbox
 * (`enqueueSend`, `recordStat`), the in-app inbox port.
 */
export type JourneyEffect =
  | { type: "timeline"; kind: "decision" | "delivery"; detail: JsonObject }
  | { type: "stat"; stat: CampaignStat }
  /** `ifAbsent`: keep an existing timer with this key (the prune timer). */
  | { type: "schedule-timer"; timer: TimerRequest; ifAbsent?: boolean }
  | { type: "cancel-timer"; key: string }
  /** A send job for the outbox (→ SENDS queue → provider). */
  | { type: "send"; job: SendJob }
  /** The consumer reported on this send: its outbox row stops being re-sent. */
  | { type: "acknowledge-send"; key: string }
  /**
   * Hand an in-app message or a content card to the person's inbox. The inbox may refuse it
   * (invalid after rendering, already stored, over the pending limit); only when it took it are
   * the send recorded and `onDelivered`'s effects applied.
   */
  | {
      type: "deliver-in-app";
      channel: "in_app" | "content_card";
      delivery: {
        key: string;
        campaignId: string;
        variant: string;
        content: Record<string, unknown>;
        triggerEvent?: string;
      };
      onDelivered: { send: SendRecord; effects: JourneyEffect[] };
    };
