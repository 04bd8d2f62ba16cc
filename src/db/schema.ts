/** drizzle schema of the D1 database. Keep in step with migrations/*.sql. */
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const apps = sqliteTable("apps", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  settings: text("settings").notNull().default("{}"),
  configVersion: integer("config_version").notNull().default(1),
  createdAt: integer("created_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    keyHash: text("key_hash").primaryKey(),
    appId: text("app_id").notNull(),
    kind: text("kind", { enum: ["write", "admin"] }).notNull(),
    label: text("label").notNull().default(""),
    prefix: text("prefix").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("api_keys_app").on(t.appId)],
);

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
  (t) => [primaryKey({ columns: [t.appId, t.userId] }), index("users_lifecycle").on(t.appId, t.lifecycle), index("users_last_seen").on(t.appId, t.lastSeen)],
);
