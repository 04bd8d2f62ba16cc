import type { Identity } from "./identity";
import { type KeyValueStorage, OfflineQueue } from "./queue";

/**
 * In-app engagement (impression, click, dismiss, survey answers) for the person who saw
 * the message, queued to `POST /v1/in-app/events`. Not behind analytics consent: message
 * state must reach the server so stats count and the person's other devices learn the
 * message was handled. Idempotent per message on the server, so a resend counts once.
 */
export interface Engagement {
  messageId: string;
  who: Record<string, string>;
  event: Record<string, unknown>;
}

export function engagementQueue(o: {
  host: string;
  writeKey: string;
  storage: KeyValueStorage | null;
  storageKey: string;
  identity: Identity;
}): OfflineQueue<Engagement> {
  return new OfflineQueue<Engagement>({
    url: `${o.host}/v1/in-app/events`,
    writeKey: o.writeKey,
    storage: o.storage,
    storageKey: o.storageKey,
    flushAt: 1,
    flushInterval: 0,
    maxQueued: 200,
    // One person per request (the message is in their object), at most the endpoint's 50 events.
    take(items) {
      const w = JSON.stringify(items[0]!.who);
      let n = 0;
      while (n < items.length && n < 50 && JSON.stringify(items[n]!.who) === w) n++;
      return items.slice(0, n);
    },
    body: (batch) => ({ writeKey: o.writeKey, ...batch[0]!.who, events: batch.map((e) => e.event) }),
    auth: () => o.identity.tokenField(),
    refresh: (res) => o.identity.refresh(res),
    // 404: that person's object is gone (merged away); it can never succeed.
    drop: [400, 401, 403, 404, 413],
  });
}
