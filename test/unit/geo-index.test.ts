import { describe, expect, it } from "vitest";
import { compileFence, type Fence, fenceDistanceM } from "../../src/domain/geo/fence";
import { bruteForceContaining, bruteForceNearest, FenceIndex } from "../../src/domain/geo/fence-index";
import { haversineM } from "../../src/domain/geo/geo-math";
import { PackedRTree } from "../../src/domain/geo/packed-rtree";
import { CITY, randomFences, randomPoint, rng, type Spread, WORLD } from "../../bench/geo/random-fences";

const ids = (fs: Fence[]) => fs.map((f) => f.id).sort();

/** Query points: random ones plus points placed inside fences (so the answers are not all empty). */
function queries(fences: Fence[], spread: Spread, n: number, seed: number): Array<{ lat: number; lng: number }> {
  const r = rng(seed);
  const out: Array<{ lat: number; lng: number }> = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) out.push(randomPoint(r, spread));
    else {
      const f = fences[Math.floor(r() * fences.length)]!;
      out.push({ lat: f.center.lat + (r() - 0.5) * 0.002, lng: f.center.lng + (r() - 0.5) * 0.002 });
    }
  }
  return out;
}

describe("packed R-tree", () => {
  it("finds exactly the boxes a query intersects", () => {
    const r = rng(1);
    const boxes: number[][] = [];
    const tree = new PackedRTree(5000, 16);
    for (let i = 0; i < 5000; i++) {
      const x = r() * 100,
        y = r() * 100;
      const b = [x, y, x + r() * 5, y + r() * 5];
      boxes.push(b);
      tree.add(b[0]!, b[1]!, b[2]!, b[3]!);
    }
    tree.finish();
    for (let q = 0; q < 200; q++) {
      const x = r() * 100,
        y = r() * 100,
        w = r() * 10;
      const found: number[] = [];
      tree.search(x, y, x + w, y + w, (i) => found.push(i));
      const expected = boxes.flatMap((b, i) =>
        b[0]! <= x + w && b[2]! >= x && b[1]! <= y + w && b[3]! >= y ? [i] : [],
      );
      expect(found.sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it("handles empty and single-item trees", () => {
    const empty = new PackedRTree(0).finish();
    const seen: number[] = [];
    empty.search(-1, -1, 1, 1, (i) => seen.push(i));
    expect(seen).toEqual([]);
    const one = new PackedRTree(1);
    one.add(0, 0, 1, 1);
    one.finish();
    one.search(0.5, 0.5, 0.5, 0.5, (i) => seen.push(i));
    expect(seen).toEqual([0]);
  });
});

describe("fence index = brute force", () => {
  for (const [label, spread, count] of [
    ["city, 2k fences", CITY, 2000],
    ["world, 5k fences", WORLD, 5000],
  ] as const) {
    it(`containing() and candidatesNear() agree with the brute force (${label})`, { timeout: 60_000 }, () => {
      const fences = randomFences({ count, spread, seed: 42, maxRadiusM: spread === WORLD ? 50_000 : 2000 }).map(
        compileFence,
      );
      const index = new FenceIndex(fences);
      let nonEmpty = 0;
      for (const q of queries(fences, spread, 240, 3)) {
        const expected = ids(bruteForceContaining(fences, q.lat, q.lng));
        if (expected.length > 0) nonEmpty++;
        expect(ids(index.containing(q.lat, q.lng))).toEqual(expected);
        // Candidates near a fix with 150 m accuracy include every fence within 150 m.
        const near = new Set(index.candidatesNear(q.lat, q.lng, 150).map((f) => f.id));
        for (const f of fences) if (fenceDistanceM(f, q.lat, q.lng) <= 149) expect(near.has(f.id)).toBe(true);
      }
      expect(nonEmpty).toBeGreaterThan(60);
    });
  }

  it("nearest() returns the brute-force k nearest, in order", { timeout: 30_000 }, () => {
    const fences = randomFences({ count: 3000, spread: CITY, seed: 9 }).map(compileFence);
    const index = new FenceIndex(fences);
    for (const q of queries(fences, CITY, 100, 4)) {
      const got = index.nearest(q.lat, q.lng, 20);
      const want = bruteForceNearest(fences, q.lat, q.lng, 20);
      expect(got.length).toBe(20);
      got.forEach((g, i) => expect(g.distanceM).toBeCloseTo(want[i]!.distanceM, 6));
    }
  });

  it("handles fences on the antimeridian and at the poles", { timeout: 30_000 }, () => {
    const r = rng(5);
    const defs = [
      ...randomFences({ count: 500, spread: { lat: 0, lng: 180, dLat: 60, dLng: 0.5 }, seed: 11, maxRadiusM: 20_000 }),
      ...randomFences({
        count: 200,
        spread: { lat: -16, lng: 180, dLat: 1, dLng: 1 },
        seed: 12,
        polygonShare: 1,
        maxRadiusM: 30_000,
      }),
      {
        id: "arctic",
        name: "arctic",
        externalId: null,
        tags: [],
        metadata: {},
        dwellSeconds: null,
        cooldownSeconds: 0,
        geometry: {
          type: "Polygon" as const,
          coordinates: [
            [
              [0, 85],
              [90, 85],
              [180, 85],
              [-90, 85],
              [0, 85],
            ],
          ],
        },
      },
      {
        id: "pole-circle",
        name: "pole",
        externalId: null,
        tags: [],
        metadata: {},
        dwellSeconds: null,
        cooldownSeconds: 0,
        geometry: { type: "Point" as const, coordinates: [0, 89.9], radius: 30_000 },
      },
    ];
    const fences = defs.map(compileFence);
    const index = new FenceIndex(fences);
    const points = [
      ...Array.from({ length: 500 }, () => ({ lat: -60 + 120 * r(), lng: (r() < 0.5 ? 179.5 : -180) + r() * 0.5 })),
      ...Array.from({ length: 200 }, () => ({ lat: 84 + 6 * r(), lng: -180 + 360 * r() })),
      { lat: 90, lng: 0 },
      { lat: 89.95, lng: 180 },
      { lat: 89.95, lng: -180 },
    ];
    let hits = 0;
    for (const q of points) {
      const expected = ids(bruteForceContaining(fences, q.lat, q.lng));
      hits += expected.length;
      expect(ids(index.containing(q.lat, q.lng))).toEqual(expected);
    }
    expect(hits).toBeGreaterThan(100);
    expect(ids(index.containing(89.95, 120))).toEqual(["arctic", "pole-circle"]);
    // Nearest across the line: a fence just east of 180° is found from just west of it.
    const near = index.nearest(0, 179.9999, 5);
    const want = bruteForceNearest(fences, 0, 179.9999, 5);
    near.forEach((n, i) => expect(n.distanceM).toBeCloseTo(want[i]!.distanceM, 6));
    expect(new Set(near.map((n) => n.fence.id)).size).toBe(near.length);
  });

  it("100k fences: index candidates equal brute force", { timeout: 120_000 }, () => {
    const fences = randomFences({ count: 100_000, spread: CITY, seed: 2026, maxRadiusM: 1000 }).map(compileFence);
    const index = new FenceIndex(fences);
    expect(index.size).toBe(100_000);
    for (const q of queries(fences, CITY, 150, 8))
      expect(ids(index.containing(q.lat, q.lng))).toEqual(ids(bruteForceContaining(fences, q.lat, q.lng)));
    const world = randomFences({ count: 100_000, spread: WORLD, seed: 2027, maxRadiusM: 50_000 }).map(compileFence);
    const worldIndex = new FenceIndex(world);
    for (const q of queries(world, WORLD, 150, 9))
      expect(ids(worldIndex.containing(q.lat, q.lng))).toEqual(ids(bruteForceContaining(world, q.lat, q.lng)));
    // The index holds ~36 bytes per fence in typed arrays.
    expect(index.indexBytes / 100_000).toBeLessThan(48);
    expect(haversineM(0, 0, 0, 0)).toBe(0);
  });
});
