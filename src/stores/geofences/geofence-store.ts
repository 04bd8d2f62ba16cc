import { and, asc, count, eq, gt, sql } from "drizzle-orm";
import type { Millis } from "../../kernel/clock";
import type { JsonObject } from "../../kernel/json";
import { database } from "../d1/client";
import { beaconRegions, geofences } from "../d1/schema";
import { BEACON_REGION_ID_PREFIX, type BeaconRegion } from "../../domain/geo/beacons";
import type { FenceDefinition, FenceGeometry } from "../../domain/geo/fence";
import type { BeaconInput, FenceInput } from "../../domain/geo/geo-input";

/**
 * Geofences and beacon regions in D1. Reads for the compiled index page by id;
 * the bulk import writes through `json_each` so one bound parameter carries
 * hundreds of rows (D1 allows 100 parameters and 1,000 statements per call).
 */

export const MAX_FENCES_PER_APP = 100_000;
const PAGE = 5000;

type FenceRow = typeof geofences.$inferSelect;
type BeaconRow = typeof beaconRegions.$inferSelect;

export interface FenceView {
  id: string;
  externalId: string | null;
  name: string;
  kind: "circle" | "polygon";
  geometry: { type: "Point"; coordinates: number[] } | { type: "Polygon"; coordinates: number[][][] };
  radius: number | null;
  tags: string[];
  metadata: JsonObject;
  dwellSeconds: number | null;
  cooldownSeconds: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export function newFenceId(): string {
  return `geo_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
}

export function newBeaconId(): string {
  return `${BEACON_REGION_ID_PREFIX}${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
}

export function fenceView(r: FenceRow): FenceView {
  return {
    id: r.id,
    externalId: r.externalId,
    name: r.name,
    kind: r.kind,
    geometry: JSON.parse(r.geometry),
    radius: r.radius,
    tags: JSON.parse(r.tags),
    metadata: JSON.parse(r.metadata),
    dwellSeconds: r.dwellSeconds,
    cooldownSeconds: r.cooldownSeconds,
    enabled: r.enabled,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

// Most fences have no tags or metadata: share one frozen empty value instead of 100k parsed copies.
const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];
const NO_METADATA: JsonObject = Object.freeze({}) as JsonObject;
const parseTags = (json: string): string[] => (json === "[]" ? NO_TAGS : JSON.parse(json));
const parseMetadata = (json: string): JsonObject => (json === "{}" ? NO_METADATA : JSON.parse(json));

export function fenceDefinition(
  r: Pick<
    FenceRow,
    "id" | "externalId" | "name" | "geometry" | "radius" | "tags" | "metadata" | "dwellSeconds" | "cooldownSeconds"
  >,
): FenceDefinition {
  const g = JSON.parse(r.geometry) as { type: "Point" | "Polygon"; coordinates: unknown };
  const geometry = (
    g.type === "Point" ? { type: "Point", coordinates: g.coordinates, radius: r.radius ?? 0 } : g
  ) as FenceGeometry;
  return {
    id: r.id,
    externalId: r.externalId,
    name: r.name,
    tags: parseTags(r.tags),
    metadata: parseMetadata(r.metadata),
    geometry,
    dwellSeconds: r.dwellSeconds,
    cooldownSeconds: r.cooldownSeconds,
  };
}

/** The D1 row of a validated input (geometry stored as plain GeoJSON, longitude first). */
export function fenceRow(appId: string, id: string, f: FenceInput, now: Millis): FenceRow {
  const geometry =
    f.geometry.type === "Point"
      ? { type: "Point", coordinates: f.geometry.coordinates.slice(0, 2) }
      : { type: "Polygon", coordinates: f.geometry.coordinates.map((ring) => ring.map((p) => p.slice(0, 2))) };
  return {
    id,
    appId,
    externalId: f.externalId,
    name: f.name,
    kind: f.geometry.type === "Point" ? "circle" : "polygon",
    geometry: JSON.stringify(geometry),
    radius: f.geometry.type === "Point" ? (f.radius ?? null) : null,
    tags: JSON.stringify(f.tags),
    metadata: JSON.stringify(f.metadata),
    dwellSeconds: f.dwellSeconds,
    cooldownSeconds: f.cooldownSeconds,
    enabled: f.enabled,
    createdAt: now,
    updatedAt: now,
  };
}

/** Every enabled fence of the app, paged by id (the compiled index's input). */
export async function loadEnabledFences(d1: D1Database, appId: string): Promise<FenceDefinition[]> {
  const db = database(d1);
  const out: FenceDefinition[] = [];
  let after = "";
  for (;;) {
    const rows = await db
      .select()
      .from(geofences)
      .where(and(eq(geofences.appId, appId), eq(geofences.enabled, true), gt(geofences.id, after)))
      .orderBy(asc(geofences.id))
      .limit(PAGE);
    for (const r of rows) out.push(fenceDefinition(r));
    if (rows.length < PAGE) return out;
    after = rows[rows.length - 1]!.id;
  }
}

export async function countFences(d1: D1Database, appId: string): Promise<number> {
  const [row] = await database(d1).select({ n: count() }).from(geofences).where(eq(geofences.appId, appId));
  return row?.n ?? 0;
}

/** Bytes of row JSON per import statement: well under D1's 2 MB per value. */
const IMPORT_CHUNK_BYTES = 512 * 1024;

/**
 * Inserts or updates (by externalId) many fences in one D1 batch — all or
 * nothing. With `replace`, the same batch first deletes the app's fences that
 * the import does not name (a store list mirrored from a file). Returns how
 * many already existed (updated), are new, and were deleted.
 */
export async function importFences(
  d1: D1Database,
  appId: string,
  rows: FenceRow[],
  replace = false,
): Promise<{ created: number; updated: number; deleted: number }> {
  const externalIds = rows.map((r) => r.externalId).filter((x): x is string => x !== null);
  let existing = 0;
  for (let i = 0; i < externalIds.length; i += 5000) {
    const row = await d1
      .prepare(
        `SELECT COUNT(*) AS n FROM geofences WHERE app_id = ? AND external_id IN (SELECT value FROM json_each(?))`,
      )
      .bind(appId, JSON.stringify(externalIds.slice(i, i + 5000)))
      .first<{ n: number }>();
    existing += row?.n ?? 0;
  }
  const statements: D1PreparedStatement[] = [];
  let deleted = 0;
  if (replace) {
    const keep = JSON.stringify(externalIds);
    const orphans = await d1
      .prepare(
        `SELECT COUNT(*) AS n FROM geofences WHERE app_id = ? AND (external_id IS NULL OR external_id NOT IN (SELECT value FROM json_each(?)))`,
      )
      .bind(appId, keep)
      .first<{ n: number }>();
    deleted = orphans?.n ?? 0;
    statements.push(
      d1
        .prepare(
          `DELETE FROM geofences WHERE app_id = ? AND (external_id IS NULL OR external_id NOT IN (SELECT value FROM json_each(?)))`,
        )
        .bind(appId, keep),
    );
  }
  let chunk: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    statements.push(
      d1
        .prepare(
          `INSERT INTO geofences (id, app_id, external_id, name, kind, geometry, radius, tags, metadata, dwell_seconds, cooldown_seconds, enabled, created_at, updated_at)
           SELECT value ->> '$[0]', ?1, value ->> '$[1]', value ->> '$[2]', value ->> '$[3]', value ->> '$[4]', value ->> '$[5]', value ->> '$[6]', value ->> '$[7]',
                  value ->> '$[8]', value ->> '$[9]', value ->> '$[10]', value ->> '$[11]', value ->> '$[11]'
           FROM json_each(?2) WHERE true
           ON CONFLICT (app_id, external_id) DO UPDATE SET
             name = excluded.name, kind = excluded.kind, geometry = excluded.geometry, radius = excluded.radius, tags = excluded.tags,
             metadata = excluded.metadata, dwell_seconds = excluded.dwell_seconds, cooldown_seconds = excluded.cooldown_seconds,
             enabled = excluded.enabled, updated_at = excluded.updated_at`,
        )
        .bind(appId, `[${chunk.join(",")}]`),
    );
    chunk = [];
    bytes = 0;
  };
  for (const r of rows) {
    const json = JSON.stringify([
      r.id,
      r.externalId,
      r.name,
      r.kind,
      r.geometry,
      r.radius,
      r.tags,
      r.metadata,
      r.dwellSeconds,
      r.cooldownSeconds,
      r.enabled ? 1 : 0,
      r.createdAt,
    ]);
    if (bytes + json.length > IMPORT_CHUNK_BYTES) flush();
    chunk.push(json);
    bytes += json.length + 1;
  }
  flush();
  await d1.batch(statements);
  return { created: rows.length - existing, updated: existing, deleted };
}

// ───────────────────────── beacon regions ─────────────────────────

export interface BeaconView {
  id: string;
  name: string;
  type: "ibeacon" | "eddystone";
  uuid?: string;
  major?: number | null;
  minor?: number | null;
  namespace?: string;
  instance?: string | null;
  tags: string[];
  metadata: JsonObject;
  dwellSeconds: number | null;
  cooldownSeconds: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export function beaconRow(appId: string, id: string, b: BeaconInput, now: Millis): BeaconRow {
  return {
    id,
    appId,
    name: b.name,
    kind: b.type,
    uuid: b.type === "ibeacon" ? b.uuid : null,
    major: b.type === "ibeacon" ? b.major : null,
    minor: b.type === "ibeacon" ? b.minor : null,
    namespace: b.type === "eddystone" ? b.namespace : null,
    instance: b.type === "eddystone" ? b.instance : null,
    tags: JSON.stringify(b.tags),
    metadata: JSON.stringify(b.metadata),
    dwellSeconds: b.dwellSeconds,
    cooldownSeconds: b.cooldownSeconds,
    enabled: b.enabled,
    createdAt: now,
    updatedAt: now,
  };
}

export function beaconView(r: BeaconRow): BeaconView {
  const common = {
    id: r.id,
    name: r.name,
    type: r.kind,
    tags: JSON.parse(r.tags),
    metadata: JSON.parse(r.metadata),
    dwellSeconds: r.dwellSeconds,
    cooldownSeconds: r.cooldownSeconds,
    enabled: r.enabled,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
  return r.kind === "ibeacon"
    ? { ...common, uuid: r.uuid!, major: r.major, minor: r.minor }
    : { ...common, namespace: r.namespace!, instance: r.instance };
}

export function beaconRegion(r: BeaconRow): BeaconRegion {
  return {
    id: r.id,
    name: r.name,
    externalId: null,
    tags: parseTags(r.tags),
    metadata: parseMetadata(r.metadata),
    dwellSeconds: r.dwellSeconds,
    cooldownSeconds: r.cooldownSeconds,
    beacon:
      r.kind === "ibeacon"
        ? { type: "ibeacon", uuid: r.uuid!, major: r.major, minor: r.minor }
        : { type: "eddystone", namespace: r.namespace!, instance: r.instance },
  };
}

export async function loadEnabledBeacons(d1: D1Database, appId: string): Promise<BeaconRegion[]> {
  const rows = await database(d1)
    .select()
    .from(beaconRegions)
    .where(and(eq(beaconRegions.appId, appId), eq(beaconRegions.enabled, true)))
    .orderBy(asc(beaconRegions.id))
    .limit(10_000);
  return rows.map(beaconRegion);
}

/** Tag filter for list queries: the JSON array column holds the tag. */
export const hasTag = (column: typeof geofences.tags | typeof beaconRegions.tags, tag: string) =>
  sql`EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ${tag})`;
