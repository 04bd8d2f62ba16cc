import { h, injectStyles } from "./dom";

/**
 * The content-card feed component: a list of cards (pinned first, unread marked),
 * each with its link, a pin toggle and a dismiss button. Cards are reported as
 * viewed once when shown; a link click counts as a click and marks the card read.
 */

export interface Card {
  id: string;
  campaignId: string;
  title: string;
  body?: string;
  imageUrl?: string;
  deepLink?: string;
  linkLabel?: string;
  pinned: boolean;
  read: boolean;
  createdAt: number;
}

export type CardAction = "view" | "read" | "click" | "dismiss" | "pin" | "unpin";

export interface FeedHost {
  fetchCards(): Promise<{ cards: Card[]; unread: number }>;
  cardAction(id: string, action: CardAction): Promise<unknown>;
  openLink(url: string): void;
  onCardsChanged(fn: () => void): () => void;
}

export interface FeedOptions {
  /** Text when the feed is empty. */
  emptyText?: string;
  /** Called with the unread count after each render (badges). */
  onUnread?: (n: number) => void;
}

export interface Feed {
  refresh(): Promise<void>;
  destroy(): void;
}

export function mountFeed(el: HTMLElement, host: FeedHost, opts: FeedOptions = {}): Feed {
  injectStyles();
  const viewed = new Set<string>();
  let destroyed = false;

  const render = (cards: Card[], unread: number) => {
    if (destroyed) return;
    opts.onUnread?.(unread);
    if (cards.length === 0) {
      el.replaceChildren(h("p", { class: "bk-empty" }, opts.emptyText ?? "No messages yet."));
      return;
    }
    const list = h("ul", { class: "bk-cards", "aria-label": "Messages" });
    for (const card of cards) {
      const titleId = `bk-card-${cssSafe(card.id)}`;
      const actions = h("div", { class: "bk-buttons" });
      if (card.deepLink) {
        const open = h(
          "button",
          { type: "button", class: "bk-btn bk-primary", "aria-describedby": titleId },
          card.linkLabel ?? "Open",
        );
        open.onclick = () => void host.cardAction(card.id, "click").finally(() => host.openLink(card.deepLink!));
        actions.append(open);
      } else if (!card.read) {
        const read = h("button", { type: "button", class: "bk-btn", "aria-describedby": titleId }, "Mark as read");
        read.onclick = () => void host.cardAction(card.id, "read").then(refresh);
        actions.append(read);
      }
      const pin = h(
        "button",
        {
          type: "button",
          class: "bk-btn",
          "aria-pressed": String(card.pinned),
          "aria-label": `${card.pinned ? "Unpin" : "Pin"} ${card.title}`,
        },
        card.pinned ? "Unpin" : "Pin",
      );
      pin.onclick = () => void host.cardAction(card.id, card.pinned ? "unpin" : "pin").then(refresh);
      const dismiss = h(
        "button",
        { type: "button", class: "bk-btn", "aria-label": `Dismiss ${card.title}` },
        "Dismiss",
      );
      dismiss.onclick = () => void host.cardAction(card.id, "dismiss").then(refresh);
      actions.append(pin, dismiss);
      list.append(
        h(
          "li",
          { class: `bk-card${card.read ? "" : " bk-unread"}`, "data-card-id": card.id, "aria-labelledby": titleId },
          card.imageUrl ? h("img", { src: card.imageUrl, alt: "" }) : null,
          h("h3", { id: titleId }, card.title, card.pinned ? " 📌" : "", card.read ? "" : h("small", {}, " · new")),
          card.body ? h("p", {}, card.body) : null,
          actions,
        ),
      );
      if (!viewed.has(card.id)) {
        viewed.add(card.id);
        void host.cardAction(card.id, "view");
      }
    }
    el.replaceChildren(list);
  };

  async function refresh(): Promise<void> {
    try {
      const { cards, unread } = await host.fetchCards();
      render(cards, unread);
    } catch (err) {
      console.warn("beckon: could not load cards", err);
    }
  }

  const unsubscribe = host.onCardsChanged(() => void refresh());
  void refresh();
  return {
    refresh,
    destroy() {
      destroyed = true;
      unsubscribe();
      el.replaceChildren();
    },
  };
}

const cssSafe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_");
