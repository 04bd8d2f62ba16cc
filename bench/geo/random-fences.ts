/**
 * Seeded random geofences for the index tests and `bench/geo.mjs`: circles with
 * log-uniform radii and star-shaped (often concave) polygons, spread over a
 * city or the whole world.
 */
import type { FenceDefinition } from "../../src/domain/geo/fence";
import { M_PER_DEG, normalizeLng } from "../../src/domain/geo/geo-math";

/** Mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Spread {
  /** Centre and half-extent in degrees. */
  lat: number;
  lng: number;
  dLat: number;
  dLng: number;
}

/** ~30 km × 30 km around Paris. */
export const CITY: Spread = { lat: 48.8566, lng: 2.3522, dLat: 0.135, dLng: 0.2 };
/** Everywhere people live (latitudes ±75), across the antimeridian. */
export const WORLD: Spread = { lat: 0, lng: 0, dLat: 75, dLng: 180 };

export function randomPoint(r: () => number, s: Spread): { lat: number; lng: number } {
  return { lat: s.lat + (2 * r() - 1) * s.dLat, lng: normalizeLng(s.lng + (2 * r() - 1) * s.dLng) };
}

/** Offsets a point by metres east/north (local tangent plane: fine at fence scale away from the poles). */
export function offset(lat: number, lng: number, eastM: number, northM: number): [number, number] {
  const la = lat + northM / M_PER_DEG;
  const lo = normalizeLng(lng + eastM / (M_PER_DEG * Math.cos((lat * Math.PI) / 180)));
  return [lo, Math.max(-90, Math.min(90, la))];
}

/** A star-shaped polygon ring around a centre: corners at increasing angles, radii varying (concave when they dip). */
export function starPolygon(r: () => number, lat: number, lng: number, radiusM: number, corners: number): number[][] {
  const ring: number[][] = [];
  const step = (2 * Math.PI) / corners;
  for (let i = 0; i < corners; i++) {
    const a = i * step + r() * step * 0.8;
    const d = radiusM * (0.35 + 0.65 * r());
    ring.push(offset(lat, lng, d * Math.cos(a), d * Math.sin(a)));
  }
  ring.push(ring[0]!);
  return ring;
}

export interface RandomFenceOptions {
  count: number;
  spread: Spread;
  seed: number;
  /** Share of polygons (rest are circles). */
  polygonShare?: number;
  minRadiusM?: number;
  maxRadiusM?: number;
}

export function randomFences(o: RandomFenceOptions): FenceDefinition[] {
  const r = rng(o.seed);
  const minR = o.minRadiusM ?? 50;
  const maxR = o.maxRadiusM ?? 1000;
  const out: FenceDefinition[] = [];
  for (let i = 0; i < o.count; i++) {
    const c = randomPoint(r, o.spread);
    const radius = minR * Math.pow(maxR / minR, r());
    const polygon = r() < (o.polygonShare ?? 0.5);
    out.push({
      id: `f${i}`,
      name: `fence ${i}`,
      externalId: null,
      tags: [],
      metadata: {},
      dwellSeconds: null,
      cooldownSeconds: 0,
      geometry: polygon
        ? { type: "Polygon", coordinates: [starPolygon(r, c.lat, c.lng, radius, 5 + Math.floor(r() * 8))] }
        : { type: "Point", coordinates: [c.lng, c.lat], radius },
    });
  }
  return out;
}
