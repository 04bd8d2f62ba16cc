import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Apps, their keys and identity-verification keys. */

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
