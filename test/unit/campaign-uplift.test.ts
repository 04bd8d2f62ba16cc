import { describe, expect, it } from "vitest";
import { conversionUplift, normalQuantile, wilson, zFor } from "../../src/domain/campaigns/uplift";

const Z95 = 1.959963984540054;
const close = (actual: number | null | undefined, expected: number, digits = 4) => {
  expect(actual).not.toBeNull();
  expect(actual).toBeCloseTo(expected, digits);
};

describe("normalQuantile / zFor", () => {
  it("matches standard normal quantiles", () => {
    close(zFor(0.95), Z95, 8);
    close(zFor(0.9), 1.6448536269514722, 8);
    close(zFor(0.99), 2.5758293035489004, 8);
    close(normalQuantile(0.5), 0, 8);
    close(normalQuantile(0.001), -3.090232306167813, 7);
  });

  it("rejects impossible confidences", () => {
    expect(() => zFor(1)).toThrow(RangeError);
    expect(() => zFor(0)).toThrow(RangeError);
    expect(() => conversionUplift({ users: 1, conversions: 0 }, { users: 1, conversions: 0 }, 1.5)).toThrow(RangeError);
  });
});

describe("wilson", () => {
  // Reference values: Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
    [29, 29, 0.883, 1],
  ])("%i/%i → [%f, %f]", (x, n, low, high) => {
    const ci = wilson(x, n, Z95);
    close(ci?.low, low);
    close(ci?.high, high);
  });

  it("is null without users", () => {
    expect(wilson(0, 0, Z95)).toBeNull();
  });
});

describe("conversionUplift", () => {
  // Reference values: Newcombe (1998), "Interval estimation for the difference between independent
  // proportions: comparison of eleven methods", Table II, method 10 (hybrid score, no continuity correction).
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339],
    [9, 10, 3, 10, 0.1705, 0.809],
    [6, 7, 2, 7, 0.0582, 0.8062],
    [5, 56, 0, 29, -0.0381, 0.1926],
    [0, 10, 0, 20, -0.1611, 0.2775],
    [0, 10, 0, 10, -0.2775, 0.2775],
    [10, 10, 0, 20, 0.6791, 1],
    [10, 10, 0, 10, 0.6075, 1],
  ])("%i/%i vs %i/%i → [%f, %f]", (x1, n1, x2, n2, low, high) => {
    const r = conversionUplift({ users: n1, conversions: x1 }, { users: n2, conversions: x2 });
    close(r.ci?.low, low);
    close(r.ci?.high, high);
    close(r.absoluteUplift, x1 / n1 - x2 / n2, 10);
    expect(r.significant).toBe(low > 0 || high < 0);
  });

  it("reports rates, relative uplift and per-group intervals", () => {
    const r = conversionUplift({ users: 10_000, conversions: 600 }, { users: 10_000, conversions: 500 });
    close(r.treatmentRate, 0.06, 10);
    close(r.controlRate, 0.05, 10);
    close(r.absoluteUplift, 0.01, 10);
    close(r.relativeUplift, 0.2, 10);
    expect(r.significant).toBe(true);
    expect(r.ci!.low).toBeGreaterThan(0);
    expect(r.ci!.low).toBeLessThan(0.01);
    expect(r.ci!.high).toBeGreaterThan(0.01);
    expect(r.treatmentCi!.low).toBeLessThan(0.06);
    expect(r.controlCi!.high).toBeGreaterThan(0.05);
    expect(r.confidence).toBe(0.95);
  });

  it("a wider confidence gives a wider interval", () => {
    const t = { users: 2000, conversions: 130 };
    const c = { users: 2000, conversions: 100 };
    const r90 = conversionUplift(t, c, 0.9);
    const r99 = conversionUplift(t, c, 0.99);
    expect(r99.ci!.low).toBeLessThan(r90.ci!.low);
    expect(r99.ci!.high).toBeGreaterThan(r90.ci!.high);
  });

  it("is not significant with no difference", () => {
    const r = conversionUplift({ users: 500, conversions: 50 }, { users: 500, conversions: 50 });
    expect(r.absoluteUplift).toBe(0);
    expect(r.relativeUplift).toBe(0);
    expect(r.significant).toBe(false);
  });

  it("relative uplift is null when the control converted no one", () => {
    const r = conversionUplift({ users: 100, conversions: 5 }, { users: 100, conversions: 0 });
    expect(r.relativeUplift).toBeNull();
    close(r.absoluteUplift, 0.05, 10);
  });

  it("is robust to empty groups: nulls, never NaN", () => {
    const r = conversionUplift({ users: 100, conversions: 5 }, { users: 0, conversions: 0 });
    expect(r).toMatchObject({
      controlRate: null,
      controlCi: null,
      absoluteUplift: null,
      relativeUplift: null,
      ci: null,
      significant: false,
    });
    close(r.treatmentRate, 0.05, 10);
    const both = conversionUplift({ users: 0, conversions: 0 }, { users: 0, conversions: 0 });
    expect(both).toMatchObject({ treatmentRate: null, controlRate: null, ci: null, significant: false });
    const numbers = (v: unknown): number[] =>
      typeof v === "number" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(numbers) : [];
    for (const n of [...numbers(r), ...numbers(both)]) expect(Number.isNaN(n)).toBe(false);
  });

  it("clamps inconsistent counts instead of producing rates above 1", () => {
    const r = conversionUplift({ users: 10, conversions: 12 }, { users: 10, conversions: -1 });
    expect(r.treatmentRate).toBe(1);
    expect(r.controlRate).toBe(0);
    expect(Number.isNaN(r.ci!.low)).toBe(false);
  });
});
