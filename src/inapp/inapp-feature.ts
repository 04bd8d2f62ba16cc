import type { Json, JsonObject } from "../kernel/json";
import { DAY } from "../kernel/clock";
import type { AppConfig } from "../stores/config/app-config";
import { advances, JourneyStore } from "../campaigns/journey-store";
import type { UserContext, UserFeature } from "../engine/feature";
import type { FieldProblem } from "../kernel/errors";
import { displayOrder, expiryOf, notBefore, overflow } from "../domain/inapp/display-policy";
import {
  CARD_ACTIONS,
  CARD_EVENTS,
  type CardAction,
  ContentCardContent,
  type ContentCardView,
  DEFAULT_CARD_EXPIRY_SECONDS,
  DEFAULT_INAPP_EXPIRY_SECONDS,
  INAPP_EVENTS,
  InAppContent,
  InAppEngagement,
  type InAppMessageView,
  type InAppSettings,
} from "../domain/inapp/model";
import { inAppSettingsOf } from "../domain/inapp/public-config";
import { type CardRow, INAPP_SCHEMA, InAppStore, type MessageRow } from "./store";
import { surveyAnswerProblems } from "../domain/inapp/survey";

/**
 * In-app messages and content cards inside the person's UserObject: the campaign
 * engine stores them (`deliverInApp`, `addContentCard`), the SDK fetches them or
 * receives them live, and reports engagement, which is counted once and fed back
 * as events for conversion and branching.
 */

/** Shown or closed messages (and dismissed cards) are kept this long so late engagement still counts. */
const KEEP_CLOSED_MS = 30 * DAY;
/** Engagement dedupe keys outlive the messages they count. */
const KEEP_DEDUPE_MS = 90 * DAY;
const GC_TIMER = "inapp:gc";

const settingsCache = new WeakMap<AppConfig, InAppSettings>();
/** `settings.inApp` of the app, with defaults (invalid or absent → defaults). */
export function inAppSettings(config: AppConfig): InAppSettings {
  let s = settingsCache.get(config);
  if (!s) {
    s = inAppSettingsOf(config.settings);
    settingsCache.set(config, s);
  }
  return s;
}

const store = (ctx: UserContext) => new InAppStore(ctx.sql);

// ───────────────────────── delivery (called by the campaign engine) ─────────────────────────

export interface InAppDelivery {
  /** The campaign idempotency key `campaign:step:instance`. */
  key: string;
  campaignId: string;
  variant: string;
  content: InAppContent;
  /** The event that made the journey decide (shown in the timeline). */
  triggerEvent?: string;
}

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
  } as unknown as Json);
  return true;
}

export interface CardDelivery {
  key: string;
  campaignId: string;
  variant: string;
  content: ContentCardContent;
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
    ...(stored ? { card: cardView(stored) as unknown as Json } : {}),
  });
  return true;
}

function scheduleGc(ctx: UserContext): void {
  ctx.timers.scheduleIfAbsent({ key: GC_TIMER, dueAt: ctx.now + DAY, kind: GC_TIMER, payload: {} });
}

// ───────────────────────── views ─────────────────────────

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

function rulesOf(views: InAppMessageView[]): Json[] {
  return views.filter((v) => v.content.displayOn).map((v) => ({ key: v.key, ...(v.content.displayOn as JsonObject) }));
}

/** What `GET /v1/in-app` returns: pending messages in display order, their trigger rules, and pacing. */
export function pendingView(ctx: UserContext): JsonObject {
  const s = store(ctx);
  const settings = inAppSettings(ctx.config);
  const messages = displayOrder(s.pendingMessages(ctx.now), ctx.now).map(messageView);
  return {
    messages: messages as unknown as Json,
    rules: rulesOf(messages),
    notBefore: notBefore(s.state("lastShownAt"), settings),
    minIntervalSeconds: settings.minIntervalSeconds,
    serverTime: ctx.now,
  };
}

const isPinned = (c: CardRow) => c.userPinned ?? c.content.pinned;

