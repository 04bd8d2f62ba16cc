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
const MIN_X = 0, MAX_X = 1, MIN_Y = 2, MAX_Y = 3, POLE = 4, REAL = 5;

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
function dedupe(ring: readonly Position[]): Position[] {
  const out: Position[] = [];
  for (const p of ring) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push(p);
  }
  return out;
}

/** Unwraps a closed ring's longitudes so consecutive vertices differ by less than 180°. */
function unwrap(ring: readonly Position[]): { x: number[]; y: number[] } {
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
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
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
    const yi = r[i + 1]!, yj = r[j + 1]!;
    if (yi > y !== yj > y) {
      const xi = r[i]!, xj = r[j]!;
      if (x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

export function pointInRing(r: CompiledRing, lng: number, lat: number): boolean {
  if (lat < r[MIN_Y]! || lat > r[MAX_Y]!) return false;
  const pole = r[POLE]!;
  const minX = r[MIN_X]!, maxX = r[MAX_X]!;
  if (pole) {
    if (lat === 90 * pole) return true;
    let x = lng;
    while (x < minX) x += 360;
    while (x >= minX + 360) x -= 360;
    return rayCast(r, x, lat);
  }
  // The ring lives somewhere in [-540, 540] after unwrapping; try the point's copies that fall in its span.
  for (let k = -1; k <= 1; k++) {
    const x = lng + 360 * k;
    if (x >= minX && x <= maxX && rayCast(r, x, lat)) return true;
  }
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
function ringAreaM2(r: CompiledRing): number {
  let s = 0;
  const n = r.length;
  for (let i = H, j = n - 2; i < n; j = i, i += 2) s += (r[i]! - r[j]!) * DEG * (Math.sin(r[j + 1]! * DEG) + Math.sin(r[i + 1]! * DEG)) / 2;
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

export const MAX_POLYGON_POSITIONS = 10_000;
export const MAX_HOLES = 50;

const orient = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
const onSeg = (ax: number, ay: number, bx: number, by: number, px: number, py: number) => Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by);

function segmentsTouch(x: number[], y: number[], i: number, j: number): boolean {
  const [ax, ay, bx, by, cx, cy, dx, dy] = [x[i]!, y[i]!, x[i + 1]!, y[i + 1]!, x[j]!, y[j]!, x[j + 1]!, y[j + 1]!];
  const d1 = orient(cx, cy, dx, dy, ax, ay);
  const d2 = orient(cx, cy, dx, dy, bx, by);
  const d3 = orient(ax, ay, bx, by, cx, cy);
  const d4 = orient(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (d1 === 0 && onSeg(cx, cy, dx, dy, ax, ay)) || (d2 === 0 && onSeg(cx, cy, dx, dy, bx, by)) || (d3 === 0 && onSeg(ax, ay, bx, by, cx, cy)) || (d4 === 0 && onSeg(ax, ay, bx, by, dx, dy));
}

/**
 * First self-intersection of an unwrapped ring (segments i: vertex i → i+1), or
 * null. Sweep over segments sorted by west edge: O(n log n + pairs that overlap in x).
 */
function selfIntersection(x: number[], y: number[], closed: boolean): [number, number] | null {
  const m = x.length - 1; // segments
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => Math.min(x[a]!, x[a + 1]!) - Math.min(x[b]!, x[b + 1]!));
  const adjacent = (i: number, j: number) => Math.abs(i - j) === 1 || (closed && Math.abs(i - j) === m - 1);
  for (let oi = 0; oi < m; oi++) {
    const i = order[oi]!;
    const maxXi = Math.max(x[i]!, x[i + 1]!);
    const minYi = Math.min(y[i]!, y[i + 1]!), maxYi = Math.max(y[i]!, y[i + 1]!);
    for (let oj = oi + 1; oj < m; oj++) {
      const j = order[oj]!;
      if (Math.min(x[j]!, x[j + 1]!) > maxXi) break;
      if (Math.max(y[j]!, y[j + 1]!) < minYi || Math.min(y[j]!, y[j + 1]!) > maxYi) continue;
      if (adjacent(i, j)) {
        // Neighbours share a vertex; they only conflict when the second doubles back over the first.
        const wraps = closed && Math.abs(i - j) === m - 1;
        const [a, b] = wraps ? [Math.max(i, j), Math.min(i, j)] : [Math.min(i, j), Math.max(i, j)];
        const o = orient(x[a]!, y[a]!, x[a + 1]!, y[a + 1]!, x[b + 1]!, y[b + 1]!);
        const back = (x[a + 1]! - x[a]!) * (x[b + 1]! - x[b]!) + (y[a + 1]! - y[a]!) * (y[b + 1]! - y[b]!) < 0;
        if (o === 0 && back) return [a, b];
        continue;
      }
      if (segmentsTouch(x, y, i, j)) return [Math.min(i, j), Math.max(i, j)];
    }
  }
  return null;
}

function validateRing(raw: unknown, path: (string | number)[], problems: GeoProblem[]): Position[] | null {
  if (!Array.isArray(raw)) return void problems.push({ path, message: "expected an array of [longitude, latitude] positions" }), null;
  let ok = true;
  raw.forEach((p, i) => {
    if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every((v) => typeof v === "number" && Number.isFinite(v))) {
      problems.push({ path: [...path, i], message: "expected a position [longitude, latitude]" });
      ok = false;
    } else if (p[0] < -180 || p[0] > 180) {
      problems.push({ path: [...path, i, 0], message: "longitude must be between -180 and 180" });
      ok = false;
    } else if (p[1] < -90 || p[1] > 90) {
      problems.push({ path: [...path, i, 1], message: "latitude must be between -90 and 90" });
      ok = false;
    }
  });
  if (!ok) return null;
  const ring = raw as Position[];
  if (ring.length < 4) return void problems.push({ path, message: "a linear ring needs at least 4 positions (3 corners and the closing one)" }), null;
  const first = ring[0]!, last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return void problems.push({ path, message: "ring is not closed: the last position must equal the first" }), null;
  const distinct = dedupe(ring);
  if (distinct.length < 4) return void problems.push({ path, message: "ring needs at least 3 distinct corners" }), null;
  for (let i = 1; i < distinct.length; i++) {
    if (Math.abs(Math.abs(lngDelta(distinct[i - 1]![0]!, distinct[i]![0]!)) - 180) < 1e-9) {
      return void problems.push({ path: [...path, i], message: "edge spans exactly 180° of longitude (ambiguous direction): add a vertex in between" }), null;
    }
  }
  const { x, y } = unwrap(distinct);
  const closed = Math.abs(x[x.length - 1]! - x[0]!) < 1e-9;
  const hit = selfIntersection(x, y, closed);
  if (hit) return void problems.push({ path, message: `ring self-intersects (edges starting at positions ${hit[0]} and ${hit[1]})` }), null;
  if (ringAreaM2(compileRing(distinct, true)) < 1) return void problems.push({ path, message: "ring has no area (all corners on one line)" }), null;
  return distinct;
}

/**
 * Checks GeoJSON Polygon `coordinates` and names the offending field: closed
 * rings of ≥ 4 positions, valid ranges, no self-intersection, holes inside the
 * outline. Returns the problems (empty when valid).
 */
export function validatePolygonCoordinates(raw: unknown, path: (string | number)[] = ["coordinates"]): GeoProblem[] {
  const problems: GeoProblem[] = [];
  if (!Array.isArray(raw) || raw.length === 0) return [{ path, message: "expected an array of linear rings (the outline first, then holes)" }];
  if (raw.length > MAX_HOLES + 1) return [{ path, message: `at most ${MAX_HOLES} holes` }];
  const total = raw.reduce((n: number, r) => n + (Array.isArray(r) ? r.length : 0), 0);
  if (total > MAX_POLYGON_POSITIONS) return [{ path, message: `at most ${MAX_POLYGON_POSITIONS} positions per polygon (got ${total})` }];
  const rings = raw.map((r, i) => validateRing(r, [...path, i], problems));
  if (problems.length > 0) return problems;
  const outer = compileRing(rings[0]!, true);
  rings.slice(1).forEach((hole, k) => {
    const [lng, lat] = hole![0]!;
    if (!pointInRing(outer, lng!, lat!)) problems.push({ path: [...path, k + 1], message: "hole lies outside the polygon's outline" });
  });
  return problems;
}
