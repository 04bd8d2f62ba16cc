/**
 * Spherical-earth helpers shared by the geofence modules. Distances are on a
 * sphere of the IUGG mean radius: at fence scale (≤ 50 km) the error against the
 * WGS-84 ellipsoid is below 0.5 %, far under a phone's horizontal accuracy.
 */

export const EARTH_RADIUS_M = 6_371_008.8;
export const DEG = Math.PI / 180;
/** Metres per degree of latitude (and of longitude at the equator). */
export const M_PER_DEG = EARTH_RADIUS_M * DEG;

/** Longitude folded into [-180, 180). */
export function normalizeLng(lng: number): number {
  const x = (((lng + 180) % 360) + 360) % 360;
  return x - 180;
}

/** Longitude difference b − a taken the short way round, in (-180, 180]. */
export function lngDelta(a: number, b: number): number {
  let d = (b - a) % 360;
  if (d > 180) d -= 360;
  else if (d <= -180) d += 360;
  return d;
}

const hav = (x: number) => {
  const s = Math.sin(x / 2);
  return s * s;
};

/** Great-circle distance in metres (haversine: stable for small distances). */
export function haversineM(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const h = hav((lat2 - lat1) * DEG) + Math.cos(lat1 * DEG) * Math.cos(lat2 * DEG) * hav((lng2 - lng1) * DEG);
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Lower bound of the distance (metres) from a point to any point of a
 * latitude/longitude box. From the haversine formula: each term is minimised
 * independently over the box, so the bound never exceeds the true distance —
 * which is what a best-first nearest search needs.
 */
export function boxLowerBoundM(
  lat: number,
  lng: number,
  minLng: number,
  minLat: number,
  maxLng: number,
  maxLat: number,
): number {
  const dLat = lat < minLat ? minLat - lat : lat > maxLat ? lat - maxLat : 0;
  let dLng = 0;
  if (lng < minLng || lng > maxLng) {
    const a = (((minLng - lng) % 360) + 360) % 360;
    const b = (((lng - maxLng) % 360) + 360) % 360;
    dLng = Math.min(a, b, 180);
  }
  // The smallest cos(latitude) inside the box (cos falls towards the poles).
  const minCos = Math.min(Math.cos(minLat * DEG), Math.cos(maxLat * DEG));
  const h = hav(dLat * DEG) + Math.cos(lat * DEG) * Math.max(0, minCos) * hav(dLng * DEG);
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A latitude/longitude box; `maxLng` may exceed 180 when the box crosses the antimeridian. */
export type BBox = [minLng: number, minLat: number, maxLng: number, maxLat: number];

/**
 * The smallest latitude/longitude box holding a circle (Matuschek's method).
 * A circle reaching a pole spans every longitude.
 */
export function circleBBox(lat: number, lng: number, radiusM: number): BBox {
  const r = radiusM / EARTH_RADIUS_M;
  const minLat = lat - r / DEG;
  const maxLat = lat + r / DEG;
  if (minLat <= -90 || maxLat >= 90) return [-180, Math.max(minLat, -90), 180, Math.min(maxLat, 90)];
  const dLng = Math.asin(Math.min(1, Math.sin(r) / Math.cos(lat * DEG))) / DEG;
  const west = normalizeLng(lng - dLng);
  return [west, minLat, west + 2 * dLng, maxLat];
}

/** A unit vector on the sphere. */
export type Vec3 = [number, number, number];

export function toVec(lat: number, lng: number): Vec3 {
  const φ = lat * DEG;
  const λ = lng * DEG;
  const c = Math.cos(φ);
  return [c * Math.cos(λ), c * Math.sin(λ), Math.sin(φ)];
}

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const angle = (a: Vec3, b: Vec3) => Math.atan2(Math.hypot(...cross(a, b)), dot(a, b));

/**
 * Distance in metres from point p to the great-circle arc a→b (cross-track
 * distance when p projects inside the arc, else the nearer endpoint). Exact on
 * the sphere and well-behaved at the poles and across the antimeridian.
 */
export function pointArcDistanceM(p: Vec3, a: Vec3, b: Vec3): number {
  const n = cross(a, b);
  const len = Math.hypot(n[0], n[1], n[2]);
  if (len < 1e-15) return angle(p, a) * EARTH_RADIUS_M;
  const nn: Vec3 = [n[0] / len, n[1] / len, n[2] / len];
  const s = dot(p, nn);
  // p projected onto the arc's great circle.
  const c: Vec3 = [p[0] - s * nn[0], p[1] - s * nn[1], p[2] - s * nn[2]];
  if (dot(cross(a, c), nn) >= 0 && dot(cross(c, b), nn) >= 0)
    return Math.abs(Math.asin(Math.max(-1, Math.min(1, s)))) * EARTH_RADIUS_M;
  return Math.min(angle(p, a), angle(p, b)) * EARTH_RADIUS_M;
}
