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

export interface CompiledRing {
  /** Unwrapped [x=lng, y=lat] pairs, no repeated closing vertex; pole rings end with two corners on the pole. */
  xy: Float64Array;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  /** 1: encloses the North Pole, -1: the South Pole, 0: neither. */
  pole: -1 | 0 | 1;
  /** How many of `xy`'s vertices are real (the pole corners are not edges of the fence). */
  real: number;
}

export interface CompiledPolygon {
  rings: CompiledRing[];
  bbox: BBox;
  /** Area in m² (outline minus holes). */
  areaM2: number;
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

export function compileRing(positions: readonly Position[]): CompiledRing {
  const ring = dedupe(positions);
  const { x, y } = unwrap(ring);
  const n = x.length;
  const winding = x[n - 1]! - x[0]!;
  let pole: -1 | 0 | 1 = 0;
  const pts: number[] = [];
  if (Math.abs(winding) < 1e-9) {
    for (let i = 0; i < n - 1; i++) pts.push(x[i]!, y[i]!);
  } else {
    const meanLat = y.reduce((s, v) => s + v, 0) / n;
    pole = meanLat >= 0 ? 1 : -1;
    for (let i = 0; i < n; i++) pts.push(x[i]!, y[i]!);
    pts.push(x[n - 1]!, 90 * pole, x[0]!, 90 * pole);
  }
  const xy = Float64Array.from(pts);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < xy.length; i += 2) {
    minX = Math.min(minX, xy[i]!);
    maxX = Math.max(maxX, xy[i]!);
    minY = Math.min(minY, xy[i + 1]!);
    maxY = Math.max(maxY, xy[i + 1]!);
  }
  return { xy, minX, maxX, minY, maxY, pole, real: pole ? n : n - 1 };
}

/** Even-odd ray casting along +x in the ring's unwrapped plane. */
function rayCast(xy: Float64Array, x: number, y: number): boolean {
  let inside = false;
  const n = xy.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const yi = xy[i + 1]!, yj = xy[j + 1]!;
    if (yi > y !== yj > y) {
      const xi = xy[i]!, xj = xy[j]!;
      if (x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

export function pointInRing(r: CompiledRing, lng: number, lat: number): boolean {
  if (lat < r.minY || lat > r.maxY) return false;
  if (r.pole) {
    if (lat === 90 * r.pole) return true;
    let x = lng;
    while (x < r.minX) x += 360;
    while (x >= r.minX + 360) x -= 360;
    return rayCast(r.xy, x, lat);
  }
  // The ring lives somewhere in [-540, 540] after unwrapping; try the point's copies that fall in its span.
  for (let k = -1; k <= 1; k++) {
    const x = lng + 360 * k;
    if (x >= r.minX && x <= r.maxX && rayCast(r.xy, x, lat)) return true;
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
    const xy = r.xy;
    // Real edges only: pole rings' closing corners are not part of the fence's boundary on the ground.
    const edges = r.pole ? r.real - 1 : r.real;
    let a = toVec(xy[1]!, xy[0]!);
    for (let i = 1; i <= edges; i++) {
      const k = (i % r.real) * 2;
      const b = toVec(xy[k + 1]!, xy[k]!);
      best = Math.min(best, pointArcDistanceM(q, a, b));
      a = b;
    }
  }
  return best;
}

/** Signed area term Σ Δλ·(sin φ1 + sin φ2)/2 over a closed ring: exact for lng/lat-straight edges, including pole caps. */
function ringAreaM2(xy: Float64Array): number {
  let s = 0;
  const n = xy.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) s += (xy[i]! - xy[j]!) * DEG * (Math.sin(xy[j + 1]! * DEG) + Math.sin(xy[i + 1]! * DEG)) / 2;
  return Math.abs(s) * EARTH_RADIUS_M * EARTH_RADIUS_M;
}

export function compilePolygon(coordinates: readonly (readonly Position[])[]): CompiledPolygon {
  const rings = coordinates.map(compileRing);
  const outer = rings[0]!;
  const areaM2 = Math.max(0, ringAreaM2(outer.xy) - rings.slice(1).reduce((s, r) => s + ringAreaM2(r.xy), 0));
  let bbox: BBox;
  if (outer.pole) bbox = [-180, outer.minY, 180, outer.maxY];
  else {
    const west = normalizeLng(outer.minX);
    bbox = [west, outer.minY, west + (outer.maxX - outer.minX), outer.maxY];
  }
  return { rings, bbox, areaM2 };
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
  if (ringAreaM2(compileRing(distinct).xy) < 1) return void problems.push({ path, message: "ring has no area (all corners on one line)" }), null;
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
  const outer = compileRing(rings[0]!);
  rings.slice(1).forEach((hole, k) => {
    const [lng, lat] = hole![0]!;
    if (!pointInRing(outer, lng!, lat!)) problems.push({ path: [...path, k + 1], message: "hole lies outside the polygon's outline" });
  });
  return problems;
}
