/**
 * Merging what each index shard answered into what one database would have answered. A person
 * lives in exactly one shard, so counts and sums add; an average is re-weighted by its count.
 */

type Row = Record<string, unknown>;

export interface GroupMerge<T extends Row> {
  /** Columns that name a group (GROUP BY). */
  keys: readonly (keyof T)[];
  /** Columns that add up (count, SUM). Null counts as 0. */
  sums: readonly (keyof T)[];
  /** Averages, each weighted by a count column of the same row. */
  means?: readonly { field: keyof T; weight: keyof T }[];
}

/** Rows with equal keys become one: sums added, means weighted. First-seen order of groups. */
export function mergeGroups<T extends Row>(parts: readonly (readonly T[])[], how: GroupMerge<T>): T[] {
  const groups = new Map<string, { row: T; weighted: Map<keyof T, number> }>();
  for (const rows of parts)
    for (const row of rows) {
      const key = JSON.stringify(how.keys.map((k) => row[k] ?? null));
      const hit = groups.get(key);
      if (!hit) {
        const weighted = new Map<keyof T, number>();
        for (const m of how.means ?? []) weighted.set(m.field, Number(row[m.field] ?? 0) * Number(row[m.weight] ?? 0));
        groups.set(key, { row: { ...row }, weighted });
        continue;
      }
      for (const m of how.means ?? [])
        hit.weighted.set(m.field, hit.weighted.get(m.field)! + Number(row[m.field] ?? 0) * Number(row[m.weight] ?? 0));
      for (const s of how.sums) (hit.row as Row)[s as string] = Number(hit.row[s] ?? 0) + Number(row[s] ?? 0);
    }
  return [...groups.values()].map(({ row, weighted }) => {
    for (const m of how.means ?? []) {
      const n = Number(row[m.weight] ?? 0);
      (row as Row)[m.field as string] = n > 0 ? weighted.get(m.field)! / n : null;
    }
    return row;
  });
}

/** One aggregate row per shard (no GROUP BY) added up; null where every shard said null. */
export function sumRows<T extends Row>(
  rows: readonly (T | null | undefined)[],
  fields: readonly (keyof T)[],
): T | null {
  const present = rows.filter((r): r is T => !!r);
  if (present.length === 0) return null;
  const out: Row = { ...present[0]! };
  for (const f of fields) {
    const values = present.map((r) => r[f]).filter((v) => v !== null && v !== undefined);
    out[f as string] = values.length === 0 ? null : values.reduce((a: number, v) => a + Number(v), 0);
  }
  return out as T;
}

/** The first `limit` rows of already-sorted shard answers, in the same order (a k-way merge). */
export function mergeSorted<T>(parts: readonly (readonly T[])[], compare: (a: T, b: T) => number, limit: number): T[] {
  return parts.flat().sort(compare).slice(0, Math.max(0, limit));
}
