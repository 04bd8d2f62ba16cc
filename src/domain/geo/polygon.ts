import { type BBox, DEG, EARTH_RADIUS_M, lngDelta, normalizeLng, pointArcDistanceM, toVec } from "./geo-math";

/**
 * Polygons follow GeoJSON (RFC 7946): positions are [longitude, latitude], the
 * first ring is the outline and any further rings are holes. An edge is a
 * straight line in longitude/latitude and always takes the shorter way round in
 * longitude, so a ring may cross the antimeridian without being split (…179.9,
 * -179.9…). A ring whose edges wind once around the globe (a cap around a pole)
 * encloses the pole on its side of the equator.
 */
export type Position = number[];

/**
 * A compiled ring, packed into one Float64Array so 100k fences cost no object
 * per ring: a header [minX, maxX, minY, maxY, pole, real] then unwrapped
 * (x = lng, y = lat) pairs without the repeated closing vertex. `pole` is 1 or
 * -1 for a ring enclosing the North/South Pole (its pairs then end with two
 * corners on the pole), else 0; `real` counts the vertices that are corners of
 * the fence on the ground (the pole corners are not).
 */
export type CompiledRing = Float64Array;
const H = 6;
const MIN_X = 0,
  MAX_X = 1,
  MIN_Y = 2,
  MAX_Y = 3,
  POLE = 4,
  REAL = 5;

export const ringPole = (r: CompiledRing) => r[POLE]! as -1 | 0 | 1;
export const ringRealVertices = (r: CompiledRing) => r[REAL]!;
/** The i-th vertex as [lng (unwrapped), lat]. */
export const ringVertex = (r: CompiledRing, i: number): [number, number] => [r[H + 2 * i]!, r[H + 2 * i + 1]!];

export interface CompiledPolygon {
  rings: CompiledRing[];
  /** Area in m² (outline minus holes). */
  areaM2: number;
}

/**
 * Rings are carved out of shared slabs (views on one ArrayBuffer): a buffer per
 * ring would cost ~150 bytes of bookkeeping each at 100k polygons.
 */