export function cardView(c: CardRow): ContentCardView {
  const { title, body, imageUrl, deepLink, linkLabel } = c.content;
  return {
    id: c.key,
    campaignId: c.campaignId,
    title,
    ...(body !== undefined ? { body } : {}),
    ...(imageUrl !== undefined ? { imageUrl } : {}),
    ...(deepLink !== undefined ? { deepLink } : {}),
    ...(linkLabel !== undefined ? { linkLabel } : {}),
    pinned: isPinned(c),
    read: c.readAt !== null,
    createdAt: c.createdAt,
    expiresAt: c.expiresAt,
  };
}

/** The feed: pinned first, then newest first. */
export function feedView(ctx: UserContext): JsonObject {
  const cards = store(ctx)
    .liveCards(ctx.now)
    .sort((a, b) => Number(isPinned(b)) - Number(isPinned(a)) || b.createdAt - a.createdAt || (a.key < b.key ? -1 : 1))
    .map(cardView);
  return { cards: cards as unknown as Json, unread: cards.filter((c) => !c.read).length };
}

// ───────────────────────── engagement ─────────────────────────

/**
 * What each engagement makes of the journey's record of the send (`campaign_sends`, read by
 * branch conditions `{"message": {"stepId", "status"}}`). The message or card key is the
 * send key (`campaign:step:instance`); operator test sends have no send record and move nothing.
 * An impression (or a card view) is `opened`; a click on any button, a card click or a survey
 * answer (the survey's call to action) is `clicked`; a dismissal implies the impression, so it
 * leaves the send at `opened`. Statuses only move forward (`advances`), so replays change nothing.
 */
function advanceJourneySend(
  ctx: UserContext,
  key: string,
  campaignId: string,
  channel: "in_app" | "content_card",
  status: "opened" | "clicked",
): void {
  const journeys = new JourneyStore(ctx.sql);
  const send = journeys.send(key);
  if (!send || send.channel !== channel || send.campaignId !== campaignId) return;
  if (advances(send.status, status)) journeys.setSendStatus(key, status);
}

export type EngagementOutcome = "recorded" | "duplicate" | "unknown_message" | "invalid";
export interface EngagementResult {
  key: string;
  kind: string;
  outcome: EngagementOutcome;
  problems?: FieldProblem[];
}

/**
 * Records one engagement with an in-app message, once per (message, kind[, button /
 * question]). A click, dismissal or answer implies the impression. The matching event
 * (`In-App Message Clicked`, `Survey Answered`…) is emitted as an internal event for
 * campaigns; a Segment `track` with that name is not engagement (see reserved-events.ts).
 */
