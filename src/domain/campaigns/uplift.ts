/**
 * Conversion uplift of a campaign (or a variant) over its control group, with a
 * confidence interval.
 *
 * - Each group's rate p = conversions / users with a Wilson score interval
 *   (Wilson 1927), which behaves at 0 % and 100 % and with small groups, unlike the
 *   normal approximation:
 *     centre = (p + z²/2n) / (1 + z²/n)
 *     half   = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)
 * - The absolute uplift d = p₁ − p₀ (treatment − control) gets the Newcombe hybrid
 *   score interval (Newcombe 1998, method 10), built from the two Wilson intervals
 *   [l₁, u₁] and [l₀, u₀]:
 *     low  = d − √((p₁ − l₁)² + (u₀ − p₀)²)
 *     high = d + √((u₁ − p₁)² + (p₀ − l₀)²)
 * - relative uplift = d / p₀ (null when the control rate is 0 or unknown).
 * - significant ⇔ the interval excludes 0.
 * With no users in a group its rate, the difference and the interval are null, never NaN.
 */

export interface GroupCounts {
  users: number;
  conversions: number;
}

export interface Interval {
  low: number;
  high: number;
}

export interface Uplift {
  treatmentRate: number | null;
  controlRate: number | null;
  /** Wilson interval of each rate. */
  treatmentCi: Interval | null;
  controlCi: Interval | null;
  /** treatmentRate − controlRate. */
  absoluteUplift: number | null;
  /** absoluteUplift / controlRate. */
  relativeUplift: number | null;
  /** Newcombe hybrid score interval of the absolute uplift. */
  ci: Interval | null;
  significant: boolean;
  confidence: number;
}

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation, relative
 * error < 1.2e-9 — ample for reporting intervals to 4 decimals).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** z for a two-sided interval at this confidence (0.95 → 1.95996…). */
export function zFor(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** Counts as a valid group: whole, non-negative users; conversions clamped to [0, users]. */
function clean(group: GroupCounts): GroupCounts {
  const users = Number.isFinite(group.users) && group.users > 0 ? Math.floor(group.users) : 0;
  const conversions = Number.isFinite(group.conversions)
    ? Math.min(Math.max(Math.floor(group.conversions), 0), users)
    : 0;
  return { users, conversions };
}

/** Wilson score interval of conversions / users; null when there are no users. */
export function wilson(conversions: number, users: number, z: number): Interval | null {
  const g = clean({ users, conversions });
  if (g.users === 0) return null;
  const n = g.users;
  const p = g.conversions / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp away rounding just outside [0, 1] (at p = 0 or 1 one bound equals p exactly).
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export function conversionUplift(treatment: GroupCounts, control: GroupCounts, confidence = 0.95): Uplift {
  const z = zFor(confidence);
  const t = clean(treatment);
  const c = clean(control);
  const treatmentRate = t.users > 0 ? t.conversions / t.users : null;
  const controlRate = c.users > 0 ? c.conversions / c.users : null;
  const treatmentCi = wilson(t.conversions, t.users, z);
  const controlCi = wilson(c.conversions, c.users, z);

  if (treatmentRate === null || controlRate === null || !treatmentCi || !controlCi) {
    return {
      treatmentRate,
      controlRate,
      treatmentCi,
      controlCi,
      absoluteUplift: null,
      relativeUplift: null,
      ci: null,
      significant: false,
      confidence,
    };
  }
  const diff = treatmentRate - controlRate;
  const low = diff - Math.sqrt((treatmentRate - treatmentCi.low) ** 2 + (controlCi.high - controlRate) ** 2);
  const high = diff + Math.sqrt((treatmentCi.high - treatmentRate) ** 2 + (controlRate - controlCi.low) ** 2);
  return {
    treatmentRate,
    controlRate,
    treatmentCi,
    controlCi,
    absoluteUplift: diff,
    relativeUplift: controlRate > 0 ? diff / controlRate : null,
    ci: { low, high },
    significant: low > 0 || high < 0,
    confidence,
  };
}
