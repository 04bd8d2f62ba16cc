import type { JsonObject } from "../../../kernel/json";
import type { FeedView, PendingView } from "./inapp-commands";
import type { UserContext } from "../../feature";
import { displayOrder, notBefore } from "../../../domain/inapp/display-policy";
import type { ContentCardView, InAppMessageView } from "../../../domain/inapp/model";
import { type CardRow, InAppStore, type MessageRow } from "./store";
import { inAppSettings } from "./settings";

/** What the SDK sees of the person's in-app messages and content cards. */

const store = (ctx: UserContext) => new InAppStore(ctx.sql);

export function messageView(r: MessageRow): InAppMessageView {
  return {
    key: r.key,
    campaignId: r.campaignId,
    content: r.content,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    priority: r.priority,
  };
}

export function rulesOf(views: InAppMessageView[]): JsonObject[] {
  return views.filter((v) => v.content.displayOn).map((v) => ({ key: v.key, ...(v.content.displayOn as JsonObject) }));
}

/** What `GET /v1/in-app` returns: pending messages in display order, their trigger rules, and pacing. */
export function pendingView(ctx: UserContext): PendingView {
  const s = store(ctx);
  const settings = inAppSettings(ctx.config);
  const messages = displayOrder(s.pendingMessages(ctx.now), ctx.now).map(messageView);
  return {
    messages,
    rules: rulesOf(messages),
    notBefore: notBefore(s.state("lastShownAt"), settings),
    minIntervalSeconds: settings.minIntervalSeconds,
    serverTime: ctx.now,
  };
}

export const isPinned = (c: CardRow) => c.userPinned ?? c.content.pinned;

export function cardView(c: CardRow): ContentCardView {
  const { title, body, imageUrl, imageAlt, deepLink, linkLabel } = c.content;
  return {
    id: c.key,
    campaignId: c.campaignId,
    title,
    ...(body !== undefined ? { body } : {}),
    ...(imageUrl !== undefined ? { imageUrl } : {}),
    ...(imageAlt !== undefined ? { imageAlt } : {}),
    ...(deepLink !== undefined ? { deepLink } : {}),
    ...(linkLabel !== undefined ? { linkLabel } : {}),
    pinned: isPinned(c),
    read: c.readAt !== null,
    createdAt: c.createdAt,
    expiresAt: c.expiresAt,
  };
}

/** The feed: pinned first, then newest first. */
export function feedView(ctx: UserContext): FeedView {
  const cards = store(ctx)
    .liveCards(ctx.now)
    .sort((a, b) => Number(isPinned(b)) - Number(isPinned(a)) || b.createdAt - a.createdAt || (a.key < b.key ? -1 : 1))
    .map(cardView);
  return { cards, unread: cards.filter((c) => !c.read).length };
}
