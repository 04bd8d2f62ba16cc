import { describe, expect, it } from "vitest";
import { nelderMead } from "../../src/domain/segments/nelder-mead";

describe("Nelder–Mead (the BG/NBD fit's optimiser)", () => {
  it("finds the minimum of the Rosenbrock valley", () => {
    const rosenbrock = ([x, y]: number[]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2;
    let result = nelderMead(rosenbrock, [-1.2, 1], { tolerance: 1e-14, maxIterations: 10_000 });
    result = nelderMead(rosenbrock, result.x, { step: 0.01, tolerance: 1e-16, maxIterations: 10_000 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 5);
    expect(result.x[1]).toBeCloseTo(1, 5);
  });

  it("treats NaN and infinite values as walls", () => {
    const f = ([x]: number[]) => (x! < 0 ? Number.NaN : (x! - 2) ** 2);
    const result = nelderMead(f, [0.5], { step: 1 });
    expect(result.x[0]).toBeCloseTo(2, 4);
  });

  it("stops at the iteration limit and says it did not converge", () => {
    const result = nelderMead(([x, y]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2, [-1.2, 1], { maxIterations: 5 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(5);
  });
});
