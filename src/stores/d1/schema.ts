/** drizzle schema of the D1 database. Keep in step with migrations/*.sql. */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    kind: text("kind", { enum: ["write", "admin", "server"] }).notNull(),
    label: text("label").notNull().default(""),
    prefix: text("prefix").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
    /** Admin keys only (migrations/0013): owner, editor or viewer; NULL for write and server keys. */
    role: text("role", { enum: ["owner", "editor", "viewer"] }),
    /** Admin keys: may approve other people's requests (owners may anyway). */
    approver: integer("approver", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("api_keys_app").on(t.appId)],
);

/** Keys user tokens are verified with (migrations/0006_identity.sql): HS256 secrets encrypted, public keys as JWK. */
export const identityKeys = sqliteTable(
  "identity_keys",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    alg: text("alg", { enum: ["HS256", "ES256", "RS256"] }).notNull(),
    label: text("label").notNull().default(""),
    material: text("material").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("identity_keys_app").on(t.appId)],
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
  (t) => [
    primaryKey({ columns: [t.appId, t.userId] }),
    index("users_lifecycle").on(t.appId, t.lifecycle),
    index("users_last_seen").on(t.appId, t.lastSeen),
  ],
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
