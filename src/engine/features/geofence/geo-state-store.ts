import type { Millis } from "../../../kernel/clock";
import type { BeaconPresence } from "../../../domain/geo/beacons";
import type { Fix, GeoState, Visit } from "../../../domain/geo/transition";

/** The geofence feature's tables in the UserObject's SQLite (created via the feature's `schema`). */
export const GEO_SCHEMA = `
  CREATE TABLE IF NOT EXISTS geo_visits (
    fence_id TEXT PRIMARY KEY, entered_at INTEGER NOT NULL, counted INTEGER NOT NULL,
    dwelled INTEGER NOT NULL DEFAULT 0, beacons TEXT);
  CREATE TABLE IF NOT EXISTS geo_cooldowns (fence_id TEXT PRIMARY KEY, until INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS geo_last_fix (
    id INTEGER PRIMARY KEY CHECK (id = 1), lat REAL NOT NULL, lng REAL NOT NULL, accuracy REAL NOT NULL,
    at INTEGER NOT NULL, received_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS geo_counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);`;

export interface LoadedGeoState {
  state: GeoState;
  presence: BeaconPresence;
  lastFix: (Fix & { receivedAt: Millis }) | null;
}

/** Reads the whole state: a handful of rows (the inside-set and live cooldowns). */
export function loadGeoState(sql: SqlStorage): LoadedGeoState {
  const visits = new Map<string, Visit>();
  const presence: BeaconPresence = new Map();
  for (const r of sql.exec<{
    fence_id: string;
    entered_at: number;
    counted: number;
    dwelled: number;
    beacons: string | null;
  }>(`SELECT fence_id, entered_at, counted, dwelled, beacons FROM geo_visits`)) {
    visits.set(r.fence_id, {
      fenceId: r.fence_id,
      enteredAt: r.entered_at,
      counted: r.counted === 1,
      dwelled: r.dwelled === 1,
    });
    if (r.beacons) presence.set(r.fence_id, new Set(JSON.parse(r.beacons) as string[]));
  }
  const cooldowns = new Map<string, Millis>();
  for (const r of sql.exec<{ fence_id: string; until: number }>(`SELECT fence_id, until FROM geo_cooldowns`))
    cooldowns.set(r.fence_id, r.until);
  const fix = sql
    .exec<{ lat: number; lng: number; accuracy: number; at: number; received_at: number }>(
      `SELECT lat, lng, accuracy, at, received_at FROM geo_last_fix WHERE id = 1`,
    )
    .toArray()[0];
  return {
    state: { lastFixAt: fix?.at ?? null, visits, cooldowns },
    presence,
    lastFix: fix
      ? { lat: fix.lat, lng: fix.lng, accuracy: fix.accuracy, timestamp: fix.at, receivedAt: fix.received_at }
      : null,
  };
}

const sameVisit = (a: Visit, b: Visit) =>
  a.enteredAt === b.enteredAt && a.counted === b.counted && a.dwelled === b.dwelled;

/** Writes what changed between `before` (as loaded) and the mutated state. */
export function saveGeoState(
  sql: SqlStorage,
  before: { visits: Map<string, Visit>; cooldowns: Map<string, Millis>; presence: Map<string, string> },
  after: LoadedGeoState,
): void {
  for (const id of before.visits.keys())
    if (!after.state.visits.has(id)) sql.exec(`DELETE FROM geo_visits WHERE fence_id = ?`, id);
  for (const [id, v] of after.state.visits) {
    const prev = before.visits.get(id);
    const beacons = after.presence.has(id) ? JSON.stringify([...after.presence.get(id)!].sort()) : null;
    if (prev && sameVisit(prev, v) && (before.presence.get(id) ?? null) === beacons) continue;
    sql.exec(
      `INSERT INTO geo_visits (fence_id, entered_at, counted, dwelled, beacons) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(fence_id) DO UPDATE SET entered_at = excluded.entered_at, counted = excluded.counted, dwelled = excluded.dwelled, beacons = excluded.beacons`,
      id,
      v.enteredAt,
      v.counted ? 1 : 0,
      v.dwelled ? 1 : 0,
      beacons,
    );
  }
  for (const id of before.cooldowns.keys())
    if (!after.state.cooldowns.has(id)) sql.exec(`DELETE FROM geo_cooldowns WHERE fence_id = ?`, id);
  for (const [id, until] of after.state.cooldowns) {
    if (before.cooldowns.get(id) === until) continue;
    sql.exec(
      `INSERT INTO geo_cooldowns (fence_id, until) VALUES (?, ?) ON CONFLICT(fence_id) DO UPDATE SET until = excluded.until`,
      id,
      until,
    );
  }
}

/** A snapshot to diff against after the transition mutates the state. */
export function snapshot(s: LoadedGeoState): {
  visits: Map<string, Visit>;
  cooldowns: Map<string, Millis>;
  presence: Map<string, string>;
} {
  return {
    visits: new Map([...s.state.visits].map(([k, v]) => [k, { ...v }])),
    cooldowns: new Map(s.state.cooldowns),
    presence: new Map([...s.presence].map(([k, v]) => [k, JSON.stringify([...v].sort())])),
  };
}

export function saveLastFix(sql: SqlStorage, fix: Fix, receivedAt: Millis): void {
  sql.exec(
    `INSERT INTO geo_last_fix (id, lat, lng, accuracy, at, received_at) VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET lat = excluded.lat, lng = excluded.lng, accuracy = excluded.accuracy, at = excluded.at, received_at = excluded.received_at`,
    fix.lat,
    fix.lng,
    fix.accuracy,
    fix.timestamp,
    receivedAt,
  );
}

export function bumpCounter(sql: SqlStorage, name: string, by = 1): void {
  sql.exec(
    `INSERT INTO geo_counters (name, n) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET n = n + excluded.n`,
    name,
    by,
  );
}

export function counters(sql: SqlStorage): Record<string, number> {
  return Object.fromEntries(
    sql
      .exec<{ name: string; n: number }>(`SELECT name, n FROM geo_counters`)
      .toArray()
      .map((r) => [r.name, r.n]),
  );
}
