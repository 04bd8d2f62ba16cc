import { hyp2f1, lnBeta, lnGamma, logAddExp } from "./special-functions";

/**
 * The BG/NBD model of Fader, Hardie & Lee (2005), "Counting Your Customers the
 * Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2).
 *
 * While alive, a customer buys at rate λ ~ Gamma(r, α); after each purchase they
 * drop out with probability p ~ Beta(a, b). A customer is summarised by
 * x (repeat purchases), t_x (time of the last purchase) and T (time since the
 * first purchase), all measured from the first purchase. Beckon uses weeks, as
 * the paper does. Every formula is evaluated in log space.
 */
/** The model's time unit: weeks, as in the paper (x, t_x, T and horizons are converted to it). */
export const WEEK = 7 * 24 * 60 * 60 * 1000;

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** One customer (or `weight` identical customers) of the calibration data. */
export interface BgNbdCustomer {
  x: number;
  tx: number;
  T: number;
  weight?: number;
}

/**
 * ln L(r, α, a, b | x, t_x, T), the paper's equation (6):
 *
 *   L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
 *     + δ(x>0) · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
 */
export function logLikelihoodOne(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const lnBetaAB = lnBeta(a, b);
  const common = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha);
  const stays = lnBeta(a, b + x) - lnBetaAB - (r + x) * Math.log(alpha + T);
  if (x <= 0) return common + stays;
  const leftAfterLast = lnBeta(a + 1, b + x - 1) - lnBetaAB - (r + x) * Math.log(alpha + tx);
  return common + logAddExp(stays, leftAfterLast);
}

/** Σ weight · ln L over the customers (the quantity the fit maximises). */
export function logLikelihood(p: BgNbdParams, customers: readonly BgNbdCustomer[]): number {
  const { r, alpha, a, b } = p;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return Number.NaN;
  // Hoisted out of the loop: the parts that do not depend on the customer, and the
  // Gamma/Beta terms, which depend only on x (few distinct values even for many customers).
  const lnBetaAB = lnBeta(a, b);
  const lnGammaR = lnGamma(r);
  const rLnAlpha = r * Math.log(alpha);
  const byX = new Map<number, { common: number; stays: number; left: number }>();
  let total = 0;
  for (const c of customers) {
    const { x, tx, T } = c;
    let terms = byX.get(x);
    if (!terms) {
      terms = {
        common: lnGamma(r + x) - lnGammaR + rLnAlpha,
        stays: lnBeta(a, b + x) - lnBetaAB,
        left: x > 0 ? lnBeta(a + 1, b + x - 1) - lnBetaAB : -Infinity,
      };
      byX.set(x, terms);
    }
    const stays = terms.stays - (r + x) * Math.log(alpha + T);
    const ll =
      x > 0 ? terms.common + logAddExp(stays, terms.left - (r + x) * Math.log(alpha + tx)) : terms.common + stays;
    total += (c.weight ?? 1) * ll;
  }
  return total;
}

/**
 * P(alive | x, t_x, T) (Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD model", 2008):
 *
 *   P(alive) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))
 *
 * Limits: exactly 1 when x = 0 (in BG/NBD a customer can only drop out right
 * after a repeat purchase, so someone who never came back is still "alive");
 * for x > 0 it decreases towards 0 as T grows with t_x fixed, and it is 1/(1 + a/(b+x−1))
 * when the last purchase is now (t_x = T).
 */
export function pAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x <= 0) return 1;
  const logOdds = Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx));
  return 1 / (1 + Math.exp(logOdds));
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in the next t periods, equation (10):
 *
 *   E = P(alive) · (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; z)],
 *   z = t/(α+T+t)
 *
 * Evaluated through Euler's transformation ₂F₁(A,B;C;z) = (1−z)^(C−A−B) ₂F₁(C−A, C−B; C; z),
 * which turns the bracket into 1 − (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z): its upper
 * parameters no longer grow with x, so the series neither overflows nor cancels for heavy
 * buyers. At a = 1 (a removable singularity) the value is taken just beside it.
 * Returns NaN only if the guarded series gives up.
 */
export function expectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const a = Math.abs(p.a - 1) < 1e-6 ? 1 + 1e-6 : p.a;
  const { r, alpha, b } = p;
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  if (!(c > 0)) return Number.NaN;
  const f = hyp2f1(a + b - 1 - r, a - 1, c, z);
  // (1−z)^(a−1) · f, then 1 − that without cancellation when it is close to 1.
  const logPart = (a - 1) * Math.log1p(-z);
  const bracket = f > 0 ? -Math.expm1(logPart + Math.log(f)) : 1 - Math.exp(logPart) * f;
  return pAlive({ ...p, a }, x, tx, T) * ((a + b + x - 1) / (a - 1)) * bracket;
}

/**
 * E[X(t)]: expected repeat purchases of a new customer in their first t periods,
 * equation (9): (a+b−1)/(a−1) · [1 − (α/(α+t))^r · ₂F₁(r, b; a+b−1; t/(α+t))].
 */
export function expectedRepeatPurchases(p: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  const a = Math.abs(p.a - 1) < 1e-6 ? 1 + 1e-6 : p.a;
  const { r, alpha, b } = p;
  const z = t / (alpha + t);
  const f = hyp2f1(r, b, a + b - 1, z);
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * f);
}

export type ChurnBand = "high" | "medium" | "low";
export const CHURN_BANDS: readonly ChurnBand[] = ["high", "medium", "low"];

/** Risk from P(alive) with the app's thresholds: below `high` → high risk, below `medium` → medium, else low. */
export function churnBandOf(probabilityAlive: number, thresholds: { high: number; medium: number }): ChurnBand {
  if (probabilityAlive < thresholds.high) return "high";
  if (probabilityAlive < thresholds.medium) return "medium";
  return "low";
}
