import { readItem, writeItem } from "./identity";
import type { KeyValueStorage } from "./queue";

/**
 * The person's content-card feed (`GET /v1/cards`), the same on every device: kept in
 * storage so it shows at once (and offline) on the next start, refreshed from the server,
 * and changed optimistically by the person's actions (read, dismiss, pin) before the
 * server answers. Platform-free: platforms subscribe and draw.
 */
export interface Card {
  id: string;
  campaignId: string;
  title: string;
  body?: string;
  imageUrl?: string;
  /** The image's text alternative (absent: decorative). */
  imageAlt?: string;
  deepLink?: string;
  linkLabel?: string;
  pinned: boolean;
  read: boolean;
  createdAt: number;
  expiresAt?: number;
}

export type CardAction = "view" | "read" | "click" | "dismiss" | "pin" | "unpin";

export interface CardFeedOptions {
  storage: KeyValueStorage | null;
  key: () => string;
  fetchCards: () => Promise<{ cards: Card[] }>;
  sendAction: (id: string, action: CardAction) => Promise<unknown>;
  now?: () => number;
}

/** Pinned first, then newest (the server's order). */
const order = (cards: Card[]) =>
  [...cards].sort((a, b) => Number(b.pinned) - Number(a.pinned) || b.createdAt - a.createdAt);

export class CardFeed {
  cards: Card[] = [];
  private readonly o: CardFeedOptions;
  private readonly listeners = new Set<(cards: Card[]) => void>();
  private readonly viewed = new Set<string>();

  constructor(options: CardFeedOptions) {
    this.o = options;
  }

  get unread(): number {
    return this.cards.filter((c) => !c.read).length;
  }

  subscribe(listener: (cards: Card[]) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** The feed stored by an earlier run (unexpired cards only). */
  async load(): Promise<void> {
    try {
      const raw = await readItem(this.o.storage, this.o.key());
      const now = this.o.now?.() ?? Date.now();
      const stored = (raw ? JSON.parse(raw) : []) as Card[];
      if (this.cards.length === 0 && Array.isArray(stored))
        this.set(
          stored.filter((c) => !c.expiresAt || c.expiresAt > now),
          false,
        );
    } catch {
      // corrupt storage: the server's feed replaces it
    }
  }

  /** Replaces the feed with the server's; on failure the stored feed stays. */
  async refresh(): Promise<void> {
    try {
      const { cards } = await this.o.fetchCards();
      if (!Array.isArray(cards)) throw new Error("no cards in the response");
      this.set(cards, true);
    } catch (err) {
      console.warn("beckon: could not load cards", err);
    }
  }

  /** Reports an action and applies it here at once. A card is reported as viewed once per run. */
  act(id: string, action: CardAction): Promise<unknown> {
    if (action === "view") {
      if (this.viewed.has(id)) return Promise.resolve();
      this.viewed.add(id);
    }
    const changed = this.cards.flatMap((c): Card[] => {
      if (c.id !== id) return [c];
      if (action === "dismiss") return [];
      if (action === "read" || action === "click") return [{ ...c, read: true }];
      if (action === "pin" || action === "unpin") return [{ ...c, pinned: action === "pin" }];
      return [c];
    });
    if (action !== "view") this.set(changed, true);
    return this.o.sendAction(id, action).catch((err: unknown) => console.warn(`beckon: card ${action} failed`, err));
  }

  /** Sign-out: the next person has their own feed. */
  clear(): void {
    this.viewed.clear();
    this.set([], true);
  }

  private set(cards: Card[], persist: boolean): void {
    this.cards = order(cards);
    if (persist) writeItem(this.o.storage, this.o.key(), this.cards.length ? JSON.stringify(this.cards) : null);
    for (const l of this.listeners) l(this.cards);
  }
}
