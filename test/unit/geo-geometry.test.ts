import { describe, expect, it } from "vitest";
import { compileFence, fenceContains, fenceDistanceM } from "../../src/domain/geo/fence";
import { boxLowerBoundM, circleBBox, haversineM, lngDelta, normalizeLng } from "../../src/domain/geo/geo-math";
import { compilePolygon, pointInPolygon, polygonBBox } from "../../src/domain/geo/polygon";
import { validatePolygonCoordinates } from "../../src/domain/geo/polygon-validation";
import { rng } from "../../bench/geo/random-fences";

const poly = (coords: number[][][]) => compilePolygon(coords);
const inside = (coords: number[][][], lng: number, lat: number) => pointInPolygon(poly(coords), lng, lat);

describe("haversine distance", () => {
  it("matches known distances", () => {
    // Paris (Notre-Dame) → London (Charing Cross): 343.5 km on the mean sphere.
    expect(haversineM(48.853, 2.3499, 51.5073, -0.12755) / 1000).toBeCloseTo(343.5, 0);
    // One degree of latitude.
    expect(haversineM(10, 20, 11, 20)).toBeCloseTo(111_195, -1);
    // Across the antimeridian: 0.2° of longitude at the equator, not 359.8°.
    expect(haversineM(0, 179.9, 0, -179.9)).toBeCloseTo(22_239, -1);
    // Over the pole: 89° N, 0° → 89° N, 180° is 2°.
    expect(haversineM(89, 0, 89, 180)).toBeCloseTo(222_390, -2);
    expect(haversineM(1.5, 2.5, 1.5, 2.5)).toBe(0);
  });

  it("is symmetric and stable for tiny distances", () => {
    expect(haversineM(48.8566, 2.3522, 48.8566, 2.35221)).toBeCloseTo(0.733, 2);
    expect(haversineM(-33.9, 151.2, 40.7, -74)).toBeCloseTo(haversineM(40.7, -74, -33.9, 151.2), 6);
  });

  it("normalises longitudes and deltas", () => {
    expect(normalizeLng(190)).toBe(-170);
    expect(normalizeLng(-190)).toBe(170);
    expect(normalizeLng(180)).toBe(-180);
    expect(lngDelta(179, -179)).toBe(2);
    expect(lngDelta(-179, 179)).toBe(-2);
  });

  it("box lower bound never exceeds the true distance to a point in the box", () => {
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      const lat = -85 + 170 * r(),
        lng = -180 + 360 * r();
      const minLat = -85 + 160 * r(),
        minLng = -180 + 350 * r();
      const maxLat = minLat + 10 * r(),
        maxLng = minLng + 10 * r();
      const qLat = minLat + (maxLat - minLat) * r(),
        qLng = minLng + (maxLng - minLng) * r();
      expect(boxLowerBoundM(lat, lng, minLng, minLat, maxLng, maxLat)).toBeLessThanOrEqual(
        haversineM(lat, lng, qLat, qLng) + 1e-6,
      );
    }
  });

  it("circle boxes hold the circle, across the antimeridian and at the poles", () => {
    const [w, s, e, n] = circleBBox(0, 179.99, 5000);
    expect(w).toBeLessThan(179.99);
    expect(e).toBeGreaterThan(180); // crosses: expressed past 180
    expect(n - s).toBeCloseTo((2 * 5000) / 111_195, 4);
    expect(circleBBox(89.99, 0, 5000)).toEqual([-180, expect.any(Number), 180, 90]);
  });
});

describe("circles", () => {
  const fence = compileFence({
    id: "c",
    name: "c",
    externalId: null,
    tags: [],
    metadata: {},
    dwellSeconds: null,
    cooldownSeconds: 0,
    geometry: { type: "Point", coordinates: [2.3522, 48.8566], radius: 100 },
  });
  it("contains points within the radius only", () => {
    expect(fenceContains(fence, 48.8566, 2.3522)).toBe(true);
    expect(fenceContains(fence, 48.8566 + 99 / 111_195, 2.3522)).toBe(true);
    expect(fenceContains(fence, 48.8566 + 101 / 111_195, 2.3522)).toBe(false);
    expect(fenceDistanceM(fence, 48.8566 + 150 / 111_195, 2.3522)).toBeCloseTo(50, 0);
  });
  it("works across the antimeridian", () => {
    const f = compileFence({ ...fence, geometry: { type: "Point", coordinates: [179.9995, -17.7], radius: 200 } });
    expect(fenceContains(f, -17.7, -179.9995)).toBe(true); // ~105 m east, over the line
    expect(fenceContains(f, -17.7, -179.99)).toBe(false);
  });
});

