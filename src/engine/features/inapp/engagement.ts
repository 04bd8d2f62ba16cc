import type { UserContext } from "../../feature";
import type { FieldProblem } from "../../../kernel/errors";
import type { CampaignSendLedger } from "../../ports";
import type { CardActionResult, EngagementOutcome, EngagementResult } from "./inapp-commands";
import { CARD_EVENTS, type CardAction, INAPP_EVENTS, type InAppEngagement } from "../../../domain/inapp/model";
import { surveyAnswerProblems } from "../../../domain/inapp/survey";
import { InAppStore } from "./store";
import { cardView, isPinned } from "./views";

const store = (ctx: UserContext) => new InAppStore(ctx.sql);

/**
 * Engagement with in-app messages and cards. What each engagement makes of the journey's record of
 * the send (`campaign_sends`, read by branch conditions `{"message": {"stepId", "status"}}`, moved
 * through the `CampaignSendLedger` port, engine/ports.ts). The message or card key is the
 * send key (`campaign:step:instance`); operator test sends have no send record and move nothing.
 * An impression (or a card view) is `opened`; a click on any button, a card click or a survey
 * answer (the survey's call to action) is `clicked`; a dismissal implies the impression, so it
 * leaves the send at `opened`. Statuses only move forward (`advances`), so replays change nothing.
 */

/**
 * Records one engagement with an in-app message, once per (message, kind[, button /
 * question]). A click, dismissal or answer implies the impression. The matching event
 * (`In-App Message Clicked`, `Survey Answered`…) is emitted as an internal event for
 * campaigns; a Segment `track` with that name is not engagement (see reserved-events.ts).
 */
export function recordEngagement(
  sends: CampaignSendLedger,
  ctx: UserContext,
  e: InAppEngagement,
  prefix = "",
): EngagementResult {
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
    sends.advance(ctx, row.key, row.campaignId, "in_app", "opened");
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
      sends.advance(ctx, row.key, row.campaignId, "in_app", "clicked");
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
      sends.advance(ctx, row.key, row.campaignId, "in_app", "clicked");
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

/** A person acts on a card: viewed, read, clicked, dismissed, pinned or unpinned — counted once each. */
export function cardAction(
  sends: CampaignSendLedger,
  ctx: UserContext,
  id: string,
  action: CardAction,
): CardActionResult {
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
    sends.advance(ctx, card.key, card.campaignId, "content_card", "opened");
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
      sends.advance(ctx, card.key, card.campaignId, "content_card", "clicked");
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
