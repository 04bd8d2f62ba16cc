import type { Card, CardAction } from "../../core/cards";
import type { InAppButton, InAppContent, PendingView, SurveyAnswer } from "../../core/inapp";
import { uuid } from "../../core/identity";
import { LiveConnection } from "../../core/live";
import type { PendingMessage } from "../../core/rules";
import { getJson, openDeepLink, personQuery, session, started } from "./session";

/**
 * In-app messages on React Native: the pending list fetched at app open (and on return
 * to the foreground), messages pushed over the live socket while the app is open, and
 * the person's engagement reported to `/v1/in-app/events` exactly as the web SDK does
 * (impression when shown; click, dismiss or answers once; the matching SDK events run
 * this device's display rules). Drawing is `<BeckonInAppHost/>`'s job, or the app's
 * through `useInAppMessage()`.
 */

type Listener = (message: PendingMessage | null) => void;
const listeners = new Set<Listener>();
let onScreen: PendingMessage | null = null;
/** A message of the app's own (the push pre-prompt): drawn by the host over Beckon's, never reported. */
let local: { message: PendingMessage; answer: (buttonId: string | null) => void } | null = null;
let live: LiveConnection | null = null;

/** The message to draw now (null: none). */
export const currentInAppMessage = (): PendingMessage | null => local?.message ?? onScreen;
const emit = () => {
  const m = currentInAppMessage();
  for (const l of listeners) l(m);
};

/** Calls back whenever the message to draw changes; returns an unsubscribe function. */
export function onInAppMessage(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** InAppState's onChange: a message was chosen (report its impression) or closed. */
export function notifyInApp(message: PendingMessage | null): void {
  onScreen = message;
  if (message) engage(message, { kind: "impression" }, "In-App Message Viewed");
  emit();
}

/** Loads the person's pending messages and cards, and (re)opens the live socket. */
export async function startInApp(): Promise<void> {
  if (!started()) return;
  const s = session();
  try {
    s.inApp.apply(await getJson<PendingView>("/v1/in-app"), true);
  } catch (err) {
    console.warn("beckon: could not load in-app messages", err);
  }
  void s.cards.refresh();
  if (!s.opts.live || !started()) return;
  live?.close();
  // Built at each (re)connect: an expired token is refreshed first (a refused upgrade has no readable status).
  live = new LiveConnection(async () => {
    if (s.id.userToken && s.id.tokenExpired()) await s.id.refresh();
    return `${s.opts.host.replace(/^http/, "ws")}/v1/connect?${personQuery(s)}`;
  }, onLive);
}

export function stopLive(): void {
  live?.close();
  live = null;
}

/** Whether the socket is open (tests, diagnostics). */
export const liveConnected = (): boolean => live?.connected ?? false;

function onLive(m: Record<string, unknown>): void {
  if (!started()) return;
  const s = session();
  switch (m.type) {
    case "sync":
      s.inApp.apply(m as unknown as PendingView, true);
      void s.cards.refresh();
      break;
    case "inapp":
      s.inApp.apply(m as unknown as PendingView, false);
      break;
    case "handled":
      // Shown on another device of the same person.
      s.inApp.handled(String(m.key));
      break;
    case "cards":
      void s.cards.refresh();
      break;
  }
}

export const refreshCards = (): Promise<void> => session().cards.refresh();

function engage(
  message: PendingMessage,
  event: Record<string, unknown>,
  name?: string,
  properties: Record<string, unknown> = {},
): void {
  const s = session();
  s.engagements.push({ messageId: uuid(), who: s.id.who(), event: { key: message.key, ...event } });
  if (name) s.inApp.trigger(name, { key: message.key, campaignId: message.campaignId, ...properties });
}

/** Acts on the message on screen only: a stale tap on a closed message reports nothing. */
function onCurrent(key: string, fn: (m: PendingMessage) => void, buttonId: string | null = null): void {
  if (local?.message.key === key) {
    const { answer } = local;
    local = null;
    emit();
    answer(buttonId);
    return;
  }
  if (!started() || onScreen?.key !== key) return;
  const message = onScreen;
  fn(message);
  session().inApp.close();
}

/** The person pressed a button: a click on it, then its deep link. */
export function clickInAppButton(key: string, button: InAppButton): void {
  onCurrent(
    key,
    (m) => {
      engage(m, { kind: "click", buttonId: button.id }, "In-App Message Clicked", {
        buttonId: button.id,
        ...(button.deepLink ? { deepLink: button.deepLink } : {}),
      });
      if (button.action === "deeplink" && button.deepLink) openDeepLink(button.deepLink);
    },
    button.id,
  );
}

/** The person closed the message (close button, back button, swipe). */
export function dismissInAppMessage(key: string): void {
  onCurrent(key, (m) => engage(m, { kind: "dismiss" }, "In-App Message Dismissed"));
}

/** The person submitted a survey. */
export function submitSurvey(key: string, answers: SurveyAnswer[]): void {
  onCurrent(key, (m) => {
    if (answers.length > 0) engage(m, { kind: "answer", answers });
    for (const a of answers) session().inApp.trigger("Survey Answered", { key: m.key, campaignId: m.campaignId, ...a });
  });
}

// ───────────────────────── content cards ─────────────────────────

const cardListeners = new Set<(cards: Card[]) => void>();
const NO_CARDS: Card[] = [];

/** The person's feed as last loaded or stored (pinned first, then newest). */
export const currentCards = (): Card[] => (started() ? session().cards.cards : NO_CARDS);

/** Calls back whenever the feed changes (works before `init`); returns an unsubscribe function. */
export function onCards(listener: (cards: Card[]) => void): () => void {
  cardListeners.add(listener);
  return () => void cardListeners.delete(listener);
}

/** CardFeed's subscriber, forwarded to the app's listeners (which may subscribe before init). */
export const notifyCards = (cards: Card[]): void => {
  for (const l of cardListeners) l(cards);
};

/** Reports a card action (view, read, click, dismiss, pin, unpin), applied here at once; a click follows the card's link. */
export function cardAction(cardId: string, action: CardAction): Promise<unknown> {
  const s = session();
  const card = s.cards.cards.find((c) => c.id === cardId);
  const done = s.cards.act(cardId, action);
  if (action === "click" && card?.deepLink) openDeepLink(card.deepLink);
  return done;
}

/**
 * Shows a message of the app's own through the in-app host (e.g. the push pre-prompt) and
 * resolves with the pressed button's id, or null when dismissed. Nothing is reported to Beckon.
 */
export function showLocalMessage(content: InAppContent): Promise<string | null> {
  local?.answer(null);
  return new Promise((resolve) => {
    const now = Date.now();
    local = {
      message: {
        key: `local:${uuid()}`,
        campaignId: "local",
        priority: 100,
        createdAt: now,
        expiresAt: now + 3_600_000,
        content: content as unknown as PendingMessage["content"],
      },
      answer: resolve,
    };
    emit();
  });
}
