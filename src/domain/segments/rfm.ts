import { DAY, type Millis } from "../../kernel/clock";

/**
 * RFM: recency, frequency and monetary value, each scored 1–5 against the app's
 * quintile cut points, and the R×F grid mapped to ten named segments.
 * Pure: the nightly job computes the cut points, each UserObject scores itself.
 */

export const RFM_SEGMENTS = [
  "Champions",
  "Loyal",
  "Potential Loyalists",
  "New Customers",
  "Promising",
  "Need Attention",
  "About To Sleep",
  "At Risk",
  "Can't Lose Them",
  "Hibernating",
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

export type Score = 1 | 2 | 3 | 4 | 5;

/**
 * The complete R×F map: `RFM_GRID[R - 1][F - 1]`. Rows are recency (5 = bought most
 * recently), columns frequency (5 = buys most often). Every one of the 25 cells is named.
 *
 *            F=1              F=2                  F=3                  F=4              F=5
 *   R=5  New Customers    Potential Loyalists  Potential Loyalists  Champions        Champions
 *   R=4  Promising        Potential Loyalists  Potential Loyalists  Loyal            Loyal
 *   R=3  About To Sleep   About To Sleep       Need Attention       Loyal            Loyal
 *   R=2  Hibernating      Hibernating          At Risk              At Risk          Can't Lose Them
 *   R=1  Hibernating      Hibernating          At Risk              At Risk          Can't Lose Them
 */
export const RFM_GRID: readonly (readonly RfmSegment[])[] = [
  /* R=1 */ ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
  /* R=2 */ ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
  /* R=3 */ ["About To Sleep", "About To Sleep", "Need Attention", "Loyal", "Loyal"],
  /* R=4 */ ["Promising", "Potential Loyalists", "Potential Loyalists", "Loyal", "Loyal"],
  /* R=5 */ ["New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"],
];

export function rfmSegmentOf(r: Score, f: Score): RfmSegment {
  return RFM_GRID[r - 1]![f - 1]!;
}

/** Four ascending cut points c1 ≤ c2 ≤ c3 ≤ c4 splitting values into quintiles. */
export type CutPoints = [number, number, number, number];

export interface RfmCutPoints {
  /** Days since the last purchase (lower is better). */
  recencyDays: CutPoints;
  /** Lifetime purchases. */
  frequency: CutPoints;
  /** Lifetime revenue. */
  monetary: CutPoints;
  /** Purchasers the cut points were computed over. */
  n: number;
}

/**
 * Quintile cut points by the nearest-rank method: c_k is the smallest value v
 * such that at least k·20 % of the values are ≤ v, i.e. the value at 1-based
 * rank ⌈k·n/5⌉ of the ascending list. Null for an empty list.
 *
 * Ties: a value's score depends only on the value (see `scoreAscending`), so
 * equal values always share a quintile. Heavily tied data (most customers bought
 * once) makes several cut points equal; the tied values then all take the LOWEST
 * quintile that contains them, and some scores go unused. This keeps a score
 * reproducible from the person's own numbers and the four cut points alone.
 */
export function quintileCutPoints(values: readonly number[]): CutPoints | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  const sorted = Float64Array.from(finite).sort();
  return cutPointsOfSorted(sorted, sorted.length);
}

/** Cut points when the caller can fetch the value at a 1-based ascending rank (e.g. SQL `ORDER BY … LIMIT 1 OFFSET k`). */
export function quintileRanks(n: number): [number, number, number, number] {
  return [1, 2, 3, 4].map((k) => Math.max(1, Math.ceil((k * n) / 5))) as [number, number, number, number];
}

function cutPointsOfSorted(sorted: ArrayLike<number>, n: number): CutPoints {
  return quintileRanks(n).map((rank) => sorted[rank - 1]!) as CutPoints;
}

/** 1 + the number of cut points strictly below `value`: values ≤ c1 → 1, (c1, c2] → 2, …, > c4 → 5. */
export function scoreAscending(value: number, cuts: CutPoints): Score {
  let score = 1;
  for (const c of cuts) if (value > c) score++;
  return score as Score;
}

/** Recency is better when smaller: ≤ c1 days → 5, …, > c4 days → 1. */
export function scoreRecency(days: number, cuts: CutPoints): Score {
  return (6 - scoreAscending(days, cuts)) as Score;
}

/** What RFM needs to know about a customer. */
export interface RfmInputs {
  purchases: number;
  revenue: number;
  lastPurchase: Millis | null;
}

export interface RfmScore {
  r: Score;
  f: Score;
  m: Score;
  segment: RfmSegment;
  /** The inputs, for explanations. */
  recencyDays: number;
  frequency: number;
  monetary: number;
}

export function recencyDays(lastPurchase: Millis, now: Millis): number {
  return Math.max(0, (now - lastPurchase) / DAY);
}

/** Scores a customer; null for people who never purchased (RFM describes customers only). */
export function scoreRfm(input: RfmInputs, cuts: RfmCutPoints, now: Millis): RfmScore | null {
  if (input.purchases <= 0 || input.lastPurchase === null) return null;
  const days = recencyDays(input.lastPurchase, now);
  const r = scoreRecency(days, cuts.recencyDays);
  const f = scoreAscending(input.purchases, cuts.frequency);
  const m = scoreAscending(input.revenue, cuts.monetary);
  return {
    r,
    f,
    m,
    segment: rfmSegmentOf(r, f),
    recencyDays: round(days, 3),
    frequency: input.purchases,
    monetary: input.revenue,
  };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
