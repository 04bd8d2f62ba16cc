import * as z from "zod";
import { compareVersions, isVersionValue } from "./version-order";

/**
 * Conditions on event properties (or traits): `Order Completed` where `revenue > 100`,
 * `Product Added` where `items.*.category` is `shoes`. Pure; the journey engine
 * evaluates them on the hot path, so matching does no allocation-heavy work.
 *
 * Semantics (documented in docs/campaign-policies.md):
 * - `property` is a dot path: `category`, `items.0.category`, `items.*.category`
 *   (`*` = any element / any value). A key that literally contains dots
 *   (`$app.version`) is found too.
 * - Positive operators match when ANY value found at the path matches; each negative
 *   operator is exactly the negation of its positive twin (`neq` = not `eq`, `nin` =
 *   not `in`, `not_contains` = not `contains`, `not_exists` = not `exists`). So a
 *   missing property matches `neq`, `nin`, `not_contains` and `not_exists`.
 * - Numbers compare numerically; numeric strings ("100") are coerced. If the filter
 *   value is an ISO date, the property is read as a date (ISO string or epoch ms); if it
 *   is a version string ("3.2"), as a version (src/domain/filters/version-order.ts).
 * - `eq`/`in` also coerce "true"/"false" strings against booleans; other values
 *   compare exactly (strings case-sensitively, unless `ignoreCase`), objects deeply.
 * - `contains` is a substring test on strings and a membership test on arrays.
 */

export const FILTER_OPERATORS = [
  "eq",
  "neq",
  "gt",
  "gte",
  "lt",
  "lte",
  "in",
  "nin",
  "contains",
  "not_contains",
  "exists",
  "not_exists",
  "starts_with",
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

const ORDER_OPERATORS = new Set<FilterOperator>(["gt", "gte", "lt", "lte"]);
const LIST_OPERATORS = new Set<FilterOperator>(["in", "nin"]);
const PRESENCE_OPERATORS = new Set<FilterOperator>(["exists", "not_exists"]);

/** Full ISO-8601 date or date-time: `2026-11-24`, `2026-11-24T10:00:00Z`, `2026-11-24T10:00:00.000+01:00`. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function isIsoDate(value: unknown): value is string {
  return typeof value === "string" && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value));
}

const scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean(), z.null()]);

export const PropertyFilter = z
  .object({
    property: z
      .string()
      .min(1)
      .max(200)
      .refine((path) => path.split(".").every((segment) => segment.length > 0), {
        message: "must be a dot path without empty segments, e.g. items.0.category",
      }),
    op: z.enum(FILTER_OPERATORS),
    value: z.unknown().optional(),
    /** Case-insensitive string comparison for eq/neq/in/nin/contains/not_contains/starts_with. */
    ignoreCase: z.boolean().optional(),
  })
  .superRefine((filter, ctx) => {
    const { op, value } = filter;
    const problem = (message: string) => ctx.addIssue({ code: "custom", path: ["value"], message });
    if (PRESENCE_OPERATORS.has(op)) {
      if (value !== undefined) problem(`must be omitted for ${op}`);
      return;
    }
    if (value === undefined) return problem(`is required for ${op}`);
    if (ORDER_OPERATORS.has(op)) {
      if (!(typeof value === "number" && Number.isFinite(value)) && !isIsoDate(value) && !isVersionValue(value)) {
        problem(`${op} needs a number or an ISO-8601 date (or a version such as "3.2.0")`);
      }
      return;
    }
    if (LIST_OPERATORS.has(op)) {
      if (!Array.isArray(value) || value.length === 0) return problem(`${op} needs a non-empty array`);
      if (value.length > 1000) return problem(`${op} accepts at most 1000 values`);
      if (!value.every((item) => scalar.safeParse(item).success))
        problem(`${op} values must be strings, numbers, booleans or null`);
      return;
    }
    if (op === "starts_with") {
      if (typeof value !== "string" || value.length === 0) problem("starts_with needs a non-empty string");
      return;
    }
    if (op === "contains" || op === "not_contains") {
      if (!scalar.safeParse(value).success || value === null) problem(`${op} needs a string, number or boolean`);
      return;
    }
    // eq / neq: any JSON value (objects compare deeply), but bounded.
    if (JSON.stringify(value).length > 10_000) problem("is too large");
  });
export type PropertyFilter = z.infer<typeof PropertyFilter>;

export const PropertyFilters = z.array(PropertyFilter).max(50);

const WILDCARD = "*";

