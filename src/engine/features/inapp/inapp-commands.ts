import type { FieldProblem } from "../../../kernel/errors";
import type { JsonObject } from "../../../kernel/json";
import type {
  CardAction,
  ContentCardContent,
  ContentCardView,
  InAppContent,
  InAppEngagement,
  InAppMessageView,
} from "../../../domain/inapp/model";
import type { CommandSpec, NoArgs } from "../../user-commands";

/** What `GET /v1/in-app` returns: pending messages in display order, their trigger rules, and pacing. */
export interface PendingView {
  messages: InAppMessageView[];
  rules: JsonObject[];
  notBefore: number | null;
  minIntervalSeconds: number;
  serverTime: number;
}

/** What `GET /v1/cards` returns: the feed, pinned first then newest. */
export interface FeedView {
  cards: ContentCardView[];
  unread: number;
}

export type EngagementOutcome = "recorded" | "duplicate" | "unknown_message" | "invalid";
export interface EngagementResult {
  key: string;
  kind: string;
  outcome: EngagementOutcome;
  problems?: FieldProblem[];
}

export interface CardActionResult {
  card: ContentCardView | null;
  outcome: "recorded" | "duplicate" | "unknown_card";
}

/** An operator's test send: stored unless the key was used before. */
export interface TestDelivery<C> {
  key: string;
  campaignId: string;
  variant: string;
  content: C;
}

/** What the SDK routes and the admin API may ask of the in-app feature (engine/user-commands.ts). */
export interface InAppCommands {
  pending: CommandSpec<NoArgs, PendingView>;
  cards: CommandSpec<NoArgs, FeedView>;
  /** Impressions, clicks, dismissals and survey answers; each counts once. */
  engage: CommandSpec<{ events: InAppEngagement[] }, { results: EngagementResult[] }>;
  card: CommandSpec<{ id: string; action: CardAction }, CardActionResult>;
  /** Operator test sends (admin API); journeys deliver through the `InAppInbox` port instead. */
  deliver: CommandSpec<TestDelivery<InAppContent>, { stored: boolean }>;
  addCard: CommandSpec<TestDelivery<ContentCardContent>, { stored: boolean }>;
}

declare module "../../user-commands" {
  interface UserCommands {
    inapp: InAppCommands;
  }
}
