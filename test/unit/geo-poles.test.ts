import { describe, expect, it } from "vitest";
import { lngDelta } from "../../src/domain/geo/geo-math";
import { compilePolygon, pointInPolygon } from "../../src/domain/geo/polygon";
import { validatePolygonCoordinates } from "../../src/domain/geo/polygon-validation";
import { rng } from "../../bench/geo/random-fences";

type Ring = number[][];

/**
 * Brute-force reference on the sphere, independent of the unwrapping: count the
 * ring's edges (straight in lng/lat, the shorter way round) that cross the
 * meridian arc from the point to the North Pole. The point is inside when that
 * count is odd, flipped when the ring encloses the North Pole.
 */
function referenceInside(ring: Ring, lng: number, lat: number, enclosesNorthPole: boolean): boolean {
  let crossings = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [aLng, aLat] = ring[i]!,
      [bLng, bLat] = ring[i + 1]!;
    const ra = lngDelta(lng, aLng!); // (-180, 180]
    const rb = ra + lngDelta(aLng!, bLng!); // continuous along the edge; never reaches ±360
    if (ra > 0 === rb > 0) continue;
    const t = ra / (ra - rb);
    if (aLat! + t * (bLat! - aLat!) > lat) crossings++;
  }
  return (crossings % 2 === 1) !== enclosesNorthPole;
}

/** Unwrapped longitude span of a ring (how far it reaches in the unrolled plane) and its winding. */
function unwrappedSpan(ring: Ring): { west: number; east: number; winding: number } {
  let x = ring[0]![0]!,
    west = x,
    east = x;
  for (let i = 1; i < ring.length; i++) {
    x += lngDelta(ring[i - 1]![0]!, ring[i]![0]!);
    west = Math.min(west, x);
    east = Math.max(east, x);
  }
  return { west: west - ring[0]![0]!, east: east - ring[0]![0]!, winding: x - ring[0]![0]! };
}

const fold = (lng: number) => ((((lng + 180) % 360) + 360) % 360) - 180;

/**
 * A random cap around a pole (side 1 = north, -1 = south): corners going once
 * round, eastwards or westwards, and often a fold (the ring doubling back in
 * longitude) just after its first vertex or just before closing, so it reaches
 * past its first vertex's meridian in the unrolled plane.
 */
function randomCap(r: () => number, side: 1 | -1): Ring {
  const start = -180 + 360 * r();
  const dir = r() < 0.5 ? 1 : -1;
  const n = 3 + Math.floor(r() * 8);
  const offsets = Array.from({ length: n - 1 }, () => 10 + 340 * r()).sort((a, b) => a - b);
  const lat = () => side * (70 + 19 * r());
  const pts: Array<[number, number]> = [[0, lat()]];
  const kind = r();
  if (kind < 0.4) {
    // Fold after the first vertex: west of it (against the direction of travel), then on, climbing.
    const y0 = Math.abs(pts[0]![1]);
    const w = 1 + 8 * r();
    pts.push([-w, side * Math.min(89.5, y0 + 0.5 + 2 * r())]);
    pts.push([w * r(), side * Math.min(89.8, y0 + 1 + 3 * r())]);
  }
  for (const o of offsets) pts.push([o, lat()]);
  if (kind >= 0.4 && kind < 0.8) {
    // Fold before closing: past the first vertex's meridian, then back to it.
    const y0 = Math.abs(pts[0]![1]);
    pts.push([360 + 1 + 8 * r(), side * Math.min(89.6, y0 + 1 + 3 * r())]);
    pts.push([360 - 1 - 3 * r(), side * Math.min(89.8, y0 + 0.3 + 2 * r())]);
  }
  pts.push([360, pts[0]![1]]);
  const ring = pts.map(([o, y]) => [fold(start + dir * o), y]);
  ring[ring.length - 1] = [...ring[0]!];
  return ring;
}

