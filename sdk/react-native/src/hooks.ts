import { useMemo, useSyncExternalStore } from "react";
import type { Card, CardAction } from "../../core/cards";
import { contentOf, type InAppButton, type InAppContent, type SurveyAnswer } from "../../core/inapp";
import type { PendingMessage } from "../../core/rules";
import {
  cardAction,
  clickInAppButton,
  currentCards,
  currentInAppMessage,
  dismissInAppMessage,
  onCards,
  onInAppMessage,
  refreshCards,
  submitSurvey,
} from "./inapp";

/** Headless hooks over the SDK's in-app and card state (they work before `init`: empty until it loads). */

export interface InAppMessageHandle {
  /** The message to draw now, or null. */
  message: PendingMessage | null;
  content: InAppContent | null;
  /** Reports a click on the button and follows its deep link; the message closes. */
  click(button: InAppButton): void;
  /** Reports a dismissal; the message closes. */
  dismiss(): void;
  /** Reports survey answers; the message closes. */
  submit(answers: SurveyAnswer[]): void;
}

/** Headless in-app messages: the current message and the calls that report what the person did with it. */
export function useInAppMessage(): InAppMessageHandle {
  const message = useSyncExternalStore(onInAppMessage, currentInAppMessage, currentInAppMessage);
  return useMemo(
    () => ({
      message,
      content: message ? contentOf(message) : null,
      click: (b: InAppButton) => message && clickInAppButton(message.key, b),
      dismiss: () => message && dismissInAppMessage(message.key),
      submit: (answers: SurveyAnswer[]) => message && submitSurvey(message.key, answers),
    }),
    [message],
  );
}

export interface ContentCardsHandle {
  cards: Card[];
  unread: number;
  refresh(): Promise<void>;
  /** view, read, click (follows the link), dismiss, pin, unpin: applied at once, reported to Beckon. */
  act(cardId: string, action: CardAction): Promise<unknown>;
}

/** The person's content cards: shown from storage at start, refreshed from the server and live. */
export function useContentCards(): ContentCardsHandle {
  const cards = useSyncExternalStore(onCards, currentCards, currentCards);
  return useMemo(
    () => ({ cards, unread: cards.filter((c) => !c.read).length, refresh: refreshCards, act: cardAction }),
    [cards],
  );
}
