import type { JsonObject } from "../../../kernel/json";
import type { Channel } from "../../../domain/delivery/channel";
import type { EntryResult, SendReportResult } from "../../../domain/journey/input";
import type { MessageStep } from "../../../domain/journey/message";
import type { PushTarget, SendAddress } from "../../../domain/delivery/send-job";
import type { CommandSpec } from "../../user-commands";

/** The step a preview or test send renders: a saved campaign's or the composer's content. */
export interface MessageSource {
  step: {
    id: string;
    content: MessageStep["content"];
    variants?: MessageStep["variants"];
    locales?: MessageStep["locales"];
  };
  campaign: { id: string; name: string; version: number; transactional: boolean };
  arm: string;
  event: JsonObject;
  /** Overrides the person's locale (which content variant, and `user.locale`). */
  locale?: string;
}

export interface RenderProblem {
  field: string;
  message: string;
  line?: number;
  col?: number;
}

/** A send's address without secrets: push shows the devices' providers and platforms, not their tokens. */
export type PreviewDestination =
  | Exclude<SendAddress, { kind: "push" }>
  | { kind: "push"; devices: Array<Pick<PushTarget, "provider" | "platform">> };

/** One channel of a preview: whether the person can receive it, and the rendered content or why it failed. */
export interface PreviewedMessage {
  channel: Channel;
  reachable: boolean;
  reason: string;
  content?: Record<string, unknown>;
  /** Where it would go; null when unreachable. */
  to?: PreviewDestination | null;
  error?: RenderProblem;
}

export interface MessagePreview {
  userId: string;
  locale: string | null;
  timezone: string | null;
  variant: string;
  messages: PreviewedMessage[];
}

export interface TestSendArgs extends MessageSource {
  channel: Channel;
  /** `test:<app>:<user>:<request id>`: the same request id never sends twice. */
  key: string;
  /** Who asked (`key:<prefix>` / `access:<email>`), for the timeline. */
  by: string;
}

export type TestSendResult =
  | { sent: true; key: string; channel: Channel; duplicate: boolean }
  | { sent: false; key: string; channel: Channel; reason: string; error?: RenderProblem };

/** What the admin API, the broadcast fan-out and the delivery consumer may ask of journeys (engine/user-commands.ts). */
export interface JourneyCommands {
  /** Transactional API trigger: `POST /admin/campaigns/:id/trigger`. */
  trigger: CommandSpec<{ campaignId: string; payload: JsonObject; requestId: string }, EntryResult>;
  /** Broadcast fan-out: one entry per occurrence, optionally at the person's local time. */
  enterBroadcast: CommandSpec<{ campaignId: string; occurrence: string; localDate?: string }, EntryResult>;
  /** Delivery feedback from the send queue and provider webhooks; statuses only move forward. */
  deliveryStatus: CommandSpec<{ idempotencyKey: string; status: string; reason?: string }, SendReportResult>;
  /** Console: render a message step for this person (`POST /admin/messages/preview`); writes nothing. */
  previewMessage: CommandSpec<MessageSource & { channels: Channel[] }, MessagePreview>;
  /** Console: one test send through the real send path (`POST /admin/messages/test-send`). */
  testSend: CommandSpec<TestSendArgs, TestSendResult>;
}

declare module "../../user-commands" {
  interface UserCommands {
    campaigns: JourneyCommands;
  }
}
