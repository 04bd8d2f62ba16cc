import * as z from "zod";
import { DAY } from "../../../kernel/clock";
import { isJsonObject, type Json } from "../../../kernel/json";
import { command, defineFeature, type UserFeature } from "../../feature";
import type { CampaignSendLedger, InAppInbox } from "../../ports";
import { PRUNE_EVERY } from "../../../domain/journey/entry";
import { JOURNEY_TIMER, type JourneyTimerPayload, PRUNE_TIMER } from "../../../domain/journey/journey";
import { entryResult, journeyStore, reportResult, stepAndApply } from "./journey-adapter";
import { type JourneyHandover, JOURNEY_SCHEMA, JourneyStore } from "./journey-store";
import { previewMessage, testSend } from "./test-message";
import { MessageContent } from "../../../domain/campaigns/model";
import { CHANNELS } from "../../../domain/delivery/channel";

/** Finished journeys and sends are kept this long for attribution and caps, then pruned. */
const JOURNEY_RETENTION = 90 * DAY;

const JsonObjectArg = z.record(z.string(), z.unknown()).refine(isJsonObject, { message: "expected JSON values" });
const TriggerArgs = z.object({ campaignId: z.string(), payload: JsonObjectArg, requestId: z.string() });
const BroadcastArgs = z.object({ campaignId: z.string(), occurrence: z.string(), localDate: z.string().optional() });
const DeliveryStatusArgs = z.object({ idempotencyKey: z.string(), status: z.string(), reason: z.string().optional() });
/** A message step to render (the edge checked its templates): `MessageSource`. */
const MessageSourceArgs = z.object({
  step: z.object({
    id: z.string(),
    content: MessageContent,
    variants: z.record(z.string(), MessageContent).optional(),
    locales: z.record(z.string(), MessageContent).optional(),
  }),
  campaign: z.object({ id: z.string(), name: z.string(), version: z.number(), transactional: z.boolean() }),
  arm: z.string(),
  event: JsonObjectArg,
  locale: z.string().optional(),
});
const PreviewArgs = MessageSourceArgs.extend({ channels: z.array(z.enum(CHANNELS)) });
const TestSendArgs = MessageSourceArgs.extend({ channel: z.enum(CHANNELS), key: z.string(), by: z.string() });

/**
 * The journey engine inside each UserObject: every event, journey timer, entry command and
 * delivery report goes through the pure `stepJourney` (domain/journey/) by way of the adapter
 * (journey-adapter.ts). In-app steps deliver through the `InAppInbox` port.
 */
export function createJourneyFeature(inbox: InAppInbox): UserFeature {
  return defineFeature({
    name: "campaigns",
    schema: JOURNEY_SCHEMA,

    // Identity merge: a cart abandoned before sign-in is still reminded (and cancelled) after it.
    handOver: (sql) => new JourneyStore(sql).dump() as unknown as Json,
    absorb(ctx, data) {
      if (!data || typeof data !== "object" || Array.isArray(data)) return;
      for (const t of journeyStore(ctx).absorb(data as unknown as JourneyHandover))
        if (!ctx.timers.get(t.key)) ctx.timers.schedule(t);
    },

    onEvent: (ctx, event) => void stepAndApply(ctx, inbox, { type: "event", event }),

    timers: {
      [JOURNEY_TIMER]: (ctx, timer) =>
        void stepAndApply(ctx, inbox, {
          type: "timer",
          key: timer.key,
          dueAt: timer.dueAt,
          payload: timer.payload as unknown as JourneyTimerPayload,
        }),
      [PRUNE_TIMER]: (ctx) => {
        journeyStore(ctx).prune(ctx.now - JOURNEY_RETENTION);
        ctx.timers.schedule({ key: PRUNE_TIMER, dueAt: ctx.now + PRUNE_EVERY, kind: PRUNE_TIMER, payload: {} });
      },
    },

    commands: {
      trigger: command(TriggerArgs, (ctx, a) => entryResult(stepAndApply(ctx, inbox, { type: "api-trigger", ...a }))),
      enterBroadcast: command(BroadcastArgs, (ctx, a) =>
        entryResult(stepAndApply(ctx, inbox, { type: "broadcast", ...a })),
      ),
      previewMessage: command(PreviewArgs, (ctx, a) => previewMessage(ctx, a)),
      testSend: command(TestSendArgs, (ctx, a) => testSend(inbox, ctx, a)),
      deliveryStatus: command(DeliveryStatusArgs, (ctx, a) =>
        reportResult(
          stepAndApply(ctx, inbox, {
            type: "send-reported",
            idempotencyKey: a.idempotencyKey,
            status: a.status,
            ...(a.reason ? { reason: a.reason } : {}),
          }),
        ),
      ),
    },

    describe(ctx) {
      return {
        journeys: journeyStore(ctx)
          .active()
          .map((j) => ({
            instance: j.instance,
            campaignId: j.campaignId,
            version: j.version,
            arm: j.arm,
            step: j.step,
            status: j.status,
            enteredAt: j.enteredAt,
          })) as Json,
      };
    },
  });
}

/** In-app engagement moves the journey's record of the send forward (the `CampaignSendLedger` port). */
export function createJourneySendLedger(inbox: InAppInbox): CampaignSendLedger {
  return {
    advance: (ctx, key, campaignId, channel, status) =>
      void stepAndApply(ctx, inbox, { type: "engaged", key, campaignId, channel, status }),
  };
}
