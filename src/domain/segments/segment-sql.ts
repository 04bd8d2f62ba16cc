import type { Millis } from "../../kernel/clock";
import { ATTR } from "./index-attrs";
import { durationMs, type SegmentFilter } from "./segment-filter";

/**
 * Compiles a segment filter to SQL over the D1 `users` index, in three-valued
 * logic, for count estimates and broadcasts:
 *   - `definite`: rows certainly in the segment,
 *   - `possible`: rows that may be in it.
 * Conditions the index answers (lifecycle, loyal, counters, first/last seen,
 * RFM, churn, scores, consent, platform) compile exactly, so definite = possible
 * for them. Conditions it cannot answer (traits, behaviour windows) are
 * "unknown": definite false, possible true; `not` swaps the two
 * (definite(¬A) = ¬possible(A)). So the true count always lies in
 * [count(definite), count(possible)].
 *
 * Every value inlined here is a validated enum member or a finite number
 * (string literals are quoted), which keeps the query under D1's 100 bound
 * parameters however large the filter is.
 */
export interface CompiledFilter {
  definite: string;
  possible: string;
  /** Human-readable list of the conditions the index could not answer. */
  estimated: string[];
}

const OPS = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

export function quote(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
function num(n: number): string {
  if (!Number.isFinite(n)) throw new Error("non-finite number in a segment filter");
  return String(n);
}
const list = (values: readonly string[]) => values.map(quote).join(", ");
const attr = (key: string) => `json_extract(attrs, '$.${key}')`;
/** Never NULL, so NOT behaves as two-valued logic inside each side. */
const exact = (expr: string) => ({ definite: `COALESCE((${expr}), 0)`, possible: `COALESCE((${expr}), 0)` });
/** When the attribute has not been indexed yet, the row is unknown (not false). */
const indexedAttr = (key: string, expr: string) => ({
  definite: `COALESCE((json_type(attrs, '$.${key}') IS NOT NULL AND (${expr})), 0)`,
  possible: `COALESCE((json_type(attrs, '$.${key}') IS NULL OR (${expr})), 0)`,
});

export function compileSegmentSql(filter: SegmentFilter, now: Millis): CompiledFilter {
  const estimated: string[] = [];
  const walk = (f: SegmentFilter): { definite: string; possible: string } => {
    switch (f.type) {
      case "and":
      case "or": {
        const parts = f.filters.map(walk);
        const joiner = f.type === "and" ? " AND " : " OR ";
        return {
          definite: `(${parts.map((p) => p.definite).join(joiner)})`,
          possible: `(${parts.map((p) => p.possible).join(joiner)})`,
        };
      }
      case "not": {
        const inner = walk(f.filter);
        return { definite: `(NOT ${inner.possible})`, possible: `(NOT ${inner.definite})` };
      }
      case "lifecycle":
        return exact(`lifecycle IN (${list(f.in)})`);
      case "loyal":
        return exact(`loyal = ${f.value ? 1 : 0}`);
      case "counter":
        return exact(`${f.counter} ${OPS[f.op]} ${num(f.value)}`);
      case "seen":
        return exact(`${f.when === "first" ? "first_seen" : "last_seen"} >= ${num(now - durationMs(f.within))}`);
      case "rfmSegment":
        return indexedAttr(ATTR.rfmSegment, `${attr(ATTR.rfmSegment)} IN (${list(f.in)})`);
      case "churnBand":
        return indexedAttr(ATTR.churnBand, `${attr(ATTR.churnBand)} IN (${list(f.in)})`);
      case "score": {
        const key =
          f.score === "r"
            ? ATTR.r
            : f.score === "f"
              ? ATTR.f
              : f.score === "m"
                ? ATTR.m
                : f.score === "pAlive"
                  ? ATTR.pAlive
                  : ATTR.expectedPurchases30;
        return indexedAttr(key, `${attr(key)} ${OPS[f.op]} ${num(f.value)}`);
      }
      case "consent":
        return indexedAttr(
          ATTR.consent,
          `COALESCE(${attr(`${ATTR.consent}.${f.channel}`)}, 'unknown') = ${quote(f.status)}`,
        );
      case "platform":
        return indexedAttr(
          ATTR.platforms,
          `EXISTS (SELECT 1 FROM json_each(attrs, '$.${ATTR.platforms}') WHERE value IN (${list(f.in)}))`,
        );
      case "trait":
        estimated.push(`trait ${f.property}`);
        return { definite: "0", possible: "1" };
      case "context":
        estimated.push(`context ${f.property}`);
        return { definite: "0", possible: "1" };
      case "event":
        estimated.push(`event ${f.name} within ${f.within}`);
        return { definite: "0", possible: "1" };
      case "sessions":
        estimated.push(`sessions within ${f.within}`);
        return { definite: "0", possible: "1" };
    }
  };
  const compiled = walk(filter);
  return { ...compiled, estimated };
}

/** Rows whose object reported live membership of the segment (its id in `attrs.segments`). */
export function memberSql(segmentId: string): string {
  return `EXISTS (SELECT 1 FROM json_each(attrs, '$.${ATTR.segmentIds}') WHERE value = ${quote(segmentId)})`;
}

/**
 * The WHERE clause (over `users`, after `app_id = ?`) of a broadcast to a saved segment:
 * the exact SQL when the index answers every condition, otherwise the users whose
 * object reports live membership (objects evaluate traits and behaviour windows exactly).
 */
export function audienceSql(segment: { id: string; filter: SegmentFilter }, now: Millis): string {
  const compiled = compileSegmentSql(segment.filter, now);
  return compiled.estimated.length === 0 ? compiled.definite : memberSql(segment.id);
}
