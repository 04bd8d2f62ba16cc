import { DAY } from "../../../kernel/clock";
import type { UserContext } from "../../feature";
import type { CardDelivery, InAppDelivery, InAppInbox } from "../../ports";
import { expiryOf, notBefore, overflow } from "../../../domain/inapp/display-policy";
import {
  ContentCardContent,
  DEFAULT_CARD_EXPIRY_SECONDS,
  DEFAULT_INAPP_EXPIRY_SECONDS,
  InAppContent,
} from "../../../domain/inapp/model";
import { inAppSettings } from "./settings";
import { InAppStore } from "./store";
import { cardView, isPinned, messageView, rulesOf } from "./views";

/**
 * Storing in-app messages and content cards for the person: the journeys deliver through the
 * `InAppInbox` port (engine/ports.ts), operators and tests through the feature's commands.
 */

export const GC_TIMER = "inapp:gc";

const store = (ctx: UserContext) => new InAppStore(ctx.sql);

/**
 * Stores an in-app message as pending and pushes it to the person's connected apps.
 * Idempotent on `key`: returns false (and pushes nothing) when it was already stored.
 */
export function deliverInApp(ctx: UserContext, msg: InAppDelivery): boolean {
  const parsed = InAppContent.safeParse(msg.content);
  if (!parsed.success) {
    ctx.timeline.add(ctx.now, "decision", {
      dropped: "in_app",
      key: msg.key,
      campaignId: msg.campaignId,
      reason: `invalid content: ${parsed.error.issues[0]?.message ?? "?"}`,
    });
    return false;
  }
  const content = parsed.data;
  const s = store(ctx);
  const row = {
    key: msg.key,
    campaignId: msg.campaignId,
    variant: msg.variant,
    content,
    triggerEvent: msg.triggerEvent ?? null,
    priority: content.priority,
    createdAt: ctx.now,
    expiresAt: expiryOf(ctx.now, content.expiresInSeconds, DEFAULT_INAPP_EXPIRY_SECONDS),
  };
  if (!s.insertMessage(row)) return false;
  const settings = inAppSettings(ctx.config);
  const dropped = overflow(s.pendingMessages(ctx.now), settings.maxPending);
  if (dropped.length > 0) {
    s.deleteMessages(dropped);
    ctx.timeline.add(ctx.now, "decision", {
      dropped: "in_app",
      keys: dropped,
      reason: `more than ${settings.maxPending} pending in-app messages`,
    });
  }
  if (dropped.includes(msg.key)) return false;
  ctx.timeline.add(ctx.now, "delivery", {
    channel: "in_app",
    key: msg.key,
    campaignId: msg.campaignId,
    type: content.type,
    ...(msg.triggerEvent ? { trigger: msg.triggerEvent } : {}),
  });
  scheduleGc(ctx);
  const view = messageView({ ...row, status: "pending", shownAt: null, closedAt: null });
  ctx.live({
    type: "inapp",
    messages: [view],
    rules: rulesOf([view]),
    notBefore: notBefore(s.state("lastShownAt"), settings),
    minIntervalSeconds: settings.minIntervalSeconds,
  });
  return true;
}

/** Adds a content card to the person's feed (every device sees it). Idempotent on `key`. */
export function addContentCard(ctx: UserContext, card: CardDelivery): boolean {
  const parsed = ContentCardContent.safeParse(card.content);
  if (!parsed.success) {
    ctx.timeline.add(ctx.now, "decision", {
      dropped: "content_card",
      key: card.key,
      campaignId: card.campaignId,
      reason: `invalid content: ${parsed.error.issues[0]?.message ?? "?"}`,
    });
    return false;
  }
  const s = store(ctx);
  const row = {
    key: card.key,
    campaignId: card.campaignId,
    variant: card.variant,
    content: parsed.data,
    createdAt: ctx.now,
    expiresAt: expiryOf(ctx.now, parsed.data.expiresInSeconds, DEFAULT_CARD_EXPIRY_SECONDS),
  };
  if (!s.insertCard(row)) return false;
  const settings = inAppSettings(ctx.config);
  const live = s.liveCards(ctx.now);
  if (live.length > settings.maxCards) {
    const unpinned = live.filter((c) => !isPinned(c)).sort((a, b) => a.createdAt - b.createdAt);
    const drop = unpinned.slice(0, live.length - settings.maxCards).map((c) => c.key);
    s.deleteCards(drop);
    if (drop.length)
      ctx.timeline.add(ctx.now, "decision", {
        dropped: "content_card",
        keys: drop,
        reason: `more than ${settings.maxCards} cards`,
      });
  }
  ctx.timeline.add(ctx.now, "delivery", { channel: "content_card", key: card.key, campaignId: card.campaignId });
  scheduleGc(ctx);
  const stored = s.card(card.key);
  ctx.live({
    type: "cards",
    unread: s.counts(ctx.now).unreadCards,
    ...(stored ? { card: cardView(stored) } : {}),
  });
  return true;
}

export function scheduleGc(ctx: UserContext): void {
  ctx.timers.scheduleIfAbsent({ key: GC_TIMER, dueAt: ctx.now + DAY, kind: GC_TIMER, payload: {} });
}

/** What journeys and test sends deliver through (the port's implementation). */
export const inAppInbox: InAppInbox = { deliverInApp, addContentCard };
