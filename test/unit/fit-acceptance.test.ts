import { describe, expect, it } from "vitest";
import { acceptFit, fitProblem } from "../../src/domain/segments/fit-acceptance";

const good = { r: 0.24, alpha: 4.41, a: 0.79, b: 2.43, logLikelihood: -9582.4, n: 2357, converged: true };

describe("nightly BG/NBD fit acceptance", () => {
  it("accepts a converged fit with sane parameters", () => {
    expect(fitProblem(good)).toBeNull();
    expect(acceptFit(good, null, 5)).toEqual({ bgnbd: good, rejected: null });
  });

  it("keeps the previous good fit when the new one did not converge or is degenerate, and says why", () => {
    const unconverged = { ...good, converged: false };
    expect(acceptFit(unconverged, good, 5)).toEqual({
      bgnbd: good,
      rejected: { at: 5, reason: "the optimiser did not converge; the previous fit is kept", fit: unconverged },
    });
    const broken = { ...good, a: Number.NaN };
    const r = acceptFit(broken, good, 5);
    expect(r.bgnbd).toBe(good);
    expect(r.rejected?.reason).toBe("a = NaN is not a positive number; the previous fit is kept");
    expect(acceptFit(unconverged, null, 5).rejected?.reason).toMatch(/no churn scores until a fit succeeds$/);
    // The homogeneous-dropout limit (very large a and b) of a converged fit is a model, not an error.
    expect(fitProblem({ ...good, a: 7.5e6, b: 1.6e7 })).toBeNull();
  });

  it("no fresh fit (no purchasers yet) keeps what there was", () => {
    expect(acceptFit(null, good, 5)).toEqual({ bgnbd: good, rejected: null });
  });
});
