import { lngDelta } from "./geo-math";
import { compileRing, dedupe, type GeoProblem, pointInRing, type Position, ringAreaM2, unwrap } from "./polygon";

/**
 * Validation of GeoJSON polygon coordinates before they are compiled: sizes, closed rings,
 * valid positions, and no edge of a ring crossing another (holes included, across the antimeridian).
 */
export const MAX_POLYGON_POSITIONS = 10_000;
export const MAX_HOLES = 50;

const orient = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) =>
  (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
const onSeg = (ax: number, ay: number, bx: number, by: number, px: number, py: number) =>
  Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by);

/**
 * Whether segments a→b and c→d meet. `crossOnly`: only when they properly cross
 * or overlap along a stretch of line (two rings may touch at a point).
 */
function segmentsMeet(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
  dx: number,
  dy: number,
  crossOnly: boolean,
): boolean {
  const d1 = orient(cx, cy, dx, dy, ax, ay);
  const d2 = orient(cx, cy, dx, dy, bx, by);
  const d3 = orient(ax, ay, bx, by, cx, cy);
  const d4 = orient(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  if (!crossOnly)
    return (
      (d1 === 0 && onSeg(cx, cy, dx, dy, ax, ay)) ||
      (d2 === 0 && onSeg(cx, cy, dx, dy, bx, by)) ||
      (d3 === 0 && onSeg(ax, ay, bx, by, cx, cy)) ||
      (d4 === 0 && onSeg(ax, ay, bx, by, dx, dy))
    );
  if (d1 !== 0 || d2 !== 0) return false;
  // Collinear: overlapping by more than a point along the line's main axis.
  const alongX = Math.abs(bx - ax) + Math.abs(dx - cx) >= Math.abs(by - ay) + Math.abs(dy - cy);
  const [p0, p1, q0, q1] = alongX ? [ax, bx, cx, dx] : [ay, by, cy, dy];
  return Math.min(Math.max(p0, p1), Math.max(q0, q1)) > Math.max(Math.min(p0, p1), Math.min(q0, q1));
}

/** A ring unwrapped for validation: consecutive longitudes differ by less than 180°; `winding` is x[last] − x[0], a multiple of 360. */
interface UnwrappedRing {
  x: number[];
  y: number[];
  winding: number;
}

/** [ring, segment, other ring, other segment]; segment i runs from vertex i to i + 1. */
type Meeting = [number, number, number, number];

/**
 * First place where rings meet, or null: with `across`, edges of two different
 * rings crossing (the rings are assumed simple); without, a ring's own edges
 * meeting anywhere but at the vertex two neighbours share (or one doubling back
 * over the other).
 *
 * Longitude is periodic, so edges are compared on the cylinder, not only in the
 * unrolled plane: every edge is shifted by a multiple of 360° to start within
 * one window [w, w + 360), and one that reaches past the window's east end is
 * also entered shifted one turn west. Two edges meet on the globe exactly when
 * two of these entries meet in the plane — which catches a ring overlapping
 * itself one turn later and a hole crossing an outline unrolled from another
 * meridian. A sweep over entries sorted by west end: O(n log n + pairs that
 * overlap in longitude).
 */
function firstMeeting(rings: readonly UnwrappedRing[], across: boolean): Meeting | null {
  let w = Infinity;
  for (const r of rings) for (const v of r.x) w = Math.min(w, v);
  const ringOf: number[] = [],
    segOf: number[] = [],
    shiftOf: number[] = [];
  rings.forEach((r, k) => {
    for (let i = 0; i + 1 < r.x.length; i++) {
      const lo = Math.min(r.x[i]!, r.x[i + 1]!),
        hi = Math.max(r.x[i]!, r.x[i + 1]!);
      const shift = -360 * Math.floor((lo - w) / 360);
      ringOf.push(k), segOf.push(i), shiftOf.push(shift);
      if (hi + shift >= w + 360) ringOf.push(k), segOf.push(i), shiftOf.push(shift - 360);
    }
  });
  const n = ringOf.length;
  const ax = new Float64Array(n),
    ay = new Float64Array(n),
    bx = new Float64Array(n),
    by = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const r = rings[ringOf[e]!]!,
      i = segOf[e]!,
      s = shiftOf[e]!;
    (ax[e] = r.x[i]! + s), (ay[e] = r.y[i]!), (bx[e] = r.x[i + 1]! + s), (by[e] = r.y[i + 1]!);
  }
  const west = (e: number) => Math.min(ax[e]!, bx[e]!);
  const order = Array.from({ length: n }, (_, e) => e).sort((p, q) => west(p) - west(q));
  for (let oi = 0; oi < n; oi++) {
    const e = order[oi]!;
    const eastE = Math.max(ax[e]!, bx[e]!);
    const minYe = Math.min(ay[e]!, by[e]!),
      maxYe = Math.max(ay[e]!, by[e]!);
    for (let oj = oi + 1; oj < n; oj++) {
      const f = order[oj]!;
      if (west(f) > eastE) break;
      if (Math.max(ay[f]!, by[f]!) < minYe || Math.min(ay[f]!, by[f]!) > maxYe) continue;
      const re = ringOf[e]!,
        rf = ringOf[f]!,
        i = segOf[e]!,
        j = segOf[f]!;
      if (across) {
        if (re !== rf && segmentsMeet(ax[e]!, ay[e]!, bx[e]!, by[e]!, ax[f]!, ay[f]!, bx[f]!, by[f]!, true))
          return re < rf ? [re, i, rf, j] : [rf, j, re, i];
        continue;
      }
      if (i === j) continue; // one edge one turn apart: never meets itself (it spans < 180°)
      // Neighbours meeting at their shared vertex (the closing one sits one winding further east):
      // they only conflict when the second doubles back over the first.
      const m = rings[re]!.x.length - 1,
        turn = rings[re]!.winding,
        se = shiftOf[e]!,
        sf = shiftOf[f]!;
      let first = -1,
        second = -1;
      if (j === i + 1 && se === sf) [first, second] = [e, f];
      else if (i === j + 1 && se === sf) [first, second] = [f, e];
      else if (i === m - 1 && j === 0 && sf === se + turn) [first, second] = [e, f];
      else if (j === m - 1 && i === 0 && se === sf + turn) [first, second] = [f, e];
      if (first >= 0) {
        const o = orient(ax[first]!, ay[first]!, bx[first]!, by[first]!, bx[second]!, by[second]!);
        const back =
          (bx[first]! - ax[first]!) * (bx[second]! - ax[second]!) +
            (by[first]! - ay[first]!) * (by[second]! - ay[second]!) <
          0;
        if (o === 0 && back) return [re, segOf[first]!, re, segOf[second]!];
        continue;
      }
      if (segmentsMeet(ax[e]!, ay[e]!, bx[e]!, by[e]!, ax[f]!, ay[f]!, bx[f]!, by[f]!, false))
        return [re, Math.min(i, j), re, Math.max(i, j)];
    }
  }
  return null;
}

