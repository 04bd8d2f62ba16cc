import { describe, expect, it } from "vitest";
import { assignArm, CONTROL_ARM, murmur3, stableUnit } from "../../src/domain/campaigns/policy/assignment";

const utf8 = (s: string) => new TextEncoder().encode(s);
const ids = (n: number, prefix = "user-") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("murmur3", () => {
  it("matches the reference MurmurHash3 x86_32 vectors", () => {
    expect(murmur3(utf8(""), 0)).toBe(0);
    expect(murmur3(utf8(""), 1)).toBe(0x514e28b7);
    expect(murmur3(utf8("hello"), 0)).toBe(0x248bfa47);
    expect(murmur3(utf8("abc"), 0)).toBe(0xb3dd93fa);
    expect(murmur3(utf8("The quick brown fox jumps over the lazy dog"), 0)).toBe(0x2e4ff723);
  });

  it("hashes UTF-8 bytes (non-ASCII ids are stable across runtimes)", () => {
    expect(murmur3(utf8("José"))).toBe(murmur3(new Uint8Array([0x4a, 0x6f, 0x73, 0xc3, 0xa9])));
  });
});

describe("stableUnit", () => {
  it("is in [0, 1) and deterministic", () => {
    for (const id of ids(1000)) {
      const u = stableUnit("cmp_1", id);
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      expect(stableUnit("cmp_1", id)).toBe(u);
    }
  });

  it("is uniform: 10 deciles of 100k ids each within ±1% of 10%", () => {
    const buckets = new Array<number>(10).fill(0);
    for (const id of ids(100_000)) buckets[Math.floor(stableUnit("cmp_uniform", id) * 10)]!++;
    for (const b of buckets) expect(Math.abs(b / 100_000 - 0.1)).toBeLessThan(0.01);
  });
});

describe("assignArm", () => {
  const ab = [
    { id: "A", weight: 50 },
    { id: "B", weight: 50 },
  ];

  it("is stable: the same person always lands in the same arm", () => {
    for (const id of ids(2000)) {
      const first = assignArm("cmp_1", id, ab, 10);
      for (let i = 0; i < 3; i++) expect(assignArm("cmp_1", id, ab, 10)).toEqual(first);
    }
  });

  it("depends on the campaign: arms are independent across campaigns", () => {
    let same = 0;
    for (const id of ids(10_000)) if (assignArm("cmp_1", id, ab, 0).arm === assignArm("cmp_2", id, ab, 0).arm) same++;
    expect(Math.abs(same / 10_000 - 0.5)).toBeLessThan(0.02);
  });

  it("splits 100k people by control % and weights within ±1%", () => {
    const arms = [
      { id: "A", weight: 2 },
      { id: "B", weight: 1 },
      { id: "C", weight: 1 },
    ];
    const counts: Record<string, number> = {};
    const n = 100_000;
    for (const id of ids(n)) {
      const a = assignArm("cmp_dist", id, arms, 20);
      counts[a.arm] = (counts[a.arm] ?? 0) + 1;
      expect(a.control).toBe(a.arm === CONTROL_ARM);
    }
    // 20% control; the remaining 80% split 2:1:1 → 40%, 20%, 20%.
    expect(Math.abs(counts[CONTROL_ARM]! / n - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(counts.A! / n - 0.4)).toBeLessThan(0.01);
    expect(Math.abs(counts.B! / n - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(counts.C! / n - 0.2)).toBeLessThan(0.01);
  });

  it("a 50/50 test with sequential and uuid-like ids stays within ±1%", () => {
    for (const prefix of ["", "a3f9c2e0-7b1d-4c8e-9f00-"]) {
      let a = 0;
      for (const id of ids(100_000, prefix)) if (assignArm("cmp_seq", id, ab, 0).arm === "A") a++;
      expect(Math.abs(a / 100_000 - 0.5)).toBeLessThan(0.01);
    }
  });

  it("handles 0% and 100% control", () => {
    for (const id of ids(500)) {
      expect(assignArm("cmp", id, ab, 0).control).toBe(false);
      expect(assignArm("cmp", id, ab, 100)).toEqual({ arm: CONTROL_ARM, control: true });
    }
  });

  it("a single arm gets everyone outside control; zero-weight arms get no one", () => {
    for (const id of ids(500)) {
      const a = assignArm(
        "cmp",
        id,
        [
          { id: "off", weight: 0 },
          { id: "only", weight: 1 },
        ],
        5,
      );
      expect(a.control || a.arm === "only").toBe(true);
    }
  });

  it("growing the control group only moves people into control, never between arms", () => {
    for (const id of ids(5000)) {
      const small = assignArm("cmp_grow", id, [{ id: "only", weight: 1 }], 10);
      const big = assignArm("cmp_grow", id, [{ id: "only", weight: 1 }], 20);
      if (small.control) expect(big.control).toBe(true);
    }
  });

  it("rejects impossible configurations", () => {
    expect(() => assignArm("cmp", "u", [], 0)).toThrow(RangeError);
    expect(() => assignArm("cmp", "u", [{ id: "A", weight: 0 }], 0)).toThrow(RangeError);
    expect(() => assignArm("cmp", "u", ab, 101)).toThrow(RangeError);
    expect(() => assignArm("cmp", "u", ab, -1)).toThrow(RangeError);
    // Everyone in control needs no arms.
    expect(assignArm("cmp", "u", [], 100)).toEqual({ arm: CONTROL_ARM, control: true });
  });
});
