import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Campaigns, their versions, facts, broadcast runs and activation approvals. */

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
  (t) => [
    index("campaign_stats_campaign").on(t.campaignId, t.variant, t.kind),
    index("campaign_stats_user").on(t.appId, t.userId),
    index("campaign_stats_app_at").on(t.appId, t.at),
  ],
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

// ───────────── delivery (migrations/0003_delivery.sql) ─────────────

/** Approval requests for large activations (migrations/0013_console_roles.sql). */
export const approvals = sqliteTable(
  "approvals",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    campaignId: text("campaign_id").notNull(),
    campaignVersion: integer("campaign_version").notNull(),
    action: text("action").notNull().default("activate"),
    status: text("status", { enum: ["pending", "approved", "rejected", "superseded"] }).notNull(),
    audience: integer("audience").notNull(),
    threshold: integer("threshold").notNull(),
    requestedBy: text("requested_by").notNull(),
    requestedAt: integer("requested_at").notNull(),
    decidedBy: text("decided_by"),
    decidedAt: integer("decided_at"),
    note: text("note"),
  },
  (t) => [
    index("approvals_app_status").on(t.appId, t.status, t.requestedAt),
    index("approvals_campaign").on(t.campaignId, t.status),
  ],
);