const unwrapForValidation = (ring: readonly Position[]): UnwrappedRing => {
  const { x, y } = unwrap(ring);
  return { x, y, winding: 360 * Math.round((x[x.length - 1]! - x[0]!) / 360) };
};

function validateRing(raw: unknown, path: (string | number)[], problems: GeoProblem[]): Position[] | null {
  if (!Array.isArray(raw))
    return (void problems.push({ path, message: "expected an array of [longitude, latitude] positions" }), null);
  let ok = true;
  raw.forEach((p, i) => {
    if (
      !Array.isArray(p) ||
      p.length < 2 ||
      p.length > 3 ||
      !p.every((v) => typeof v === "number" && Number.isFinite(v))
    ) {
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
  if (ring.length < 4)
    return (
      void problems.push({ path, message: "a linear ring needs at least 4 positions (3 corners and the closing one)" }),
      null
    );
  const first = ring[0]!,
    last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1])
    return (void problems.push({ path, message: "ring is not closed: the last position must equal the first" }), null);
  const distinct = dedupe(ring);
  if (distinct.length < 4)
    return (void problems.push({ path, message: "ring needs at least 3 distinct corners" }), null);
  for (let i = 1; i < distinct.length; i++) {
    if (Math.abs(Math.abs(lngDelta(distinct[i - 1]![0]!, distinct[i]![0]!)) - 180) < 1e-9) {
      return (
        void problems.push({
          path: [...path, i],
          message: "edge spans exactly 180° of longitude (ambiguous direction): add a vertex in between",
        }),
        null
      );
    }
  }
  const unwrapped = unwrapForValidation(distinct);
  const turns = Math.abs(unwrapped.winding / 360);
  if (turns > 1) {
    const pole = unwrapped.y.reduce((sum, v) => sum + v, 0) >= 0 ? "North" : "South";
    return (
      void problems.push({
        path,
        message: `ring winds ${turns} times around the ${pole} Pole: a ring may go round a pole at most once (winding more must cross itself)`,
      }),
      null
    );
  }
  const hit = firstMeeting([unwrapped], false);
  if (hit)
    return (
      void problems.push({
        path,
        message: `ring self-intersects (edges starting at positions ${hit[1]} and ${hit[3]})`,
      }),
      null
    );
  if (ringAreaM2(compileRing(distinct, true)) < 1)
    return (void problems.push({ path, message: "ring has no area (all corners on one line)" }), null);
  return distinct;
}

/**
 * Checks GeoJSON Polygon `coordinates` and names the offending field: closed
 * rings of ≥ 4 positions, valid ranges, at most one turn round a pole, no
 * self-intersection (on the globe, so also one turn apart), holes inside the
 * outline and crossing neither it nor each other. Returns the problems (empty
 * when valid).
 */
export function validatePolygonCoordinates(raw: unknown, path: (string | number)[] = ["coordinates"]): GeoProblem[] {
  const problems: GeoProblem[] = [];
  if (!Array.isArray(raw) || raw.length === 0)
    return [{ path, message: "expected an array of linear rings (the outline first, then holes)" }];
  if (raw.length > MAX_HOLES + 1) return [{ path, message: `at most ${MAX_HOLES} holes` }];
  const total = raw.reduce((n: number, r) => n + (Array.isArray(r) ? r.length : 0), 0);
  if (total > MAX_POLYGON_POSITIONS)
    return [{ path, message: `at most ${MAX_POLYGON_POSITIONS} positions per polygon (got ${total})` }];
  const rings = raw.map((r, i) => validateRing(r, [...path, i], problems));
  if (problems.length > 0) return problems;
  if (rings.length === 1) return problems;
  // Holes must not cross the outline or each other (meeting at a point is not a crossing). A hole that
  // crosses nothing lies wholly on one side of the outline, and its first vertex tells which (unless that
  // vertex is exactly where it touches the outline).
  const hit = firstMeeting(
    rings.map((r) => unwrapForValidation(r!)),
    true,
  );
  if (hit) {
    const [a, i, b, j] = hit;
    const what =
      a === 0
        ? `the polygon's outline (its edge starting at position ${j} and the outline's at ${i})`
        : `hole ${a} (its edge starting at position ${j} and that hole's at ${i})`;
    return [{ path: [...path, b], message: `hole crosses ${what}` }];
  }
  const outer = compileRing(rings[0]!, true);
  rings.slice(1).forEach((hole, k) => {
    const [lng, lat] = hole![0]!;
    if (!pointInRing(outer, lng!, lat!))
      problems.push({ path: [...path, k + 1], message: "hole lies outside the polygon's outline" });
  });
  return problems;
}
