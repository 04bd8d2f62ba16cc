import type { UserContext } from "./feature";

/**
 * Narrow ports between features. Features never import each other (a lint rule); where one needs
 * another's storage it names the port here and `engine/features.ts` wires the implementation in.
 */

/** An in-app message to store for the person (a campaign's in-app step, a test send, an operator). */
export interface InAppDelivery {
  /** The campaign idempotency key `campaign:step:instance`. */
  key: string;
  campaignId: string;
  variant: string;
  /** Rendered content (`InAppContent`'s shape); the inbox checks it and refuses, on the timeline, what does not parse. */
  content: Record<string, unknown>;
  /** The event that made the journey decide (shown in the timeline). */
  triggerEvent?: string;
}

export interface CardDelivery {
  key: string;
  campaignId: string;
  variant: string;
  /** Rendered content (`ContentCardContent`'s shape), checked by the inbox like an in-app message's. */
  content: Record<string, unknown>;
}

/** The person's in-app inbox (engine/features/inapp): where journeys deliver in-app messages and content cards. */
export interface InAppInbox {
  /** Stores the message as pending and pushes it live; false (nothing pushed) when refused or already stored. */
  deliverInApp(ctx: UserContext, msg: InAppDelivery): boolean;
  /** Adds a card to the person's feed; false when refused or already stored. */
  addContentCard(ctx: UserContext, card: CardDelivery): boolean;
}

/**
 * The journeys' record of their sends (engine/features/journey), moved forward by in-app engagement:
 * an impression or card view is `opened`, a click or survey answer `clicked`.
 */
export interface CampaignSendLedger {
  advance(
    ctx: UserContext,
    key: string,
    campaignId: string,
    channel: "in_app" | "content_card",
    status: "opened" | "clicked",
  ): void;
}
