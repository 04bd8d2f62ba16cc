import type { Millis } from "../../kernel/clock";
import type { BgNbdFit } from "./bgnbd-fit";

/** A fit the nightly job refused to score with, and why. */
export interface RejectedFit {
  at: Millis;
  reason: string;
  fit: BgNbdFit;
}

/**
 * Whether a fresh fit may replace the model, and if not, why (pure). Only a fit the optimiser
 * finished counts: a run cut off at its iteration limit (on a small app one stopped at a ≈ 9e5,
 * b ≈ 1.3e7, still climbing) is no estimate. Very large a and b with a converged fit are fine:
 * they are the homogeneous-dropout limit of the model, not an error.
 */
export function fitProblem(fit: BgNbdFit): string | null {
  if (!fit.converged) return "the optimiser did not converge";
  for (const [name, v] of Object.entries({ r: fit.r, alpha: fit.alpha, a: fit.a, b: fit.b })) {
    if (!Number.isFinite(v) || v <= 0) return `${name} = ${v} is not a positive number`;
  }
  if (!Number.isFinite(fit.logLikelihood)) return "the log-likelihood is not finite";
  return null;
}

/** The fit to score with: the fresh one if usable, else the previous good one (and the rejection to record). */
export function acceptFit(
  fresh: BgNbdFit | null,
  previous: BgNbdFit | null,
  now: Millis,
): { bgnbd: BgNbdFit | null; rejected: RejectedFit | null } {
  if (!fresh) return { bgnbd: previous, rejected: null };
  const problem = fitProblem(fresh);
  if (!problem) return { bgnbd: fresh, rejected: null };
  return {
    bgnbd: previous,
    rejected: {
      at: now,
      reason: `${problem}; ${previous ? "the previous fit is kept" : "no churn scores until a fit succeeds"}`,
      fit: fresh,
    },
  };
}
