import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Deliveries and their provider events, dead letters, channel addresses (migrations/0003_delivery.sql). */

export const deliveries = sqliteTable(
  "deliveries",
  {
    idempotencyKey: text("idempotency_key").notNull(),
    target: text("target").notNull().default(""),
    appId: text("app_id").notNull(),
    userId: text("user_id").notNull(),
    userObject: text("user_object").notNull(),
    campaignId: text("campaign_id").notNull(),
    variant: text("variant").notNull(),
    channel: text("channel").notNull(),
    provider: text("provider").notNull(),
    providerMessageId: text("provider_message_id"),
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    leaseUntil: integer("lease_until"),
    address: text("address"),
    payload: text("payload"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    sentAt: integer("sent_at"),
    deliveredAt: integer("delivered_at"),
    openedAt: integer("opened_at"),
    clickedAt: integer("clicked_at"),
  },
  (t) => [
    primaryKey({ columns: [t.idempotencyKey, t.target] }),
    index("deliveries_provider_message").on(t.provider, t.providerMessageId),
    index("deliveries_app_created").on(t.appId, t.createdAt),
    index("deliveries_user").on(t.appId, t.userId),
  ],
);

export const deliveryEvents = sqliteTable(
  "delivery_events",
  {
    eventId: text("event_id").primaryKey(),
    provider: text("provider").notNull(),
    providerMessageId: text("provider_message_id").notNull(),
    status: text("status").notNull(),
    detail: text("detail"),
    at: integer("at").notNull(),
    receivedAt: integer("received_at").notNull(),
    appliedAt: integer("applied_at"),
  },
  (t) => [index("delivery_events_pending").on(t.provider, t.providerMessageId, t.appliedAt)],
);

export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    messageId: text("message_id").notNull().unique(),
    idempotencyKey: text("idempotency_key").notNull(),
    appId: text("app_id").notNull(),
    userId: text("user_id").notNull(),
    campaignId: text("campaign_id").notNull(),
    channel: text("channel").notNull(),
    job: text("job").notNull(),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    replayedAt: integer("replayed_at"),
  },
  (t) => [index("dead_letters_app").on(t.appId, t.id), index("dead_letters_user").on(t.appId, t.userId)],
);

export const channelAddresses = sqliteTable(
  "channel_addresses",
  {
    appId: text("app_id").notNull(),
    channel: text("channel").notNull(),
    address: text("address").notNull(),
    userObject: text("user_object").notNull(),
    userId: text("user_id").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.channel, t.address, t.appId] }),
    index("channel_addresses_user").on(t.appId, t.userId),
  ],
);

// ── Segmentation (issue 7): migrations/0005_segments.sql ──