const SLAB = 1 << 16;
let slab = new Float64Array(SLAB);
let slabUsed = 0;
function allocate(n: number, standalone: boolean): Float64Array {
  if (standalone || n > SLAB / 4) return new Float64Array(n);
  if (slabUsed + n > slab.length) {
    slab = new Float64Array(SLAB);
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return view;
}

/** Consecutive duplicate positions removed; closing position kept. */
export function dedupe(ring: readonly Position[]): Position[] {
  const out: Position[] = [];
  for (const p of ring) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

/** Unwraps a closed ring's longitudes so consecutive vertices differ by less than 180°. */
export function unwrap(ring: readonly Position[]): { x: number[]; y: number[] } {
  const x: number[] = [normalizeLng(ring[0]![0]!)];
  const y: number[] = [ring[0]![1]!];
  for (let i = 1; i < ring.length; i++) {
    x.push(x[i - 1]! + lngDelta(ring[i - 1]![0]!, ring[i]![0]!));
    y.push(ring[i]![1]!);
  }
  return { x, y };
}

/** `standalone`: a throwaway ring (validation) that must not pin a shared slab. */
export function compileRing(positions: readonly Position[], standalone = false): CompiledRing {
  const ring = dedupe(positions);
  const { x, y } = unwrap(ring);
  const n = x.length;
  const winding = x[n - 1]! - x[0]!;
  const pole = Math.abs(winding) < 1e-9 ? 0 : y.reduce((s, v) => s + v, 0) / n >= 0 ? 1 : -1;
  const vertices = pole ? n + 2 : n - 1;
  const r = allocate(H + 2 * vertices, standalone);
  let k = H;
  for (let i = 0; i < (pole ? n : n - 1); i++) {
    r[k++] = x[i]!;
    r[k++] = y[i]!;
  }
  if (pole) {
    r[k++] = x[n - 1]!;
    r[k++] = 90 * pole;
    r[k++] = x[0]!;
    r[k++] = 90 * pole;
  }
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (let i = H; i < r.length; i += 2) {
    minX = Math.min(minX, r[i]!);
    maxX = Math.max(maxX, r[i]!);
    minY = Math.min(minY, r[i + 1]!);
    maxY = Math.max(maxY, r[i + 1]!);
  }
  r[MIN_X] = minX;
  r[MAX_X] = maxX;
  r[MIN_Y] = minY;
  r[MAX_Y] = maxY;
  r[POLE] = pole;
  r[REAL] = pole ? n : n - 1;
  return r;
}

/** Even-odd ray casting along +x in the ring's unwrapped plane. */
function rayCast(r: CompiledRing, x: number, y: number): boolean {
  let inside = false;
  const n = r.length;
  for (let i = H, j = n - 2; i < n; j = i, i += 2) {
    const yi = r[i + 1]!,
      yj = r[j + 1]!;
    if (yi > y !== yj > y) {
      const xi = r[i]!,
        xj = r[j]!;
      if (x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

export function pointInRing(r: CompiledRing, lng: number, lat: number): boolean {
  if (lat < r[MIN_Y]! || lat > r[MAX_Y]!) return false;
  const pole = r[POLE]!;
  const minX = r[MIN_X]!,
    maxX = r[MAX_X]!;
  // The point's copies lng + 360k that fall within the ring's unwrapped span, west to east.
  const first = lng + 360 * Math.ceil((minX - lng) / 360);
  if (pole) {
    if (lat === 90 * pole) return true;
    // The unrolled cap is bounded by one turn of the ring and the meridians of its first and last vertex,
    // joined through the pole. When the ring doubles back past its first vertex that shape spans more than
    // 360° and overlaps its own translates, and one copy of the point is not enough. The translates' shared
    // meridian edges cancel in parity, so the XOR over all copies counts the crossings of the true boundary.
    let inside = false;
    for (let x = first; x <= maxX; x += 360) if (rayCast(r, x, lat)) inside = !inside;
    return inside;
  }
  // Validation rejects rings that overlap themselves one turn apart, so at most one copy is inside.
  for (let x = first; x <= maxX; x += 360) if (rayCast(r, x, lat)) return true;
  return false;
}

export function pointInPolygon(p: CompiledPolygon, lng: number, lat: number): boolean {
  if (!pointInRing(p.rings[0]!, lng, lat)) return false;
  for (let i = 1; i < p.rings.length; i++) if (pointInRing(p.rings[i]!, lng, lat)) return false;
  return true;
}

/** Distance in metres from a point to the nearest edge of the polygon (any ring). */
export function distanceToEdgesM(p: CompiledPolygon, lng: number, lat: number): number {
  const q = toVec(lat, lng);
  let best = Infinity;
  for (const r of p.rings) {
    const real = r[REAL]!;
    // Real edges only: pole rings' closing corners are not part of the fence's boundary on the ground.
    const edges = r[POLE] ? real - 1 : real;
    let a = toVec(r[H + 1]!, r[H]!);
    for (let i = 1; i <= edges; i++) {
      const k = H + (i % real) * 2;
      const b = toVec(r[k + 1]!, r[k]!);
      best = Math.min(best, pointArcDistanceM(q, a, b));
      a = b;
    }
  }
  return best;
}

/** Signed area term Σ Δλ·(sin φ1 + sin φ2)/2 over a closed ring: exact for lng/lat-straight edges, including pole caps. */
export function ringAreaM2(r: CompiledRing): number {
  let s = 0;
  const n = r.length;
  for (let i = H, j = n - 2; i < n; j = i, i += 2)
    s += ((r[i]! - r[j]!) * DEG * (Math.sin(r[j + 1]! * DEG) + Math.sin(r[i + 1]! * DEG))) / 2;
  return Math.abs(s) * EARTH_RADIUS_M * EARTH_RADIUS_M;
}

/** The outline's latitude/longitude box (`maxLng` past 180 when it crosses the antimeridian). */
export function polygonBBox(p: CompiledPolygon): BBox {
  const outer = p.rings[0]!;
  if (outer[POLE]) return [-180, outer[MIN_Y]!, 180, outer[MAX_Y]!];
  const west = normalizeLng(outer[MIN_X]!);
  return [west, outer[MIN_Y]!, west + (outer[MAX_X]! - outer[MIN_X]!), outer[MAX_Y]!];
}

export function compilePolygon(coordinates: readonly (readonly Position[])[]): CompiledPolygon {
  const rings = coordinates.map((ring) => compileRing(ring));
  const areaM2 = Math.max(0, ringAreaM2(rings[0]!) - rings.slice(1).reduce((s, r) => s + ringAreaM2(r), 0));
  return { rings, areaM2 };
}

// ───────────────────────── validation ─────────────────────────

export interface GeoProblem {
  path: (string | number)[];
  message: string;
}
