import * as z from "zod";
import type { Json, JsonObject } from "../../../kernel/json";
import { DAY } from "../../../kernel/clock";
import { command, defineFeature, noArgs, type UserContext, type UserFeature } from "../../feature";
import type { CampaignSendLedger } from "../../ports";
import { CARD_ACTIONS, ContentCardContent, InAppContent, InAppEngagement } from "../../../domain/inapp/model";
import { INAPP_SCHEMA, InAppStore } from "./store";
import { addContentCard, deliverInApp, GC_TIMER, scheduleGc } from "./delivery";
import { feedView, pendingView } from "./views";
import { cardAction, recordEngagement } from "./engagement";

/**
 * In-app messages and content cards inside the person's UserObject: journeys store them through
 * the `InAppInbox` port (delivery.ts), the SDK fetches them (views.ts) or receives them live, and
 * reports engagement (engagement.ts), which is counted once and fed back as events for conversion
 * and branching.
 */

/** Shown or closed messages (and dismissed cards) are kept this long so late engagement still counts. */
const KEEP_CLOSED_MS = 30 * DAY;
/** Engagement dedupe keys outlive the messages they count. */
const KEEP_DEDUPE_MS = 90 * DAY;

const store = (ctx: UserContext) => new InAppStore(ctx.sql);

const EngageEvents = InAppEngagement.array().max(50);
const TestDelivery = <C extends z.ZodType>(content: C) =>
  z.object({ key: z.string(), campaignId: z.string(), variant: z.string(), content });

/**
 * Identity merge hooks, called by the UserObject's handover and absorb: the
 * anonymous object's `handOver(sql)` result travels in the Handover and the identified
 * object `absorb`s it, so messages and cards delivered before sign-in survive it.
 */
export interface MergeHooks {
  handOver(sql: SqlStorage): Json;
  absorb(ctx: UserContext, data: Json): void;
}

const mergeHooks: MergeHooks = {
  handOver: (sql) => new InAppStore(sql).dump() as unknown as Json,
  absorb(ctx, data) {
    if (!data || typeof data !== "object" || Array.isArray(data)) return;
    store(ctx).absorb(data as unknown as Parameters<InAppStore["absorb"]>[0]);
    scheduleGc(ctx);
  },
};

/** The in-app feature; `sends` is the journeys' send record, which engagement moves forward. */
export function createInAppFeature(sends: CampaignSendLedger): UserFeature & MergeHooks {
  const feature = defineFeature({
    name: "inapp",
    schema: INAPP_SCHEMA,

    timers: {
      [GC_TIMER]: (ctx) => {
        const s = store(ctx);
        const { expiredMessages, expiredCards } = s.purge(ctx.now, KEEP_CLOSED_MS, KEEP_DEDUPE_MS);
        if (expiredMessages.length > 0)
          ctx.timeline.add(ctx.now, "decision", {
            expired: "in_app",
            keys: expiredMessages,
            reason: "not shown before it expired",
          });
        if (expiredCards > 0) ctx.timeline.add(ctx.now, "decision", { expired: "content_card", count: expiredCards });
        if (!s.isEmpty()) scheduleGc(ctx);
      },
    },

    indexAttrs(ctx) {
      const answers = store(ctx).answers() as JsonObject;
      const attrs: JsonObject = {};
      if (Object.keys(answers).length > 0) attrs.survey = answers;
      return attrs;
    },

    describe(ctx) {
      const s = store(ctx);
      return { ...s.counts(ctx.now), lastShownAt: s.state("lastShownAt"), answers: s.answers() as JsonObject };
    },

    commands: {
      pending: command(noArgs, (ctx) => pendingView(ctx)),
      cards: command(noArgs, (ctx) => feedView(ctx)),
      engage: command(z.object({ events: EngageEvents }), (ctx, a) => ({
        results: a.events.map((e, i) => recordEngagement(sends, ctx, e, `events.${i}.`)),
      })),
      card: command(z.object({ id: z.string(), action: z.enum(CARD_ACTIONS) }), (ctx, a) =>
        cardAction(sends, ctx, a.id, a.action),
      ),
      /** Operator test sends (admin API); journeys deliver through the `InAppInbox` port. */
      deliver: command(TestDelivery(InAppContent), (ctx, a) => ({ stored: deliverInApp(ctx, a) })),
      addCard: command(TestDelivery(ContentCardContent), (ctx, a) => ({ stored: addContentCard(ctx, a) })),
    },

    onLiveConnect(ctx) {
      return [{ type: "sync", ...pendingView(ctx), cards: { unread: store(ctx).counts(ctx.now).unreadCards } }];
    },

    onLiveMessage(ctx, message) {
      // Apps may report engagement over the socket: {type:"engage", events:[…]}.
      const m = message as { type?: unknown; events?: unknown } | null;
      if (!m || m.type !== "engage") return;
      const parsed = EngageEvents.safeParse(m.events);
      if (!parsed.success) return;
      for (const e of parsed.data) recordEngagement(sends, ctx, e);
    },
  });
  return { ...feature, ...mergeHooks };
}
