import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  churnBandOf,
  expectedPurchases,
  expectedRepeatPurchases,
  logLikelihood,
  logLikelihoodOne,
  pAlive,
} from "../../src/domain/segments/bgnbd";
import { fitBgNbd, parseSummaryCsv } from "../../src/domain/segments/bgnbd-fit";
import { hyp2f1, lnGamma } from "../../src/domain/segments/special-functions";

/** The published CDNOW estimates of Fader, Hardie & Lee (2005), Table 1 / section 4. */
const PAPER = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const PAPER_LL = -9582.4;

const csv = readFileSync(new URL("../fixtures/cdnow_customers_summary.csv", import.meta.url), "utf8");

describe("special functions", () => {
  it("lnGamma matches known values", () => {
    expect(lnGamma(1)).toBeCloseTo(0, 14);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(lnGamma(0.243)).toBeCloseTo(1.318043584699669, 12); // math.lgamma
    expect(lnGamma(123.4) / 469.3360974421906).toBeCloseTo(1, 13); // math.lgamma
    expect(Number.isNaN(lnGamma(0))).toBe(true);
  });

  it("₂F₁ matches closed forms and mpmath reference values", () => {
    // closed forms
    expect(hyp2f1(1, 1, 2, 0.5)).toBeCloseTo(2 * Math.log(2), 14); // −ln(1−z)/z
    expect(hyp2f1(0.5, 0.5, 1.5, 0.25)).toBeCloseTo(Math.asin(0.5) / 0.5, 14); // arcsin(√z)/√z
    expect(hyp2f1(2, 3, 3, 0.3)).toBeCloseTo(Math.pow(0.7, -2), 13); // (1−z)^−a
    expect(hyp2f1(-3, 2, 1.5, 0.4)).toBeCloseTo(
      1 +
        ((-3 * 2) / 1.5) * 0.4 +
        ((-3 * -2 * 2 * 3) / (1.5 * 2.5 * 2)) * 0.16 +
        ((-3 * -2 * -1 * 2 * 3 * 4) / (1.5 * 2.5 * 3.5 * 6)) * 0.064,
      13,
    ); // polynomial
    // mpmath.hyp2f1 at 30 digits
    const refs: Array<[number, number, number, number, number]> = [
      [2.3, 4.7, 5.1, 0.9, 108.8892917840108004],
      [5.243, 7.426, 7.219, 0.7, 675.87941561737412567],
      [-0.5, 1.5, 2.5, -0.8, 1.2133888595895334384],
      [10, 20, 15, 0.3, 126.27600068788864163],
    ];
    for (const [a, b, c, z, want] of refs) expect(hyp2f1(a, b, c, z) / want).toBeCloseTo(1, 12);
  });

  it("₂F₁ is guarded: NaN outside the disc or at poles, never a wrong number", () => {
    expect(Number.isNaN(hyp2f1(1, 1, 2, 1))).toBe(true);
    expect(Number.isNaN(hyp2f1(1, 1, -2, 0.5))).toBe(true);
    expect(Number.isNaN(hyp2f1(1, 1, 0, 0.5))).toBe(true);
    // near the edge of convergence it still answers correctly: −ln(1−z)/z at z = 0.999
    expect(hyp2f1(1, 1, 2, 0.999)).toBeCloseTo(-Math.log(0.001) / 0.999, 9);
  });
});

describe("BG/NBD likelihood", () => {
  const { customers } = parseSummaryCsv(csv);

  it("reads the CDNOW calibration summary", () => {
    expect(customers).toHaveLength(2357);
    expect(customers[0]).toEqual({ x: 2, tx: 30.43, T: 38.86 });
  });

  it("gives the paper's log-likelihood at the paper's estimates", () => {
    expect(logLikelihood(PAPER, customers)).toBeCloseTo(PAPER_LL, 0);
  });

  it("matches the closed-form likelihood per customer (mpmath reference)", () => {
    expect(logLikelihoodOne(PAPER, 2, 30.43, 38.86)).toBeCloseTo(-9.45860630706627, 10);
    expect(logLikelihoodOne(PAPER, 0, 0, 38.86)).toBeCloseTo(-0.554713276438158, 10);
    expect(logLikelihoodOne(PAPER, 26, 35.14, 35.86)).toBeCloseTo(-41.0876024492731, 9);
  });

  it("weights count like repeated customers", () => {
    const one = { x: 3, tx: 10, T: 20 };
    expect(logLikelihood(PAPER, [{ ...one, weight: 3 }])).toBeCloseTo(3 * logLikelihood(PAPER, [one]), 10);
    expect(Number.isNaN(logLikelihood({ ...PAPER, r: -1 }, [one]))).toBe(true);
  });
});

