import { type Feed, type FeedOptions, mountFeed } from "./cards";
import { type Card, type CardAction, CardFeed } from "./core/cards";
import { type Engagement, engagementQueue } from "./core/engagement";
import { uuid } from "./core/identity";
import { InAppState, type PendingView } from "./core/inapp";
import { LiveConnection } from "./core/live";
import type { OfflineQueue } from "./core/queue";
import type { PendingMessage } from "./core/rules";
import { type Answer, renderMessage } from "./render";
import { fire, getJson, id, key, opts, post, query, storage, who } from "./session";

/**
 * What the web SDK shows the person: in-app messages (fetched on start, pushed over the live
 * connection, drawn when pacing allows, engagement reported), and the content-card feed.
 */

/** Which message shows when (shared with React Native): pending list, display rules, pacing, shown-once. */
export let inApp: InAppState;
let inAppLoaded: Promise<void> = Promise.resolve();
/** The person's card feed (shared with React Native): stored for the next load, actions applied at once. */
export let feed: CardFeed;
export let engagements: OfflineQueue<Engagement>;
let live: LiveConnection | null = null;

/** Loads the stored messages, cards and unsent engagement (once, from `init`). */
export function startMessages(): void {
  engagements = engagementQueue({
    host: opts.host,
    writeKey: opts.writeKey,
    storage,
    storageKey: key("engage"),
    identity: id,
  });
  inApp = new InAppState({ storage, key, person: () => id.userId ?? id.anonymousId, onChange: (m) => m && show(m) });
  inAppLoaded = inApp.load();
  feed = new CardFeed({
    storage,
    // Per person: a shared computer shows each person their own feed.
    key: () => key(`cards:${id.userId ?? id.anonymousId}`),
    fetchCards: () => getJson("/v1/cards"),
    sendAction: async (card, action) => (await post(`/v1/cards/${encodeURIComponent(card)}/${action}`, {})).json(),
  });
  feed.subscribe((cards) => fire("cards", cards));
  void feed.load();
}

/** Fetches the pending messages and (re)opens the live connection for the current person. */
export async function startInApp(): Promise<void> {
  try {
    const view = await getJson<PendingView>("/v1/in-app");
    await inAppLoaded;
    inApp.apply(view, true);
  } catch (err) {
    console.warn("beckon: could not load in-app messages", err);
  }
  if (!opts.live) return;
  live?.close();
  // Checked at each (re)connect: an expired token is refreshed first (a refused upgrade has no readable status).
  live = new LiveConnection(async () => {
    if (id.userToken && id.tokenExpired()) await id.refresh();
    return `${opts.host.replace(/^http/, "ws")}/v1/connect?${query()}`;
  }, onLive);
}

export function closeLive(): void {
  live?.close();
  live = null;
}

function onLive(m: Record<string, unknown>): void {
  fire("live", m);
  switch (m.type) {
    case "sync":
      inApp.apply(m as unknown as PendingView, true);
      void feed.refresh();
      break;
    case "inapp":
      inApp.apply(m as unknown as PendingView, false);
      break;
    case "handled":
      // Shown on another device of the same person.
      inApp.handled(String(m.key));
      break;
    case "cards":
      // A card added or changed (on another device too): the feed is fetched again.
      void feed.refresh();
      break;
  }
}

/** InAppState chose `next` (pacing allowed it): draw it and report what the person does. */
function show(next: PendingMessage): void {
  const done = () => inApp.close();
  // Engagement is reported to `/v1/in-app/events` for the person who saw it (not through `track`, so not
  // behind analytics consent: in-app messages need no opt-in, and stats and the person's other devices
  // must learn it was handled). The matching event still runs this device's display rules.
  const viewer = who();
  const local = (name: string, properties: Record<string, unknown> = {}) =>
    inApp.trigger(name, { key: next.key, campaignId: next.campaignId, ...properties });
  const engage = (event: Record<string, unknown>, name?: string, properties?: Record<string, unknown>) => {
    engagements.push({ messageId: uuid(), who: viewer, event: { key: next.key, ...event } });
    if (name) local(name, properties);
  };
  renderMessage(next, {
    onClick(b) {
      engage({ kind: "click", buttonId: b.id }, "In-App Message Clicked", {
        buttonId: b.id,
        ...(b.deepLink ? { deepLink: b.deepLink } : {}),
      });
      fire("inapp:click", { key: next.key, buttonId: b.id });
      done();
      if (b.action === "deeplink" && b.deepLink) openLink(b.deepLink);
    },
    onDismiss() {
      engage({ kind: "dismiss" }, "In-App Message Dismissed");
      fire("inapp:dismiss", { key: next.key });
      done();
    },
    onSubmit(answers: Answer[]) {
      if (answers.length > 0) engage({ kind: "answer", answers });
      for (const a of answers) local("Survey Answered", a);
      fire("inapp:answer", { key: next.key, answers });
      done();
    },
  });
  engage({ kind: "impression" }, "In-App Message Viewed");
  fire("inapp:shown", next);
}

function openLink(url: string): void {
  if (opts.onDeepLink?.(url) === true) return;
  // Web links and app links navigate; script URLs never run (the server refuses them too).
  if (!/^\s*(javascript|data|vbscript):/i.test(url)) location.assign(url);
}

/** The person's card feed (the same on every device), fetched now; the stored one if the server cannot answer. */
export async function getCards(): Promise<{ cards: Card[]; unread: number }> {
  await feed.refresh();
  return { cards: feed.cards, unread: feed.unread };
}

/** Reports a card action (view, read, click, dismiss, pin, unpin), applied to the feed at once; resolves with the server's answer. */
export function cardAction(cardId: string, action: CardAction): Promise<unknown> {
  return feed.act(cardId, action);
}

/** Renders the card feed into `el` and keeps it current (live updates, this device's actions at once). */
export function mountCards(el: HTMLElement, options: FeedOptions = {}): Feed {
  return mountFeed(el, feed, openLink, options);
}
