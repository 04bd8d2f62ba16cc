import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** The users index (one row per person, written through the INDEX queue) and erasure tombstones. */

export const users = sqliteTable(
  "users",
  {
    appId: text("app_id").notNull(),
    userId: text("user_id").notNull(),
    lifecycle: text("lifecycle").notNull(),
    loyal: integer("loyal", { mode: "boolean" }).notNull().default(false),
    firstSeen: integer("first_seen").notNull(),
    lastSeen: integer("last_seen").notNull(),
    sessions: integer("sessions").notNull().default(0),
    purchases: integer("purchases").notNull().default(0),
    revenue: real("revenue").notNull().default(0),
    purchaseDays: integer("purchase_days").notNull().default(0),
    firstPurchase: integer("first_purchase"),
    lastPurchase: integer("last_purchase"),
    timezone: text("timezone"),
    attrs: text("attrs").notNull().default("{}"),
    version: integer("version").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.userId] }),
    index("users_lifecycle").on(t.appId, t.lifecycle),
    index("users_last_seen").on(t.appId, t.lastSeen),
  ],
);

/** Erasure tombstones (migrations/0007_erasure.sql): keyed by a hash, never the user id itself. */
export const erasures = sqliteTable(
  "erasures",
  {
    appId: text("app_id").notNull(),
    userHash: text("user_hash").notNull(),
    version: integer("version").notNull(),
    pseudonym: text("pseudonym").notNull(),
    erasedAt: integer("erased_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userHash] })],
);
