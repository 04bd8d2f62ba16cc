import type { JsonObject } from "../../kernel/json";
import { type BBox, circleBBox, haversineM, normalizeLng } from "./geo-math";
import {
  type CompiledPolygon,
  compilePolygon,
  distanceToEdgesM,
  pointInPolygon,
  polygonBBox,
  type Position,
  ringPole,
  ringRealVertices,
  ringVertex,
} from "./polygon";

/** Circle radius limits (metres): below 50 m phones cannot tell inside from outside; above 50 km it is a region, not a place. */
export const MIN_RADIUS_M = 50;
export const MAX_RADIUS_M = 50_000;

/** A fence's geometry as stored: GeoJSON, with the radius alongside a Point. */
export type FenceGeometry =
  | { type: "Point"; coordinates: Position; radius: number }
  | { type: "Polygon"; coordinates: Position[][] };

/** A fence as defined by the admin API (and stored in D1). */
export interface FenceDefinition {
  id: string;
  name: string;
  externalId: string | null;
  tags: string[];
  metadata: JsonObject;
  geometry: FenceGeometry;
  /** Seconds inside before `Geofence Dwelled`; null: no dwell event. */
  dwellSeconds: number | null;
  /** Seconds after an exit during which a re-entry does not count. */
  cooldownSeconds: number;
}

export type FenceShape =
  | { type: "circle"; lat: number; lng: number; radiusM: number }
  | { type: "polygon"; rings: CompiledPolygon["rings"]; areaM2: number };

/** A fence ready for evaluation: geometry compiled once per config version. */
export interface Fence extends Omit<FenceDefinition, "geometry"> {
  shape: FenceShape;
  /** Radius for circles; for polygons the radius of a circle of equal area (drives the exit buffer). */
  sizeM: number;
  /** A circle containing the whole fence (what SDKs register as an OS region). */
  center: { lat: number; lng: number };
  boundingRadiusM: number;
}

export function compileFence(def: FenceDefinition): Fence {
  const geometry = def.geometry;
  // Objects are built field by field in one order (no spreads): every fence shares one hidden class,
  // which keeps the index loops monomorphic and compiling 100k fences fast.
  let shape: FenceShape, sizeM: number, center: { lat: number; lng: number }, boundingRadiusM: number;
  if (geometry.type === "Point") {
    const lng = geometry.coordinates[0]!,
      lat = geometry.coordinates[1]!,
      radiusM = geometry.radius;
    shape = { type: "circle", lat, lng, radiusM };
    sizeM = radiusM;
    center = shape; // a circle is its own bounding circle: no second object (memory counts at 100k fences)
    boundingRadiusM = radiusM;
  } else {
    const polygon = compilePolygon(geometry.coordinates);
    const [minLng, minLat, maxLng, maxLat] = polygonBBox(polygon);
    const outer = polygon.rings[0]!;
    const pole = ringPole(outer);
    shape = { type: "polygon", rings: polygon.rings, areaM2: polygon.areaM2 };
    sizeM = Math.sqrt(polygon.areaM2 / Math.PI);
    center = pole
      ? { lat: 90 * pole, lng: 0 }
      : { lat: (minLat + maxLat) / 2, lng: normalizeLng((minLng + maxLng) / 2) };
    let r = 0;
    for (let i = 0; i < ringRealVertices(outer); i++) {
      const [lng, lat] = ringVertex(outer, i);
      r = Math.max(r, haversineM(center.lat, center.lng, lat, lng));
    }
    boundingRadiusM = Math.ceil(r);
  }
  return {
    id: def.id,
    name: def.name,
    externalId: def.externalId,
    tags: def.tags,
    metadata: def.metadata,
    dwellSeconds: def.dwellSeconds,
    cooldownSeconds: def.cooldownSeconds,
    shape,
    sizeM,
    center,
    boundingRadiusM,
  };
}

/** The fence's latitude/longitude box (`maxLng` may exceed 180 across the antimeridian); computed, not stored. */
export function fenceBBox(f: Fence): BBox {
  const s = f.shape;
  return s.type === "circle" ? circleBBox(s.lat, s.lng, s.radiusM) : polygonBBox(s);
}

/** Exact containment of a point (the fix's centre). */
export function fenceContains(f: Fence, lat: number, lng: number): boolean {
  const s = f.shape;
  if (s.type === "circle") return haversineM(lat, lng, s.lat, s.lng) <= s.radiusM;
  return pointInPolygon(s, lng, lat);
}

/** Metres from the point to the fence: 0 inside, else the distance to its edge. */
export function fenceDistanceM(f: Fence, lat: number, lng: number): number {
  const s = f.shape;
  if (s.type === "circle") return Math.max(0, haversineM(lat, lng, s.lat, s.lng) - s.radiusM);
  return pointInPolygon(s, lng, lat) ? 0 : distanceToEdgesM(s, lng, lat);
}
