import type { CardFeed } from "./core/cards";
import { h, injectStyles } from "./dom";

/**
 * The content-card feed component: draws the core's CardFeed (the same model React Native
 * uses: stored for the next page load, pinned first, actions applied at once, views reported
 * once) as a list of cards, unread marked, each with its link, a pin toggle and a dismiss
 * button. A link click counts as a click and marks the card read.
 */

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

export function mountFeed(
  el: HTMLElement,
  feed: CardFeed,
  openLink: (url: string) => void,
  opts: FeedOptions = {},
): Feed {
  injectStyles();
  const button = (label: string, attrs: Record<string, string>, onclick: () => void) => {
    const b = h("button", { type: "button", class: "bk-btn", ...attrs }, label);
    b.onclick = onclick;
    return b;
  };

  const render = () => {
    const cards = feed.cards;
    opts.onUnread?.(feed.unread);
    if (cards.length === 0) {
      el.replaceChildren(h("p", { class: "bk-empty" }, opts.emptyText ?? "No messages yet."));
      return;
    }
    const list = h("ul", { class: "bk-cards", "aria-label": "Messages" });
    for (const card of cards) {
      const titleId = `bk-card-${card.id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
      const act = (a: Parameters<CardFeed["act"]>[1]) => feed.act(card.id, a);
      const actions = h("div", { class: "bk-buttons" });
      if (card.deepLink)
        actions.append(
          button(card.linkLabel ?? "Open", { class: "bk-btn bk-primary", "aria-describedby": titleId }, () => {
            // After the server has the click: following the link may unload the page.
            void act("click").finally(() => openLink(card.deepLink!));
          }),
        );
      else if (!card.read)
        actions.append(button("Mark as read", { "aria-describedby": titleId }, () => void act("read")));
      actions.append(
        button(
          card.pinned ? "Unpin" : "Pin",
          { "aria-pressed": String(card.pinned), "aria-label": `${card.pinned ? "Unpin" : "Pin"} ${card.title}` },
          () => void act(card.pinned ? "unpin" : "pin"),
        ),
        button("Dismiss", { "aria-label": `Dismiss ${card.title}` }, () => void act("dismiss")),
      );
      list.append(
        h(
          "li",
          { class: `bk-card${card.read ? "" : " bk-unread"}`, "data-card-id": card.id, "aria-labelledby": titleId },
          card.imageUrl ? h("img", { src: card.imageUrl, alt: card.imageAlt ?? "" }) : null,
          h("h3", { id: titleId }, card.title, card.pinned ? " 📌" : "", card.read ? "" : h("small", {}, " · new")),
          card.body ? h("p", {}, card.body) : null,
          actions,
        ),
      );
      // Reported once per page load by the feed.
      void act("view");
    }
    el.replaceChildren(list);
  };

  const unsubscribe = feed.subscribe(render);
  render();
  void feed.refresh();
  return {
    refresh: () => feed.refresh(),
    destroy() {
      unsubscribe();
      el.replaceChildren();
    },
  };
}