describe("point in polygon around the poles", () => {
  const example: Ring = [
    [0, 80],
    [-5, 82],
    [10, 83],
    [90, 80],
    [180, 80],
    [-90, 80],
    [0, 80],
  ];

  it("handles a cap whose ring dips west of its first vertex", () => {
    expect(validatePolygonCoordinates([example])).toEqual([]);
    const p = compilePolygon([example]);
    expect(pointInPolygon(p, -3, 88)).toBe(true); // above the dip: inside the cap
    expect(pointInPolygon(p, 357, 88)).toBe(true); // the same point, written another way
    // Along 3° W the ring crosses at 80°, 81.2° and 82.13° N: a tongue of the cap reaches down to 80° N,
    // under the notch the fold opens to the east.
    expect(pointInPolygon(p, -3, 80.5)).toBe(true);
    expect(pointInPolygon(p, -3, 81.5)).toBe(false);
    expect(pointInPolygon(p, -3, 79.5)).toBe(false);
    expect(pointInPolygon(p, -4, 82.5)).toBe(true);
    expect(pointInPolygon(p, 5, 81)).toBe(false); // under the fold's second edge
    expect(pointInPolygon(p, 5, 84)).toBe(true);
    expect(pointInPolygon(p, 45, 85)).toBe(true);
    expect(pointInPolygon(p, -100, 79)).toBe(false);
    expect(pointInPolygon(p, 0, 90)).toBe(true);
    for (let lng = -180; lng < 180; lng += 7.3) {
      for (let lat = 76; lat < 90; lat += 0.7)
        expect(pointInPolygon(p, lng, lat), `${lng},${lat}`).toBe(referenceInside(example, lng, lat, true));
    }
  });

  it("handles the mirror cap around the South Pole, wound the other way", () => {
    const south = example.map(([lng, lat]) => [-lng!, -lat!]);
    expect(validatePolygonCoordinates([south])).toEqual([]);
    const p = compilePolygon([south]);
    expect(pointInPolygon(p, 3, -88)).toBe(true);
    expect(pointInPolygon(p, 3, -80.5)).toBe(true); // the tongue
    expect(pointInPolygon(p, 3, -81.5)).toBe(false); // the notch
    for (let lng = -180; lng < 180; lng += 7.3) {
      for (let lat = -90 + 0.35; lat < -76; lat += 0.7)
        expect(pointInPolygon(p, lng, lat), `${lng},${lat}`).toBe(referenceInside(south, lng, lat, false));
    }
  });

  it("matches a brute-force spherical reference on random polar caps", () => {
    const r = rng(20261124);
    let caps = 0,
      folded = 0,
      checked = 0;
    for (let attempt = 0; attempt < 2000 && caps < 300; attempt++) {
      const side = r() < 0.5 ? 1 : -1;
      const ring = randomCap(r, side);
      const span = unwrappedSpan(ring);
      // Gaps over 180° make it a small ring, not a cap; the reference needs to know which side holds the pole.
      if (Math.abs(Math.abs(span.winding) - 360) > 1e-6 || validatePolygonCoordinates([ring]).length > 0) continue;
      caps++;
      const pastStart = span.east - span.west > 360 + 1e-9;
      if (pastStart) folded++;
      const p = compilePolygon([ring]);
      for (let k = 0; k < 200; k++) {
        // Half the points near the first vertex's meridian, where the folds are.
        const lng = fold(k % 2 === 0 ? ring[0]![0]! + (r() - 0.5) * 30 : -180 + 360 * r());
        const lat = side * (65 + 25 * r());
        expect(pointInPolygon(p, lng, lat), `ring ${JSON.stringify(ring)} at ${lng},${lat}`).toBe(
          referenceInside(ring, lng, lat, side === 1),
        );
        checked++;
      }
    }
    expect(caps).toBeGreaterThanOrEqual(300);
    expect(folded).toBeGreaterThan(100); // the case that used to be wrong is well represented
    expect(checked).toBe(caps * 200);
  });

  it("treats a hole around the pole (a ring-shaped band) correctly", () => {
    const band = [
      [
        [0, 70],
        [120, 70],
        [-120, 70],
        [0, 70],
      ],
      [
        [0, 80],
        [-3, 81],
        [5, 82],
        [120, 80],
        [-120, 80],
        [0, 80],
      ],
    ];
    expect(validatePolygonCoordinates(band)).toEqual([]);
    const p = compilePolygon(band);
    expect(pointInPolygon(p, -2, 75)).toBe(true);
    expect(pointInPolygon(p, -2, 86)).toBe(false); // in the hole, above the hole ring's fold
    expect(pointInPolygon(p, 30, 85)).toBe(false);
    expect(pointInPolygon(p, 30, 65)).toBe(false);
  });
});

