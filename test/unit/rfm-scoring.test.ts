import { describe, expect, it } from "vitest";
import { DAY } from "../../src/kernel/clock";
import {
  quintileCutPoints,
  quintileRanks,
  RFM_GRID,
  RFM_SEGMENTS,
  rfmSegmentOf,
  type Score,
  scoreAscending,
  scoreRecency,
  scoreRfm,
} from "../../src/domain/segments/rfm";

const scores: Score[] = [1, 2, 3, 4, 5];

describe("RFM R×F map", () => {
  it("names all 25 cells, and uses each of the ten segments", () => {
    const seen = new Set<string>();
    for (const r of scores)
      for (const f of scores) {
        const segment = rfmSegmentOf(r, f);
        expect(RFM_SEGMENTS).toContain(segment);
        seen.add(segment);
      }
    expect(RFM_GRID.flat()).toHaveLength(25);
    expect([...seen].sort()).toEqual([...RFM_SEGMENTS].sort());
  });

  it("matches the documented table cell by cell", () => {
    const table: Record<string, string> = {
      "55": "Champions",
      "54": "Champions",
      "53": "Potential Loyalists",
      "52": "Potential Loyalists",
      "51": "New Customers",
      "45": "Loyal",
      "44": "Loyal",
      "43": "Potential Loyalists",
      "42": "Potential Loyalists",
      "41": "Promising",
      "35": "Loyal",
      "34": "Loyal",
      "33": "Need Attention",
      "32": "About To Sleep",
      "31": "About To Sleep",
      "25": "Can't Lose Them",
      "24": "At Risk",
      "23": "At Risk",
      "22": "Hibernating",
      "21": "Hibernating",
      "15": "Can't Lose Them",
      "14": "At Risk",
      "13": "At Risk",
      "12": "Hibernating",
      "11": "Hibernating",
    };
    for (const [cell, name] of Object.entries(table))
      expect(rfmSegmentOf(Number(cell[0]) as Score, Number(cell[1]) as Score)).toBe(name);
  });
});

describe("quintile cut points", () => {
  it("uses the nearest rank ⌈k·n/5⌉", () => {
    expect(quintileRanks(10)).toEqual([2, 4, 6, 8]);
    expect(quintileRanks(7)).toEqual([2, 3, 5, 6]);
    expect(quintileRanks(1)).toEqual([1, 1, 1, 1]);
    expect(quintileCutPoints([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toEqual([2, 4, 6, 8]);
    expect(quintileCutPoints([])).toBeNull();
  });

  it("scores 1..5 evenly on distinct values", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const cuts = quintileCutPoints(values)!;
    const counts = [0, 0, 0, 0, 0];
    for (const v of values) counts[scoreAscending(v, cuts) - 1]!++;
    expect(counts).toEqual([20, 20, 20, 20, 20]);
  });

  it("keeps ties together in the lowest quintile containing them", () => {
    // 60 % bought once, 20 % twice, 20 % three or more times.
    const values = [
      ...Array(60).fill(1),
      ...Array(20).fill(2),
      3,
      3,
      4,
      4,
      5,
      5,
      6,
      6,
      7,
      7,
      8,
      8,
      9,
      9,
      10,
      10,
      11,
      11,
      12,
      12,
    ];
    const cuts = quintileCutPoints(values)!;
    expect(cuts).toEqual([1, 1, 1, 2]);
    expect(scoreAscending(1, cuts)).toBe(1);
    expect(scoreAscending(2, cuts)).toBe(4);
    expect(scoreAscending(3, cuts)).toBe(5);
    // equal values always share a score
    const byValue = new Map<number, Set<number>>();
    for (const v of values) (byValue.get(v) ?? byValue.set(v, new Set()).get(v)!).add(scoreAscending(v, cuts));
    for (const s of byValue.values()) expect(s.size).toBe(1);
  });

  it("boundary values belong to the lower quintile; recency is reversed", () => {
    const cuts: [number, number, number, number] = [10, 20, 30, 40];
    expect([0, 10, 10.01, 20, 30, 40, 40.5].map((v) => scoreAscending(v, cuts))).toEqual([1, 1, 2, 2, 3, 4, 5]);
    expect([0, 10, 10.01, 20, 30, 40, 40.5].map((v) => scoreRecency(v, cuts))).toEqual([5, 5, 4, 4, 3, 2, 1]);
  });

  it("ignores non-finite values", () => {
    expect(quintileCutPoints([Number.NaN, 1, 2, 3, 4, 5, Infinity])).toEqual([1, 2, 3, 4]);
  });
});

describe("scoreRfm", () => {
  const cuts = {
    recencyDays: [7, 30, 60, 120] as [number, number, number, number],
    frequency: [1, 1, 2, 4] as [number, number, number, number],
    monetary: [20, 50, 100, 300] as [number, number, number, number],
    n: 100,
  };
  const now = Date.UTC(2026, 10, 24);

  it("is null for people who never purchased", () => {
    expect(scoreRfm({ purchases: 0, revenue: 0, lastPurchase: null }, cuts, now)).toBeNull();
  });

  it("scores a recent heavy buyer as a Champion and the same person later as Can't Lose Them", () => {
    const champion = scoreRfm({ purchases: 9, revenue: 900, lastPurchase: now - 2 * DAY }, cuts, now)!;
    expect(champion).toMatchObject({
      r: 5,
      f: 5,
      m: 5,
      segment: "Champions",
      recencyDays: 2,
      frequency: 9,
      monetary: 900,
    });
    const later = scoreRfm({ purchases: 9, revenue: 900, lastPurchase: now - 2 * DAY }, cuts, now + 200 * DAY)!;
    expect(later).toMatchObject({ r: 1, f: 5, segment: "Can't Lose Them" });
  });

  it("scores a first purchase today as a New Customer", () => {
    expect(scoreRfm({ purchases: 1, revenue: 15, lastPurchase: now }, cuts, now)).toMatchObject({
      r: 5,
      f: 1,
      m: 1,
      segment: "New Customers",
    });
  });
});
