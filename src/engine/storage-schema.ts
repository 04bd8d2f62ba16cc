/**
 * Schema of a UserObject's own SQLite database, applied in order in the
 * constructor (inside blockConcurrencyWhile). Durable Objects have no
 * `PRAGMA user_version`, so the applied count lives in `schema_version`.
 * Append new steps; never edit an applied one.
 */
export const USER_SCHEMA_STEPS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS profile (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS devices (
     token TEXT PRIMARY KEY, provider TEXT NOT NULL, platform TEXT NOT NULL,
     subscription TEXT, status TEXT NOT NULL DEFAULT 'active', created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL, invalid_reason TEXT);
   CREATE TABLE IF NOT EXISTS seen_messages (message_id TEXT PRIMARY KEY, at INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS seen_messages_at ON seen_messages(at);
   CREATE TABLE IF NOT EXISTS events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL, type TEXT NOT NULL,
     name TEXT NOT NULL, at INTEGER NOT NULL, properties TEXT NOT NULL);
   CREATE INDEX IF NOT EXISTS events_name_at ON events(name, at);
   CREATE TABLE IF NOT EXISTS timers (
     key TEXT PRIMARY KEY, due_at INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL DEFAULT '{}');
   CREATE INDEX IF NOT EXISTS timers_due ON timers(due_at);
   CREATE TABLE IF NOT EXISTS timeline (
     seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS outbox (
     id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);`,
  // Send jobs stay in the outbox after the queue took them, until the delivery consumer reports
  // back (docs/channels.md "Exactly once"): `enqueued_at` marks them sent to the queue, `resends` counts re-sends.
  `ALTER TABLE outbox ADD COLUMN send_key TEXT;
   ALTER TABLE outbox ADD COLUMN enqueued_at INTEGER;
   ALTER TABLE outbox ADD COLUMN resends INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX IF NOT EXISTS outbox_send_key ON outbox(send_key);`,
  // Each event keeps its call's bounded context (JSON, src/domain/events/event-context.ts), NULL without one.
  `ALTER TABLE events ADD COLUMN context TEXT;`,
];

/**
 * Names the whole schema (core steps and every feature's DDL). An object stores it in
 * `meta` once applied, so waking up costs one lookup instead of re-running ~30 DDL statements.
 */
export function userSchemaFingerprint(featureSchemas: readonly string[] = []): string {
  let h = 0x811c9dc5; // FNV-1a, 32 bit: collisions only matter between two schema versions of this code
  for (const ch of [String(USER_SCHEMA_STEPS.length), ...USER_SCHEMA_STEPS, ...featureSchemas].join("\0")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${USER_SCHEMA_STEPS.length}:${h.toString(16)}`;
}

/** Applies pending steps, then the features' own idempotent `CREATE … IF NOT EXISTS` statements. */
export function applyUserSchema(sql: SqlStorage, featureSchemas: readonly string[] = []): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), applied INTEGER NOT NULL)`,
  );
  const row = sql.exec<{ applied: number }>(`SELECT applied FROM schema_version WHERE id = 1`).toArray()[0];
  const applied = row?.applied ?? 0;
  for (let step = applied; step < USER_SCHEMA_STEPS.length; step++) sql.exec(USER_SCHEMA_STEPS[step]!);
  if (applied < USER_SCHEMA_STEPS.length)
    sql.exec(
      `INSERT INTO schema_version (id, applied) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET applied = excluded.applied`,
      USER_SCHEMA_STEPS.length,
    );
  for (const schema of featureSchemas) sql.exec(schema);
}