describe("polygon validation around the poles", () => {
  const fields = (raw: unknown) => validatePolygonCoordinates(raw).map((p) => `${p.path.join(".")}: ${p.message}`);

  it("rejects a ring winding twice around a pole", () => {
    const twice = [
      [0, 80],
      [90, 81],
      [180, 82],
      [-90, 83],
      [0, 84],
      [90, 85],
      [180, 86],
      [-90, 87],
      [0, 80],
    ];
    expect(fields([twice])[0]).toMatch(/^coordinates\.0: ring winds 2 times around the North Pole/);
    const southTwice = twice.map(([lng, lat]) => [lng!, -lat!]);
    expect(fields([southTwice])[0]).toMatch(/^coordinates\.0: ring winds 2 times around the South Pole/);
    // Going round once is fine.
    expect(
      fields([
        [
          [0, 80],
          [90, 81],
          [180, 82],
          [-90, 83],
          [0, 80],
        ],
      ]),
    ).toEqual([]);
  });

  it("rejects a ring that overlaps itself one turn later (edges 360° apart in the unrolled plane)", () => {
    // East along 60° N for 400°, then back west along 61° N: the band covers 0°–40° twice.
    const overlap = [
      [0, 60],
      [100, 60],
      [-160, 60],
      [-60, 60],
      [40, 60],
      [40, 61],
      [-60, 61],
      [-160, 61],
      [100, 61],
      [0, 61],
      [0, 60],
    ];
    expect(fields([overlap])[0]).toMatch(/^coordinates\.0: ring self-intersects/);
    // A helix that climbs enough not to touch its own previous turn is a valid (if odd) ring.
    const helix = [
      [0, 60],
      [100, 62],
      [-160, 64],
      [-60, 66],
      [40, 68],
      [40, 69],
      [-60, 67],
      [-160, 65],
      [100, 63],
      [0, 61],
      [0, 60],
    ];
    expect(fields([helix])).toEqual([]);
    const p = compilePolygon([helix]);
    for (let lng = -180; lng < 180; lng += 3.7) {
      for (let lat = 58.05; lat < 71; lat += 0.3)
        expect(pointInPolygon(p, lng, lat), `${lng},${lat}`).toBe(referenceInside(helix, lng, lat, false));
    }
  });

  it("rejects a hole crossing the outline even when its first vertex is inside", () => {
    const outline = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 0],
    ];
    expect(
      fields([
        outline,
        [
          [5, 5],
          [15, 5],
          [15, 6],
          [5, 6],
          [5, 5],
        ],
      ])[0],
    ).toMatch(/^coordinates\.1: hole crosses the polygon's outline/);
    // Across the antimeridian, and a hole crossing another hole.
    const fiji = [
      [179, -16],
      [-179, -16],
      [-179, -19],
      [179, -19],
      [179, -16],
    ];
    expect(
      fields([
        fiji,
        [
          [179.5, -17],
          [-178.5, -17],
          [-178.5, -18],
          [179.5, -18],
          [179.5, -17],
        ],
      ])[0],
    ).toMatch(/^coordinates\.1: hole crosses the polygon's outline/);
    expect(
      fields([
        outline,
        [
          [2, 2],
          [5, 2],
          [5, 5],
          [2, 5],
          [2, 2],
        ],
        [
          [4, 4],
          [8, 4],
          [8, 8],
          [4, 8],
          [4, 4],
        ],
      ])[0],
    ).toMatch(/^coordinates\.2: hole crosses hole 1/);
    // Holes inside the outline, not touching each other, stay valid.
    expect(
      fields([
        outline,
        [
          [2, 2],
          [3, 2],
          [3, 3],
          [2, 3],
          [2, 2],
        ],
        [
          [4, 4],
          [8, 4],
          [8, 8],
          [4, 8],
          [4, 4],
        ],
      ]),
    ).toEqual([]);
    // A polar band: a cap-shaped hole inside a cap-shaped outline, and one that crosses it.
    const cap70 = [
      [0, 70],
      [120, 70],
      [-120, 70],
      [0, 70],
    ];
    expect(
      fields([
        cap70,
        [
          [0, 80],
          [120, 80],
          [-120, 80],
          [0, 80],
        ],
      ]),
    ).toEqual([]);
    expect(
      fields([
        cap70,
        [
          [0, 80],
          [120, 65],
          [-120, 80],
          [0, 80],
        ],
      ])[0],
    ).toMatch(/^coordinates\.1: hole crosses the polygon's outline/);
  });
});
