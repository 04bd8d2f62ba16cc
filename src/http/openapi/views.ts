import "@hono/zod-openapi"; // extends zod with .openapi()
import * as z from "zod";

/**
 * Response shapes that exist only as TypeScript interfaces in the domain modules (the
 * UserObject's views), written as zod for the OpenAPI document. Objects are `loose`: a field
 * added to the profile later shows up in responses before it is described here.
 */
const Millis = z.number().openapi({ description: "epoch milliseconds", example: 1767225600000 });
const ConsentStatus = z.enum(["opted_in", "opted_out", "unknown"]);

export const DeviceView = z
  .object({
    token: z.string().openapi({ description: "the push token, or the Web Push endpoint" }),
    provider: z.enum(["fcm", "apns", "webpush"]),
    platform: z.enum(["android", "ios", "web"]),
    subscription: z
      .object({ endpoint: z.string(), keys: z.object({ p256dh: z.string(), auth: z.string() }) })
      .nullable(),
    status: z.enum(["active", "invalid"]),
    createdAt: Millis,
    updatedAt: Millis,
    invalidReason: z.string().nullable(),
  })
  .openapi("Device");

const ConsentRecord = z.object({ status: ConsentStatus, at: Millis, source: z.string().openapi({ example: "sdk" }) });

export const UserProfile = z
  .object({
    appId: z.string(),
    userId: z.string(),
    anonymous: z.boolean().openapi({ description: "true while only an anonymousId is known" }),
    anonymousIds: z.array(z.string()).openapi({ description: "anonymous ids merged into this profile" }),
    traits: z.record(z.string(), z.unknown()),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    timezone: z.string().nullable(),
    locale: z.string().nullable(),
    consent: z
      .object({ push: ConsentRecord, email: ConsentRecord, sms: ConsentRecord, whatsapp: ConsentRecord })
      .partial(),
    counters: z.object({
      events: z.number(),
      sessions: z.number(),
      purchases: z.number(),
      revenue: z.number(),
      purchaseDays: z.number(),
      firstPurchase: Millis.nullable(),
      lastPurchase: Millis.nullable(),
    }),
    firstSeen: Millis,
    lastSeen: Millis,
    lifecycle: z.object({
      state: z.enum(["new", "active", "dormant", "churned"]),
      loyal: z.boolean(),
      since: Millis,
      reason: z.string(),
    }),
    hadPushToken: z
      .boolean()
      .openapi({ description: "ever had a push token: with none valid left, the app counts as uninstalled" }),
  })
  .loose()
  .openapi("UserProfile");

export const UserProfileView = z
  .object({
    profile: UserProfile,
    devices: z.array(DeviceView),
    timers: z
      .array(z.object({ key: z.string(), dueAt: Millis, kind: z.string(), payload: z.record(z.string(), z.unknown()) }))
      .openapi({ description: "pending timers (delays, inaction deadlines, lifecycle checks)" }),
    features: z.record(z.string(), z.unknown()).openapi({
      description:
        "what each feature module reports about the person (journeys in flight, scores with their inputs, …), by feature name",
    }),
  })
  .openapi("UserProfileView", {
    example: {
      profile: {
        appId: "demo",
        userId: "ada",
        anonymous: false,
        anonymousIds: [],
        traits: { plan: "pro" },
        email: null,
        phone: null,
        timezone: "Europe/Paris",
        locale: "fr-FR",
        consent: {},
        counters: {
          events: 1,
          sessions: 1,
          purchases: 0,
          revenue: 0,
          purchaseDays: 0,
          firstPurchase: null,
          lastPurchase: null,
        },
        firstSeen: 1767225600000,
        lastSeen: 1767225600000,
        lifecycle: { state: "new", loyal: false, since: 1767225600000, reason: "first seen" },
        hadPushToken: false,
      },
      devices: [],
      timers: [],
      features: {},
    },
  });

const InAppMessage = z.record(z.string(), z.unknown()).openapi("InAppMessageView", {
  description: "A pending in-app message: key, campaign, content, trigger rule and expiry",
});
/** `GET /v1/in-app` (and the admin view of it): src/domain/inapp/public-config.ts `pendingViewEmpty` is its empty form. */
export const PendingView = z
  .object({
    messages: z.array(InAppMessage),
    rules: z.array(z.record(z.string(), z.unknown())),
    notBefore: z.number().nullable(),
    minIntervalSeconds: z.number(),
    serverTime: z.number(),
  })
  .loose()
  .openapi("InAppPending");
/** `GET /v1/cards`: `feedViewEmpty` is its empty form. */
export const CardFeed = z
  .object({ cards: z.array(z.record(z.string(), z.unknown())), unread: z.number().int() })
  .loose()
  .openapi("CardFeed");