describe("CDNOW reproduction (Fader, Hardie & Lee 2005)", () => {
  it("fits r, α, a, b and the log-likelihood to the precision the paper reports", () => {
    const fit = fitBgNbd(parseSummaryCsv(csv).customers)!;
    expect(fit.n).toBe(2357);
    expect(fit.r.toFixed(3)).toBe("0.243");
    expect(fit.alpha.toFixed(3)).toBe("4.414");
    expect(fit.a.toFixed(3)).toBe("0.793");
    expect(fit.b.toFixed(3)).toBe("2.426");
    expect(fit.logLikelihood.toFixed(1)).toBe("-9582.4");
    expect(fit.converged).toBe(true);
  });

  it("refuses to fit without repeat purchases", () => {
    expect(
      fitBgNbd([
        { x: 0, tx: 0, T: 5 },
        { x: 0, tx: 0, T: 6 },
      ]),
    ).toBeNull();
  });
});

describe("P(alive) and expected purchases", () => {
  it("P(alive) matches reference values and is 1 when x = 0", () => {
    expect(pAlive(PAPER, 2, 30.43, 38.86)).toBeCloseTo(0.726578570080673, 12);
    expect(pAlive(PAPER, 1, 1.71, 38.86)).toBeCloseTo(0.212100985377379, 12);
    expect(pAlive(PAPER, 0, 0, 38.86)).toBe(1);
    expect(pAlive(PAPER, 0, 0, 1e6)).toBe(1);
  });

  it("P(alive) stays in (0, 1], falls as time passes without purchases, and has its limit at t_x = T", () => {
    let previous = 1;
    for (const T of [10, 20, 40, 80, 160, 1000, 1e6]) {
      const p = pAlive(PAPER, 3, 10, T);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      expect(p).toBeLessThan(previous);
      previous = p;
    }
    expect(previous).toBeLessThan(1e-6);
    expect(pAlive(PAPER, 3, 20, 20)).toBeCloseTo(1 / (1 + PAPER.a / (PAPER.b + 3 - 1)), 14);
    // a more recent last purchase → more likely alive
    expect(pAlive(PAPER, 3, 30, 38)).toBeGreaterThan(pAlive(PAPER, 3, 10, 38));
    // a heavy buyer who went quiet is more likely gone than a light one with the same recency
    expect(pAlive(PAPER, 10, 10, 38)).toBeLessThan(pAlive(PAPER, 2, 10, 38));
  });

  it("E[Y(t) | x, t_x, T] (equation 10) matches reference values", () => {
    expect(expectedPurchases(PAPER, 39, 2, 30.43, 38.86)).toBeCloseTo(1.22602817476714, 9);
    expect(expectedPurchases(PAPER, 39, 0, 0, 38.86)).toBeCloseTo(0.195098052011263, 9);
    expect(expectedPurchases(PAPER, 39, 26, 35.14, 35.86)).toBeCloseTo(18.5133652785627, 8);
    expect(expectedPurchases(PAPER, 30 / 7, 7, 29.43, 35)).toBeCloseTo(0.593240468693227, 9);
  });

  it("E[Y(t)] is 0 at t = 0, grows with t, and tends to P(alive)·(a+b+x−1)/(a−1) when a > 1", () => {
    const p = { r: 0.5, alpha: 3, a: 2.5, b: 4 };
    expect(expectedPurchases(p, 0, 3, 10, 20)).toBe(0);
    let previous = 0;
    for (const t of [1, 5, 20, 100, 1000]) {
      const e = expectedPurchases(p, t, 3, 10, 20);
      expect(e).toBeGreaterThan(previous);
      previous = e;
    }
    const limit = pAlive(p, 3, 10, 20) * ((p.a + p.b + 3 - 1) / (p.a - 1));
    expect(expectedPurchases(p, 1e5, 3, 10, 20)).toBeCloseTo(limit, 3);
    // a = 1 is a removable singularity: the value is continuous across it
    const near = expectedPurchases({ ...p, a: 1 + 1e-3 }, 10, 3, 10, 20);
    expect(expectedPurchases({ ...p, a: 1 }, 10, 3, 10, 20)).toBeCloseTo(near, 2);
  });

  it("E[X(t)] for a new customer (equation 9) grows with t", () => {
    expect(expectedRepeatPurchases(PAPER, 0)).toBe(0);
    expect(expectedRepeatPurchases(PAPER, 39)).toBeGreaterThan(expectedRepeatPurchases(PAPER, 10));
  });

  it("bands P(alive) by the app's thresholds", () => {
    const bands = { high: 0.3, medium: 0.6 };
    expect(churnBandOf(0.1, bands)).toBe("high");
    expect(churnBandOf(0.3, bands)).toBe("medium");
    expect(churnBandOf(0.59, bands)).toBe("medium");
    expect(churnBandOf(0.6, bands)).toBe("low");
    expect(churnBandOf(1, bands)).toBe("low");
  });
});
