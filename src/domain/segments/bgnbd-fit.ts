import { type BgNbdCustomer, type BgNbdParams, logLikelihood } from "./bgnbd";
import { nelderMead } from "./nelder-mead";

export interface BgNbdFit extends BgNbdParams {
  logLikelihood: number;
  /** Customers in the calibration data (sum of weights). */
  n: number;
  converged: boolean;
}

/** Starting points (r, α, a, b) for the restarts; the best optimum wins. */
const STARTS: readonly BgNbdParams[] = [
  { r: 1, alpha: 1, a: 1, b: 1 },
  { r: 0.5, alpha: 5, a: 0.5, b: 2 },
  { r: 2, alpha: 20, a: 2, b: 5 },
];

/**
 * Maximum-likelihood fit of r, α, a, b. Nelder–Mead on the logarithms of the
 * parameters (so they stay positive without constraints), from several starts,
 * each restarted from its own optimum until the log-likelihood stops improving
 * (a collapsed simplex is Nelder–Mead's known failure mode). Null without
 * enough data to identify four parameters.
 */
export function fitBgNbd(customers: readonly BgNbdCustomer[], opts: { minCustomers?: number } = {}): BgNbdFit | null {
  const data = customers.filter((c) => c.x >= 0 && c.T > 0 && c.tx >= 0 && c.tx <= c.T && (c.weight ?? 1) > 0);
  const n = data.reduce((s, c) => s + (c.weight ?? 1), 0);
  if (n < (opts.minCustomers ?? 10) || !data.some((c) => c.x > 0)) return null;
  // Scale the objective by n so the stopping tolerance means the same for any data size.
  const objective = (v: number[]) => -logLikelihood(toParams(v), data) / n;

  let best: { x: number[]; value: number; converged: boolean } | null = null;
  for (const start of STARTS) {
    let x = [start.r, start.alpha, start.a, start.b].map(Math.log);
    let previous = Infinity;
    let result = nelderMead(objective, x, { step: 0.5, tolerance: 1e-13, maxIterations: 4000 });
    for (let restart = 0; restart < 8 && previous - result.value > 1e-12; restart++) {
      previous = result.value;
      x = result.x;
      result = nelderMead(objective, x, { step: 0.1, tolerance: 1e-13, maxIterations: 4000 });
    }
    if (!best || result.value < best.value) best = { x: result.x, value: result.value, converged: result.converged };
  }
  if (!best || !Number.isFinite(best.value)) return null;
  const params = toParams(best.x);
  return { ...params, logLikelihood: logLikelihood(params, data), n, converged: best.converged };
}

function toParams(v: readonly number[]): BgNbdParams {
  return { r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) };
}

/**
 * Parses `ID,frequency,recency,T` rows (the layout of the `lifetimes` package and
 * of `cdnow_customers_summary.csv`): frequency = x, recency = t_x, T = T.
 * Returns the customers and the line problems (1-based line numbers).
 */
export function parseSummaryCsv(text: string): { customers: BgNbdCustomer[]; problems: string[] } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const problems: string[] = [];
  const customers: BgNbdCustomer[] = [];
  if (lines.length === 0) return { customers, problems: ["empty file"] };
  const header = lines[0]!.split(",").map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const [fi, ri, ti] = [col("frequency"), col("recency"), col("t")];
  if (fi < 0 || ri < 0 || ti < 0)
    return { customers, problems: ["header must name the columns frequency, recency and T"] };
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(",");
    const [x, tx, T] = [Number(cells[fi]), Number(cells[ri]), Number(cells[ti])];
    if (![x, tx, T].every(Number.isFinite) || x < 0 || tx < 0 || T <= 0 || tx > T + 1e-9) {
      problems.push(`line ${i + 1}: expected frequency ≥ 0, 0 ≤ recency ≤ T, T > 0`);
      continue;
    }
    customers.push({ x, tx, T });
  }
  return { customers, problems };
}
