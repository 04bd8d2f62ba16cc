import type { Channel } from "./channel";

/**
 * One message to one person on one channel, as it travels on the SENDS queue.
 * `idempotencyKey` (campaign:step:trigger-instance) is recorded in the UserObject
 * before the job is enqueued and checked by the consumer before the provider call.
 */
export interface SendJob {
  idempotencyKey: string;
  appId: string;
  userId: string;
  /** The person's UserObject name, for feedback (status, invalid tokens, opt-outs). */
  userObject: string;
  campaignId: string;
  campaignVersion: number;
  stepId: string;
  variant: string;
  channel: Channel;
  /** Where to: device tokens / subscriptions, email, phone, webhook URL. Resolved at decision time. */
  to: SendAddress;
  /** Rendered content. */
  content: RenderedContent;
  /** Marketing or transactional: marketing email gets List-Unsubscribe headers. */
  category: "marketing" | "transactional";
  createdAt: number;
  attempt?: number;
  /** A test send from the console (key `test:…`): sent for real, never counted in campaign stats. */
  test?: true;
  /** Set when the person's outbox enqueued the job again because the consumer never reported on it. */
  resend?: number;
}

export type SendAddress =
  | { kind: "push"; devices: PushTarget[] }
  | { kind: "email"; email: string }
  | { kind: "sms"; phone: string }
  | { kind: "whatsapp"; phone: string }
  | { kind: "webhook"; url: string }
  | { kind: "none" };

export interface PushTarget {
  provider: "fcm" | "apns" | "webpush";
  platform: "android" | "ios" | "web";
  token: string;
  /** Web Push subscription (endpoint + keys). */
  subscription?: { endpoint: string; keys: { p256dh: string; auth: string } };
}

export interface RenderedContent {
  title?: string;
  body?: string;
  subject?: string;
  html?: string;
  text?: string;
  deepLink?: string;
  imageUrl?: string;
  data?: Record<string, string>;
  /** WhatsApp template message. */
  template?: { name: string; language: string; parameters?: string[] };
  /** Webhook channel: JSON body. */
  payload?: Record<string, unknown>;
}