/** Every value found at a dot path (several when a `*` segment fans out over an array or object). */
export function valuesAtPath(root: unknown, path: string): unknown[] {
  if (root !== null && typeof root === "object" && !Array.isArray(root) && Object.hasOwn(root, path)) {
    return [(root as Record<string, unknown>)[path]];
  }
  let current: unknown[] = [root];
  for (const segment of path.split(".")) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== "object") continue;
      if (segment === WILDCARD) {
        next.push(...(Array.isArray(value) ? value : Object.values(value)));
      } else if (Array.isArray(value)) {
        if (/^\d+$/.test(segment)) {
          const item = value[Number(segment)];
          if (item !== undefined) next.push(item);
        }
      } else if (Object.hasOwn(value, segment)) {
        next.push((value as Record<string, unknown>)[segment]);
      }
    }
    if (next.length === 0) return [];
    current = next;
  }
  return current;
}

function asNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function asTime(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") {
    const t = Date.parse(value);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

function asBoolean(value: unknown): boolean | null {
  if (typeof value === "boolean") return value;
  if (value === "true") return true;
  if (value === "false") return false;
  return null;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

function fold(s: string, ignoreCase: boolean): string {
  return ignoreCase ? s.toLowerCase() : s;
}

/** Equality with the coercions a tracking plan needs: "100" = 100, "true" = true. */
function looselyEqual(actual: unknown, expected: unknown, ignoreCase: boolean): boolean {
  if (typeof expected === "number") {
    const n = asNumber(actual);
    return n !== null && n === expected;
  }
  if (typeof expected === "boolean") return asBoolean(actual) === expected;
  if (typeof expected === "string") {
    if (typeof actual === "string") return fold(actual, ignoreCase) === fold(expected, ignoreCase);
    if (typeof actual === "number") return asNumber(expected) === actual;
    if (typeof actual === "boolean") return asBoolean(expected) === actual;
    return false;
  }
  return deepEqual(actual, expected);
}

function compareOrder(actual: unknown, expected: unknown): number | null {
  if (typeof expected === "number") {
    const n = asNumber(actual);
    return n === null ? null : n - expected;
  }
  if (isIsoDate(expected)) {
    const t = asTime(actual);
    return t === null ? null : t - Date.parse(expected);
  }
  if (isVersionValue(expected)) return compareVersions(actual, expected);
  return null;
}

function containsValue(actual: unknown, expected: unknown, ignoreCase: boolean): boolean {
  if (typeof actual === "string") return fold(actual, ignoreCase).includes(fold(String(expected), ignoreCase));
  if (Array.isArray(actual)) return actual.some((item) => looselyEqual(item, expected, ignoreCase));
  return false;
}

/** The positive form of an operator on one value found at the path. */
function matchOne(op: FilterOperator, actual: unknown, expected: unknown, ignoreCase: boolean): boolean {
  switch (op) {
    case "eq":
    case "neq":
      return looselyEqual(actual, expected, ignoreCase);
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const d = compareOrder(actual, expected);
      if (d === null) return false;
      return op === "gt" ? d > 0 : op === "gte" ? d >= 0 : op === "lt" ? d < 0 : d <= 0;
    }
    case "in":
    case "nin": {
      const list = Array.isArray(expected) ? expected : [];
      // An array property (tags) is "in" the list when any of its elements is.
      const candidates = Array.isArray(actual) ? actual : [actual];
      return candidates.some((item) => list.some((option) => looselyEqual(item, option, ignoreCase)));
    }
    case "contains":
    case "not_contains":
      return containsValue(actual, expected, ignoreCase);
    case "starts_with":
      return (
        typeof actual === "string" &&
        typeof expected === "string" &&
        fold(actual, ignoreCase).startsWith(fold(expected, ignoreCase))
      );
    case "exists":
    case "not_exists":
      return actual !== undefined && actual !== null;
  }
}

const NEGATIVE = new Set<FilterOperator>(["neq", "nin", "not_contains", "not_exists"]);

/** Whether one filter matches the properties. */
export function matchesFilter(props: Record<string, unknown>, filter: PropertyFilter): boolean {
  const values = valuesAtPath(props, filter.property);
  const ignoreCase = filter.ignoreCase === true;
  const positive = values.some((value) => matchOne(filter.op, value, filter.value, ignoreCase));
  return NEGATIVE.has(filter.op) ? !positive : positive;
}

/** All filters must match (an empty list matches everything). */
export function matchesFilters(props: Record<string, unknown>, filters: readonly PropertyFilter[]): boolean {
  for (const filter of filters) if (!matchesFilter(props, filter)) return false;
  return true;
}
