import { DAY, type Millis } from "../../kernel/clock";
import { quote } from "./segment-sql";
import { type CutPoints, RFM_GRID, type RfmCutPoints } from "./rfm";

/**
 * The RFM scoring of `rfm.ts` as SQL over the D1 users index (columns
 * purchases, revenue, last_purchase), so the grid, the nightly snapshot and
 * the transition counts score every purchaser exactly as their UserObject does,
 * without calling the objects. Cut points are finite numbers, inlined.
 */
function ascending(column: string, cuts: CutPoints): string {
  const [c1, c2, c3, c4] = cuts.map(literal);
  return `(CASE WHEN ${column} <= ${c1} THEN 1 WHEN ${column} <= ${c2} THEN 2 WHEN ${column} <= ${c3} THEN 3 WHEN ${column} <= ${c4} THEN 4 ELSE 5 END)`;
}

function literal(n: number): string {
  if (!Number.isFinite(n)) throw new Error("non-finite cut point");
  return String(n);
}

export interface RfmSql {
  r: string;
  f: string;
  m: string;
  segment: string;
}

export function rfmSql(cuts: RfmCutPoints, now: Millis): RfmSql {
  const days = `(MAX(0, ${literal(now)} - last_purchase) / ${literal(DAY)}.0)`;
  const r = `(6 - ${ascending(days, cuts.recencyDays)})`;
  const f = ascending("purchases", cuts.frequency);
  const m = ascending("revenue", cuts.monetary);
  const cells: string[] = [];
  RFM_GRID.forEach((row, ri) =>
    row.forEach((name, fi) => cells.push(`WHEN ${(ri + 1) * 10 + fi + 1} THEN ${quote(name)}`)),
  );
  const segment = `(CASE (${r} * 10 + ${f}) ${cells.join(" ")} END)`;
  return { r, f, m, segment };
}

/** Purchasers: the people RFM describes. */
export const PURCHASERS = "purchases > 0 AND last_purchase IS NOT NULL";
