/**
 * The special functions the BG/NBD model needs, in plain floating point.
 * Pure and dependency-free so the same code runs in the Worker, in Node
 * (`npm run churn-fit`) and in unit tests.
 */

// Lanczos approximation, g = 7, n = 9 (relative error < 1e-15 for x > 0.5).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (reflection for 0 < x < 0.5). */
export function lnGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i]! / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return LN_SQRT_2PI + (y + 0.5) * Math.log(t) - t + Math.log(s);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** ln(e^x + e^y) without overflow. */
export function logAddExp(x: number, y: number): number {
  if (x === -Infinity) return y;
  if (y === -Infinity) return x;
  const m = Math.max(x, y);
  return m + Math.log1p(Math.exp(-Math.abs(x - y)));
}

/** The series stops when a term is this small relative to the sum … */
const HYP2F1_TOLERANCE = 1e-15;
/** … or gives up after this many terms (only reachable for |z| very close to 1). */
const HYP2F1_MAX_TERMS = 200_000;

/**
 * Gauss's hypergeometric function ₂F₁(a, b; c; z) by its power series
 * Σ (a)ₖ(b)ₖ / ((c)ₖ k!) zᵏ, for real parameters and |z| < 1.
 *
 * Guards: NaN (never a wrong number) when c is zero or a negative integer, when
 * |z| ≥ 1, when the partial sums overflow, or when the series has not converged
 * after HYP2F1_MAX_TERMS terms. Terminates early when a or b is a non-positive
 * integer (the series is then a polynomial).
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (!Number.isFinite(a + b + c + z) || Math.abs(z) >= 1) return Number.NaN;
  if (c <= 0 && Number.isInteger(c)) return Number.NaN;
  let term = 1;
  let sum = 1;
  for (let k = 0; k < HYP2F1_MAX_TERMS; k++) {
    term *= (((a + k) * (b + k)) / ((c + k) * (k + 1))) * z;
    if (term === 0) return sum;
    sum += term;
    if (!Number.isFinite(sum)) return Number.NaN;
    // The ratio of successive terms tends to z, so once it is below 1 in size a small term means convergence.
    if (Math.abs(term) <= HYP2F1_TOLERANCE * Math.abs(sum) && k > Math.abs(a) + Math.abs(b)) return sum;
  }
  return Number.NaN;
}