describe("point in polygon", () => {
  // A concave "C" (U opening east) around Paris: the notch is outside.
  const C = [
    [
      [2.3, 48.8],
      [2.4, 48.8],
      [2.4, 48.82],
      [2.32, 48.82],
      [2.32, 48.88],
      [2.4, 48.88],
      [2.4, 48.9],
      [2.3, 48.9],
      [2.3, 48.8],
    ],
  ];

  it("handles concave polygons", () => {
    expect(inside(C, 2.31, 48.85)).toBe(true); // the spine
    expect(inside(C, 2.35, 48.81)).toBe(true); // bottom arm
    expect(inside(C, 2.35, 48.89)).toBe(true); // top arm
    expect(inside(C, 2.35, 48.85)).toBe(false); // the notch
    expect(inside(C, 2.45, 48.85)).toBe(false);
    expect(inside(C, 2.29, 48.85)).toBe(false);
  });

  it("handles holes", () => {
    const withHole = [
      [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10],
        [0, 0],
      ],
      [
        [4, 4],
        [6, 4],
        [6, 6],
        [4, 6],
        [4, 4],
      ],
    ];
    expect(inside(withHole, 2, 2)).toBe(true);
    expect(inside(withHole, 5, 5)).toBe(false);
  });

  it("handles rings crossing the antimeridian (Fiji-style)", () => {
    const fiji = [
      [
        [179.5, -17],
        [-179.5, -17],
        [-179.5, -18],
        [179.5, -18],
        [179.5, -17],
      ],
    ];
    expect(inside(fiji, 179.9, -17.5)).toBe(true);
    expect(inside(fiji, -179.9, -17.5)).toBe(true);
    expect(inside(fiji, 180, -17.5)).toBe(true);
    expect(inside(fiji, -180, -17.5)).toBe(true);
    expect(inside(fiji, 0, -17.5)).toBe(false); // not the 359° the long way round
    expect(inside(fiji, 179.4, -17.5)).toBe(false);
    expect(inside(fiji, -179.4, -17.5)).toBe(false);
    const c = compilePolygon(fiji);
    expect(polygonBBox(c)[0]).toBeCloseTo(179.5);
    expect(polygonBBox(c)[2]).toBeCloseTo(180.5);
    // 1° × 1° near 17.5° S ≈ 111 km × 106 km.
    expect(c.areaM2 / 1e6).toBeCloseTo(11_795, -2);
  });

  it("handles a concave ring crossing the antimeridian", () => {
    // A "U" opening north, straddling 180°.
    const U = [
      [
        [179.8, 10],
        [-179.8, 10],
        [-179.8, 11],
        [-179.9, 11],
        [-179.9, 10.2],
        [179.9, 10.2],
        [179.9, 11],
        [179.8, 11],
        [179.8, 10],
      ],
    ];
    expect(inside(U, 179.85, 10.5)).toBe(true);
    expect(inside(U, -179.85, 10.5)).toBe(true);
    expect(inside(U, 180, 10.1)).toBe(true);
    expect(inside(U, 180, 10.5)).toBe(false); // in the notch
  });

  it("handles a cap around the North Pole and near-pole polygons", () => {
    const arctic = [
      [
        [0, 85],
        [90, 85],
        [180, 85],
        [-90, 85],
        [0, 85],
      ],
    ];
    for (const lng of [-180, -135, -45, 0, 45, 135, 179.9]) {
      expect(inside(arctic, lng, 88)).toBe(true);
      expect(inside(arctic, lng, 80)).toBe(false);
    }
    expect(inside(arctic, 0, 90)).toBe(true);
    // A small polygon near (not around) the pole.
    const nearPole = [
      [
        [10, 89.5],
        [40, 89.5],
        [40, 89.8],
        [10, 89.8],
        [10, 89.5],
      ],
    ];
    expect(inside(nearPole, 25, 89.6)).toBe(true);
    expect(inside(nearPole, 60, 89.6)).toBe(false);
    expect(inside(nearPole, -155, 89.6)).toBe(false);
    // A cap around the South Pole.
    const antarctic = [
      [
        [0, -80],
        [-90, -80],
        [180, -80],
        [90, -80],
        [0, -80],
      ],
    ];
    expect(inside(antarctic, 123, -85)).toBe(true);
    expect(inside(antarctic, 123, -75)).toBe(false);
    expect(polygonBBox(compilePolygon(arctic))).toEqual([-180, 85, 180, 90]);
    // Cap above 85°: 2πR²(1 − sin 85°).
    expect(
      compilePolygon(arctic).areaM2 / (2 * Math.PI * 6_371_008.8 ** 2 * (1 - Math.sin((85 * Math.PI) / 180))),
    ).toBeCloseTo(1, 6);
  });

  it("measures the distance to the nearest edge from outside", () => {
    const f = compileFence({
      id: "p",
      name: "p",
      externalId: null,
      tags: [],
      metadata: {},
      dwellSeconds: null,
      cooldownSeconds: 0,
      geometry: { type: "Polygon", coordinates: C },
    });
    expect(fenceDistanceM(f, 48.85, 2.31)).toBe(0);
    // 0.01° of longitude east of the spine's inner edge at 48.85° N ≈ 732 m… from the notch, the spine edge at 2.32 is 0.01° away.
    expect(fenceDistanceM(f, 48.85, 2.33)).toBeCloseTo(haversineM(48.85, 2.33, 48.85, 2.32), -1);
    expect(f.sizeM).toBeGreaterThan(1000);
  });
});

