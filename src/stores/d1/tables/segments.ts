import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Segmentation (migrations/0005_segments.sql): model parameters, segments, daily snapshots, RFM memberships and transitions. */

export const modelParams = sqliteTable(
  "model_params",
  {
    appId: text("app_id").notNull(),
    version: integer("version").notNull(),
    computedAt: integer("computed_at").notNull(),
    purchasers: integer("purchasers").notNull(),
    cutPoints: text("cut_points"),
    bgnbd: text("bgnbd"),
    bgnbdRejected: text("bgnbd_rejected"),
  },
  (t) => [primaryKey({ columns: [t.appId, t.version] })],
);

export const segments = sqliteTable(
  "segments",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    filter: text("filter").notNull(),
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("segments_app").on(t.appId)],
);

export const dailySnapshots = sqliteTable(
  "daily_snapshots",
  {
    appId: text("app_id").notNull(),
    day: text("day").notNull(),
    takenAt: integer("taken_at").notNull(),
    total: integer("total").notNull(),
    lifecycle: text("lifecycle").notNull(),
    loyal: integer("loyal").notNull(),
    dau: integer("dau").notNull(),
    wau: integer("wau").notNull(),
    mau: integer("mau").notNull(),
    rfm: text("rfm").notNull().default("{}"),
    churn: text("churn").notNull().default("{}"),
  },
  (t) => [primaryKey({ columns: [t.appId, t.day] })],
);

export const rfmMemberships = sqliteTable(
  "rfm_memberships",
  {
    appId: text("app_id").notNull(),
    userId: text("user_id").notNull(),
    segment: text("segment").notNull(),
    since: integer("since").notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.userId] })],
);

export const rfmTransitions = sqliteTable(
  "rfm_transitions",
  {
    appId: text("app_id").notNull(),
    day: text("day").notNull(),
    fromSegment: text("from_segment").notNull(),
    toSegment: text("to_segment").notNull(),
    users: integer("users").notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.day, t.fromSegment, t.toSegment] })],
);
