import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Funnels and the app-wide analytics counters. */

/** Funnel definitions (migrations/0014_analytics.sql); `definition` is the validated JSON (src/domain/analytics/funnel.ts). */
export const funnels = sqliteTable(
  "funnels",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    definition: text("definition").notNull(),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("funnels_app").on(t.appId, t.createdAt)],
);

/** App-wide analytics counters the UserObjects add to (src/domain/analytics/counters.ts). */
export const analyticsCounts = sqliteTable(
  "analytics_counts",
  {
    appId: text("app_id").notNull(),
    kind: text("kind").notNull(),
    subject: text("subject").notNull(),
    day: text("day").notNull(),
    dim: text("dim").notNull().default(""),
    value: text("value").notNull().default(""),
    step: integer("step").notNull().default(0),
    bucket: integer("bucket").notNull().default(-1),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.kind, t.subject, t.day, t.dim, t.value, t.step, t.bucket] })],
);

/** Analytics message keys already applied (a redelivery is refused). */
export const analyticsBatches = sqliteTable(
  "analytics_batches",
  { key: text("key").primaryKey(), at: integer("at").notNull() },
  (t) => [index("analytics_batches_at").on(t.at)],
);

/** Funnel backfill runs (migrations/0015_funnel_backfills.sql; src/stores/analytics/backfill-store.ts). */
export const funnelBackfills = sqliteTable(
  "funnel_backfills",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    funnelId: text("funnel_id").notNull(),
    fromDay: text("from_day").notNull(),
    toDay: text("to_day").notNull(),
    untilMs: integer("until_ms").notNull(),
    status: text("status", { enum: ["running", "done"] }).notNull(),
    cursor: text("cursor"),
    files: integer("files").notNull().default(0),
    events: integer("events").notNull().default(0),
    entries: integer("entries").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("funnel_backfills_funnel").on(t.appId, t.funnelId, t.fromDay)],
);