export function recordEngagement(ctx: UserContext, e: InAppEngagement, prefix = ""): EngagementResult {
  const s = store(ctx);
  const row = s.message(e.key);
  const result = (outcome: EngagementOutcome, problems?: FieldProblem[]): EngagementResult => ({
    key: e.key,
    kind: e.kind,
    outcome,
    ...(problems ? { problems } : {}),
  });
  if (!row)
    return result("unknown_message", [
      { field: `${prefix}key`, message: "no in-app message with this key for this user" },
    ]);

  if (e.kind === "click" && !row.content.buttons.some((b) => b.id === e.buttonId))
    return result("invalid", [{ field: `${prefix}buttonId`, message: `no button ${e.buttonId} in this message` }]);
  if (e.kind === "answer") {
    const problems = surveyAnswerProblems(row.content.questions ?? [], e.answers, `${prefix}answers`);
    if (problems.length > 0) return result("invalid", problems);
  }

  const base = { campaignId: row.campaignId, key: row.key, variant: row.variant };
  const stat = (kind: "impression" | "clicked" | "dismissed" | "answered") =>
    ctx.recordStat({
      dedupeKey: `${row.key}:${kind}`,
      appId: ctx.config.appId,
      campaignId: row.campaignId,
      variant: row.variant,
      kind,
      userId: ctx.profile.userId,
      at: ctx.now,
    });

  let recorded = false;
  // The impression, explicit or implied by any other engagement.
  if (s.firstTime(`${row.key}:impression`, ctx.now)) {
    recorded = e.kind === "impression";
    s.setMessageStatus(row.key, "shown", ctx.now);
    s.setState("lastShownAt", ctx.now);
    stat("impression");
    advanceJourneySend(ctx, row.key, row.campaignId, "in_app", "opened");
    ctx.timeline.add(ctx.now, "engagement", { channel: "in_app", ...base, kind: "impression" });
    ctx.emit(INAPP_EVENTS.impression, base);
    // Other devices of the person drop it: one person sees a message once.
    ctx.live({ type: "handled", key: row.key });
  }

  switch (e.kind) {
    case "impression":
      break;
    case "click": {
      if (!s.firstTime(`${row.key}:click:${e.buttonId}`, ctx.now)) break;
      recorded = true;
      const button = row.content.buttons.find((b) => b.id === e.buttonId)!;
      s.setMessageStatus(row.key, "closed", ctx.now);
      stat("clicked");
      advanceJourneySend(ctx, row.key, row.campaignId, "in_app", "clicked");
      ctx.timeline.add(ctx.now, "engagement", { channel: "in_app", ...base, kind: "click", buttonId: e.buttonId });
      ctx.emit(INAPP_EVENTS.click, {
        ...base,
        buttonId: e.buttonId,
        ...(button.deepLink ? { deepLink: button.deepLink } : {}),
      });
      break;
    }
    case "dismiss":
      if (!s.firstTime(`${row.key}:dismiss`, ctx.now)) break;
      recorded = true;
      s.setMessageStatus(row.key, "closed", ctx.now);
      stat("dismissed");
      ctx.timeline.add(ctx.now, "engagement", { channel: "in_app", ...base, kind: "dismiss" });
      ctx.emit(INAPP_EVENTS.dismiss, base);
      break;
    case "answer": {
      const fresh = e.answers.filter((a) => s.firstTime(`${row.key}:answer:${a.questionId}`, ctx.now));
      if (fresh.length === 0) break;
      recorded = true;
      s.setMessageStatus(row.key, "closed", ctx.now);
      stat("answered");
      advanceJourneySend(ctx, row.key, row.campaignId, "in_app", "clicked");
      for (const a of fresh) {
        s.saveAnswer(a.questionId, a.answer, row.key, ctx.now);
        ctx.timeline.add(ctx.now, "engagement", {
          channel: "in_app",
          ...base,
          kind: "answer",
          questionId: a.questionId,
          answer: a.answer,
        });
        ctx.emit(INAPP_EVENTS.answer, { ...base, questionId: a.questionId, answer: a.answer });
      }
      // Answers are segment attributes (`survey.<questionId>` on the users index).
      ctx.touchIndex(true);
      break;
    }
  }
  return result(recorded ? "recorded" : "duplicate");
}

export interface CardActionResult {
  card: ContentCardView | null;
  outcome: "recorded" | "duplicate" | "unknown_card";
}

