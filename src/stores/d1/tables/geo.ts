import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Geofences and beacon regions (migration 0004). */

/** Geofences (migration 0004): GeoJSON geometry, compiled into the spatial index per config version. */
export const geofences = sqliteTable(
  "geofences",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    externalId: text("external_id"),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["circle", "polygon"] }).notNull(),
    geometry: text("geometry").notNull(),
    radius: real("radius"),
    tags: text("tags").notNull().default("[]"),
    metadata: text("metadata").notNull().default("{}"),
    dwellSeconds: integer("dwell_seconds"),
    cooldownSeconds: integer("cooldown_seconds").notNull().default(300),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("geofences_app").on(t.appId, t.id), uniqueIndex("geofences_external").on(t.appId, t.externalId)],
);

/** Beacon regions (migration 0004): iBeacon or Eddystone-UID, null major/minor/instance = wildcard. */
export const beaconRegions = sqliteTable(
  "beacon_regions",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["ibeacon", "eddystone"] }).notNull(),
    uuid: text("uuid"),
    major: integer("major"),
    minor: integer("minor"),
    namespace: text("namespace"),
    instance: text("instance"),
    tags: text("tags").notNull().default("[]"),
    metadata: text("metadata").notNull().default("{}"),
    dwellSeconds: integer("dwell_seconds"),
    cooldownSeconds: integer("cooldown_seconds").notNull().default(300),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("beacon_regions_app").on(t.appId, t.id)],
);
