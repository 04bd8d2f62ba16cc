import { DAY } from "../../../kernel/clock";
import type { Json, JsonObject } from "../../../kernel/json";
import type { UserFeature } from "../../feature";
import type { CampaignSendLedger, InAppInbox } from "../../ports";
import { PRUNE_EVERY } from "../../../domain/journey/entry";
import { JOURNEY_TIMER, type JourneyTimerPayload, PRUNE_TIMER } from "../../../domain/journey/journey";
import { journeyStore, stepAndApply } from "./journey-adapter";
import { type JourneyHandover, JOURNEY_SCHEMA, JourneyStore } from "./journey-store";
import { previewMessage, testSend } from "./test-message";

/** Finished journeys and sends are kept this long for attribution and caps, then pruned. */
const JOURNEY_RETENTION = 90 * DAY;

/**
 * The journey engine inside each UserObject: every event, journey timer, entry command and
 * delivery report goes through the pure `stepJourney` (domain/journey/) by way of the adapter
 * (journey-adapter.ts). In-app steps deliver through the `InAppInbox` port.
 */
export function createJourneyFeature(inbox: InAppInbox): UserFeature {
  return {
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
      /** Transactional API trigger: POST /admin/campaigns/:id/trigger. */
      trigger: (ctx, args) => {
        const a = args as { campaignId: string; payload: JsonObject; requestId: string };
        return stepAndApply(ctx, inbox, { type: "api-trigger", ...a }) as Json;
      },
      /** Broadcast fan-out: one entry per occurrence, optionally at the user's local time. */
      enterBroadcast: (ctx, args) => {
        const a = args as { campaignId: string; occurrence: string; localDate?: string };
        return stepAndApply(ctx, inbox, { type: "broadcast", ...a }) as Json;
      },
      /** Console: render a message step for this person (POST /admin/messages/preview); writes nothing. */
      previewMessage: (ctx, args) => previewMessage(ctx, args as never),
      /** Console: one test send through the real send path (POST /admin/messages/test-send). */
      testSend: (ctx, args) => testSend(inbox, ctx, args as never) as unknown as Json,
      /** Delivery feedback from the send queue and provider webhooks; statuses only move forward. */
      deliveryStatus: (ctx, args) => {
        const a = args as { idempotencyKey: string; status: string; reason?: string };
        return stepAndApply(ctx, inbox, {
          type: "send-reported",
          idempotencyKey: a.idempotencyKey,
          status: a.status,
          ...(a.reason ? { reason: a.reason } : {}),
        }) as Json;
      },
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
  };
}

/** In-app engagement moves the journey's record of the send forward (the `CampaignSendLedger` port). */
export function createJourneySendLedger(inbox: InAppInbox): CampaignSendLedger {
  return {
    advance: (ctx, key, campaignId, channel, status) =>
      void stepAndApply(ctx, inbox, { type: "engaged", key, campaignId, channel, status }),
  };
}
