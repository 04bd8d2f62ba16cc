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

export const campaigns = sqliteTable(
  "campaigns",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    name: text("name").notNull(),
    status: text("status", { enum: ["draft", "active", "paused", "archived"] }).notNull(),
    version: integer("version").notNull(),
    definition: text("definition").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("campaigns_app").on(t.appId, t.status)],
);

export const campaignVersions = sqliteTable(
  "campaign_versions",
  {
    campaignId: text("campaign_id").notNull(),
    version: integer("version").notNull(),
    definition: text("definition").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.version] })],
);

export const campaignStats = sqliteTable(
  "campaign_stats",
  {
    dedupeKey: text("dedupe_key").primaryKey(),
    appId: text("app_id").notNull(),
    campaignId: text("campaign_id").notNull(),
    variant: text("variant").notNull(),
    kind: text("kind").notNull(),
    userId: text("user_id").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("campaign_stats_campaign").on(t.campaignId, t.variant, t.kind)],
);

export const broadcastRuns = sqliteTable(
  "broadcast_runs",
  {
    campaignId: text("campaign_id").notNull(),
    occurrence: text("occurrence").notNull(),
    status: text("status").notNull(),
    cursor: text("cursor"),
    users: integer("users").notNull().default(0),
    startedAt: integer("started_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.occurrence] })],
);