describe("polygon validation", () => {
  const fields = (raw: unknown) => validatePolygonCoordinates(raw).map((p) => `${p.path.join(".")}: ${p.message}`);

  it("accepts valid rings, including antimeridian crossers and pole caps", () => {
    expect(
      fields([
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
      ]),
    ).toEqual([]);
    expect(
      fields([
        [
          [179.5, -17],
          [-179.5, -17],
          [-179.5, -18],
          [179.5, -18],
          [179.5, -17],
        ],
      ]),
    ).toEqual([]);
    expect(
      fields([
        [
          [0, 85],
          [90, 85],
          [180, 85],
          [-90, 85],
          [0, 85],
        ],
      ]),
    ).toEqual([]);
  });

  it("names the field of each problem", () => {
    expect(
      fields([
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
        ],
      ])[0],
    ).toMatch(/^coordinates\.0: ring is not closed/);
    expect(
      fields([
        [
          [0, 0],
          [1, 0],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/^coordinates\.0: a linear ring needs at least 4 positions/);
    expect(
      fields([
        [
          [0, 0],
          [1, 0],
          [1, 0],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/^coordinates\.0: ring needs at least 3 distinct corners/);
    expect(
      fields([
        [
          [0, 0],
          [1, 0],
          [1, 95],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/^coordinates\.0\.2\.1: latitude must be between -90 and 90/);
    expect(
      fields([
        [
          [0, 0],
          [181, 0],
          [1, 1],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/^coordinates\.0\.1\.0: longitude must be between -180 and 180/);
    expect(
      fields([
        [
          [0, 0],
          ["a", 0],
          [1, 1],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/^coordinates\.0\.1: expected a position/);
    expect(fields([])[0]).toMatch(/^coordinates: expected an array of linear rings/);
    expect(
      fields([
        [
          [0, 0],
          [1, 1],
          [2, 2],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/ring (has no area|self-intersects)/);
  });

  it("rejects self-intersections (bow tie, spike, touching vertex)", () => {
    expect(
      fields([
        [
          [0, 0],
          [1, 1],
          [1, 0],
          [0, 1],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/^coordinates\.0: ring self-intersects/);
    // A spike doubling back along an edge.
    expect(
      fields([
        [
          [0, 0],
          [2, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/self-intersects/);
    // Figure eight touching at one vertex.
    expect(
      fields([
        [
          [0, 0],
          [1, 1],
          [2, 0],
          [2, 2],
          [1, 1],
          [0, 2],
          [0, 0],
        ],
      ])[0],
    ).toMatch(/self-intersects/);
    // Bow tie across the antimeridian.
    expect(
      fields([
        [
          [179, 0],
          [-179, 1],
          [-179, 0],
          [179, 1],
          [179, 0],
        ],
      ])[0],
    ).toMatch(/self-intersects/);
  });

  it("rejects holes outside the outline and ambiguous 180° edges", () => {
    expect(
      fields([
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ],
        [
          [5, 5],
          [6, 5],
          [6, 6],
          [5, 5],
        ],
      ])[0],
    ).toMatch(/^coordinates\.1: hole lies outside/);
    expect(
      fields([
        [
          [-90, 0],
          [90, 0],
          [90, 10],
          [-90, 0],
        ],
      ])[0],
    ).toMatch(/^coordinates\.0\.1: edge spans exactly 180°/);
  });
});