/** A person acts on a card: viewed, read, clicked, dismissed, pinned or unpinned — counted once each. */
export function cardAction(ctx: UserContext, id: string, action: CardAction): CardActionResult {
  const s = store(ctx);
  const card = s.card(id);
  if (!card || card.expiresAt <= ctx.now) return { card: null, outcome: "unknown_card" };
  const base = { campaignId: card.campaignId, cardId: card.key, variant: card.variant };
  const stat = (kind: "impression" | "clicked" | "dismissed") =>
    ctx.recordStat({
      dedupeKey: `${card.key}:${kind}`,
      appId: ctx.config.appId,
      campaignId: card.campaignId,
      variant: card.variant,
      kind,
      userId: ctx.profile.userId,
      at: ctx.now,
    });
  let outcome: CardActionResult["outcome"] = "duplicate";
  const once = (suffix: string) => s.firstTime(`${card.key}:card:${suffix}`, ctx.now);

  // A click or dismissal implies the card was seen.
  if ((action === "view" || action === "click" || action === "dismiss") && once("view")) {
    if (action === "view") outcome = "recorded";
    s.markCard(card.key, "viewed_at", ctx.now);
    stat("impression");
    advanceJourneySend(ctx, card.key, card.campaignId, "content_card", "opened");
    ctx.emit(CARD_EVENTS.view, base);
  }
  switch (action) {
    case "view":
      break;
    case "read":
      if (card.readAt === null) outcome = "recorded";
      s.markCard(card.key, "read_at", ctx.now);
      break;
    case "click":
      s.markCard(card.key, "read_at", ctx.now);
      if (!once("click")) break;
      outcome = "recorded";
      s.markCard(card.key, "clicked_at", ctx.now);
      stat("clicked");
      advanceJourneySend(ctx, card.key, card.campaignId, "content_card", "clicked");
      ctx.timeline.add(ctx.now, "engagement", { channel: "content_card", ...base, kind: "click" });
      ctx.emit(CARD_EVENTS.click, { ...base, ...(card.content.deepLink ? { deepLink: card.content.deepLink } : {}) });
      break;
    case "dismiss":
      if (!once("dismiss")) break;
      outcome = "recorded";
      s.markCard(card.key, "dismissed_at", ctx.now);
      stat("dismissed");
      ctx.timeline.add(ctx.now, "engagement", { channel: "content_card", ...base, kind: "dismiss" });
      ctx.emit(CARD_EVENTS.dismiss, base);
      break;
    case "pin":
    case "unpin":
      if (isPinned(card) !== (action === "pin")) outcome = "recorded";
      s.pinCard(card.key, action === "pin");
      break;
  }
  const after = s.card(card.key)!;
  // Other devices refresh their feed on visible changes (not on views, which every device reports).
  if (outcome === "recorded" && action !== "view")
    ctx.live({ type: "cards", unread: s.counts(ctx.now).unreadCards, changed: card.key });
  return { card: after.dismissedAt === null ? cardView(after) : null, outcome };
}

// ───────────────────────── the feature ─────────────────────────

const EngageArgs = InAppEngagement.array().max(50);

/**
 * Identity merge hooks, called by the UserObject's handover and absorb: the
 * anonymous object's `handOver(sql)` result travels in the Handover and the identified
 * object `absorb`s it, so messages and cards delivered before sign-in survive it.
 */
export interface MergeHooks {
  handOver(sql: SqlStorage): Json;
  absorb(ctx: UserContext, data: Json): void;
}

export const inAppFeature: UserFeature & MergeHooks = {
  name: "inapp",
  schema: INAPP_SCHEMA,

  handOver: (sql) => new InAppStore(sql).dump() as unknown as Json,
  absorb(ctx, data) {
    if (!data || typeof data !== "object" || Array.isArray(data)) return;
    store(ctx).absorb(data as unknown as Parameters<InAppStore["absorb"]>[0]);
    scheduleGc(ctx);
  },

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
    pending: (ctx) => pendingView(ctx),
    cards: (ctx) => feedView(ctx),
    engage: (ctx, args) => {
      const events = EngageArgs.parse((args as { events?: unknown } | null)?.events ?? []);
      return { results: events.map((e, i) => recordEngagement(ctx, e, `events.${i}.`)) as unknown as Json };
    },
    card: (ctx, args) => {
      const a = args as { id?: unknown; action?: unknown };
      if (typeof a.id !== "string" || !CARD_ACTIONS.includes(a.action as CardAction))
        throw new Error("card: expected {id, action}");
      return cardAction(ctx, a.id, a.action as CardAction) as unknown as Json;
    },
    /** Operator test sends (admin API) and tests; campaigns call deliverInApp directly. */
    deliver: (ctx, args) => ({ stored: deliverInApp(ctx, args as unknown as InAppDelivery) }),
    addCard: (ctx, args) => ({ stored: addContentCard(ctx, args as unknown as CardDelivery) }),
  },

  onLiveConnect(ctx) {
    return [{ type: "sync", ...pendingView(ctx), cards: { unread: store(ctx).counts(ctx.now).unreadCards } }];
  },

  onLiveMessage(ctx, message) {
    // Apps may report engagement over the socket: {type:"engage", events:[…]}.
    const m = message as { type?: unknown; events?: unknown } | null;
    if (!m || m.type !== "engage") return;
    const parsed = EngageArgs.safeParse(m.events);
    if (!parsed.success) return;
    for (const e of parsed.data) recordEngagement(ctx, e);
  },
};
