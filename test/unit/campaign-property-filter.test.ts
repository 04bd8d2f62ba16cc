import { describe, expect, it } from "vitest";
import {
  matchesFilter,
  matchesFilters,
  PropertyFilter,
  PropertyFilters,
  valuesAtPath,
} from "../../src/domain/filters/property-filter";

const order = {
  order_id: "o-1",
  revenue: 129.5,
  revenue_str: "129.50",
  currency: "EUR",
  coupon: null,
  gift: false,
  gift_str: "true",
  category: "Shoes",
  tags: ["vip", "beta"],
  placed_at: "2026-11-20T10:00:00Z",
  placed_ms: Date.parse("2026-11-20T10:00:00Z"),
  items: [
    { sku: "a", category: "shoes", price: 80 },
    { sku: "b", category: "socks", price: "9.5" },
  ],
  address: { country: "PT", geo: { lat: 38.7 } },
  "$app.version": "3.2.0",
};

type F = PropertyFilter;
const m = (filter: F) => matchesFilter(order, filter);

describe("PropertyFilter validation", () => {
  const ok = (f: unknown) => PropertyFilter.safeParse(f).success;
  const problem = (f: unknown) => {
    const r = PropertyFilter.safeParse(f);
    return r.success ? null : r.error.issues[0];
  };

  it("accepts well-formed filters", () => {
    expect(ok({ property: "revenue", op: "gt", value: 100 })).toBe(true);
    expect(ok({ property: "placed_at", op: "gte", value: "2026-11-01T00:00:00Z" })).toBe(true);
    expect(ok({ property: "placed_at", op: "lt", value: "2026-11-01" })).toBe(true);
    expect(ok({ property: "items.0.category", op: "eq", value: "shoes" })).toBe(true);
    expect(ok({ property: "items.*.category", op: "in", value: ["shoes", "boots"] })).toBe(true);
    expect(ok({ property: "coupon", op: "exists" })).toBe(true);
    expect(ok({ property: "name", op: "contains", value: "x", ignoreCase: true })).toBe(true);
    expect(ok({ property: "meta", op: "eq", value: { a: 1 } })).toBe(true);
    expect(PropertyFilters.safeParse([{ property: "a", op: "eq", value: 1 }]).success).toBe(true);
  });

  it("requires a value except for exists / not_exists", () => {
    expect(problem({ property: "revenue", op: "eq" })).toMatchObject({
      path: ["value"],
      message: expect.stringMatching(/required/),
    });
    expect(problem({ property: "revenue", op: "exists", value: 1 })).toMatchObject({ path: ["value"] });
  });

  it("requires arrays for in / nin", () => {
    expect(problem({ property: "c", op: "in", value: "shoes" })).toMatchObject({
      path: ["value"],
      message: expect.stringMatching(/array/),
    });
    expect(ok({ property: "c", op: "nin", value: [] })).toBe(false);
    expect(ok({ property: "c", op: "in", value: [{ nested: 1 }] })).toBe(false);
  });

  it("requires numbers or ISO dates for ordering operators", () => {
    expect(problem({ property: "revenue", op: "gt", value: "100" })).toMatchObject({
      path: ["value"],
      message: expect.stringMatching(/number or an ISO-8601 date/),
    });
    expect(ok({ property: "revenue", op: "gt", value: "yesterday" })).toBe(false);
    expect(ok({ property: "revenue", op: "gt", value: "2026-13-45" })).toBe(false);
    expect(ok({ property: "revenue", op: "lte", value: Number.NaN })).toBe(false);
    expect(ok({ property: "revenue", op: "lte", value: true })).toBe(false);
  });

  it("rejects bad paths, operators and starts_with values", () => {
    expect(ok({ property: "", op: "exists" })).toBe(false);
    expect(ok({ property: "items..category", op: "exists" })).toBe(false);
    expect(ok({ property: "a", op: "like", value: "x" })).toBe(false);
    expect(ok({ property: "a", op: "starts_with", value: 1 })).toBe(false);
    expect(ok({ property: "a", op: "contains", value: null })).toBe(false);
  });
});

describe("version order (app version below 3.2)", () => {
  const v = (version: unknown, op: "lt" | "lte" | "gt" | "gte", value: string) =>
    matchesFilter({ app: { version } }, { property: "app.version", op, value });

  it("compares numeric parts left to right, a missing part counting as 0", () => {
    expect(v("3.10.0", "gt", "3.2")).toBe(true); // as text "3.10" < "3.2"; as a number 3.10 = 3.1
    expect(v("3.1.9", "lt", "3.2")).toBe(true);
    expect(v("3.2", "gte", "3.2.0")).toBe(true);
    expect(v("3.2.0", "lt", "3.2")).toBe(false);
    expect(v("v4", "gt", "3.99.99")).toBe(true);
    expect(v(3, "lt", "3.2")).toBe(true);
    expect(v("10.0.0.1", "gt", "10.0")).toBe(true);
  });

  it("puts a pre-release before its release and ignores build metadata", () => {
    expect(v("3.2.0-beta.1", "lt", "3.2.0")).toBe(true);
    expect(v("3.2.0-beta.2", "gt", "3.2.0-beta.1")).toBe(true);
    expect(v("3.2.0-beta.10", "gt", "3.2.0-beta.2")).toBe(true);
    expect(v("3.2.0-alpha", "lt", "3.2.0-beta")).toBe(true);
    expect(v("3.2.0+57", "gte", "3.2.0")).toBe(true);
    expect(v("3.2.0+57", "lte", "3.2.0")).toBe(true);
  });

  it("does not match what is not a version, and validates the filter value", () => {
    expect(v("latest", "lt", "3.2")).toBe(false);
    expect(v(undefined, "lt", "3.2")).toBe(false);
    expect(v(null, "gte", "0.0")).toBe(false);
    expect(PropertyFilter.safeParse({ property: "app.version", op: "lt", value: "3.2" }).success).toBe(true);
    expect(PropertyFilter.safeParse({ property: "app.version", op: "lt", value: "v3" }).success).toBe(true);
    expect(PropertyFilter.safeParse({ property: "app.version", op: "lt", value: "three" }).success).toBe(false);
  });
});

describe("valuesAtPath", () => {
  it("follows dot paths, array indexes, wildcards and literal dotted keys", () => {
    expect(valuesAtPath(order, "address.geo.lat")).toEqual([38.7]);
    expect(valuesAtPath(order, "items.1.sku")).toEqual(["b"]);
    expect(valuesAtPath(order, "items.*.category")).toEqual(["shoes", "socks"]);
    expect(valuesAtPath(order, "$app.version")).toEqual(["3.2.0"]);
    expect(valuesAtPath(order, "items.5.sku")).toEqual([]);
    expect(valuesAtPath(order, "revenue.x")).toEqual([]);
    expect(valuesAtPath(order, "nope")).toEqual([]);
  });

  it("never reads inherited properties", () => {
    expect(valuesAtPath(order, "constructor")).toEqual([]);
    expect(valuesAtPath(order, "tags.length")).toEqual([]);
    expect(valuesAtPath({}, "__proto__")).toEqual([]);
  });
});

describe("matchesFilter", () => {
  it("eq / neq with coercion of numeric and boolean strings", () => {
    expect(m({ property: "currency", op: "eq", value: "EUR" })).toBe(true);
    expect(m({ property: "currency", op: "eq", value: "eur" })).toBe(false);
    expect(m({ property: "currency", op: "eq", value: "eur", ignoreCase: true })).toBe(true);
    expect(m({ property: "revenue_str", op: "eq", value: 129.5 })).toBe(true);
    expect(m({ property: "revenue", op: "eq", value: "129.5" })).toBe(true);
    expect(m({ property: "gift_str", op: "eq", value: true })).toBe(true);
    expect(m({ property: "gift", op: "eq", value: false })).toBe(true);
    expect(m({ property: "gift", op: "eq", value: "false" })).toBe(true);
    expect(m({ property: "coupon", op: "eq", value: null })).toBe(true);
    expect(m({ property: "address", op: "eq", value: { country: "PT", geo: { lat: 38.7 } } })).toBe(true);
    expect(m({ property: "currency", op: "neq", value: "USD" })).toBe(true);
    expect(m({ property: "currency", op: "neq", value: "EUR" })).toBe(false);
    expect(m({ property: "missing", op: "neq", value: "EUR" })).toBe(true);
    expect(m({ property: "missing", op: "eq", value: "EUR" })).toBe(false);
  });

  it("numeric comparisons coerce numeric strings and reject non-numbers", () => {
    expect(m({ property: "revenue", op: "gt", value: 100 })).toBe(true);
    expect(m({ property: "revenue", op: "gt", value: 129.5 })).toBe(false);
    expect(m({ property: "revenue", op: "gte", value: 129.5 })).toBe(true);
    expect(m({ property: "revenue", op: "lt", value: 129.5 })).toBe(false);
    expect(m({ property: "revenue", op: "lte", value: 129.5 })).toBe(true);
    expect(m({ property: "revenue_str", op: "gt", value: 100 })).toBe(true);
    expect(m({ property: "currency", op: "gt", value: 0 })).toBe(false);
    expect(m({ property: "currency", op: "lt", value: 0 })).toBe(false);
    expect(m({ property: "coupon", op: "lt", value: 1 })).toBe(false);
    expect(m({ property: "missing", op: "lt", value: 1 })).toBe(false);
    expect(matchesFilter({ v: "" }, { property: "v", op: "lt", value: 1 })).toBe(false);
  });

  it("date comparisons read ISO strings and epoch ms", () => {
    expect(m({ property: "placed_at", op: "gt", value: "2026-11-01T00:00:00Z" })).toBe(true);
    expect(m({ property: "placed_at", op: "lt", value: "2026-11-01" })).toBe(false);
    expect(m({ property: "placed_ms", op: "gte", value: "2026-11-20T10:00:00Z" })).toBe(true);
    expect(m({ property: "placed_ms", op: "gt", value: "2026-11-20T10:00:00Z" })).toBe(false);
    expect(m({ property: "currency", op: "gt", value: "2026-11-01" })).toBe(false);
  });

  it("in / nin, including array properties", () => {
    expect(m({ property: "currency", op: "in", value: ["USD", "EUR"] })).toBe(true);
    expect(m({ property: "currency", op: "in", value: ["USD"] })).toBe(false);
    expect(m({ property: "revenue_str", op: "in", value: [129.5, 1] })).toBe(true);
    expect(m({ property: "tags", op: "in", value: ["vip"] })).toBe(true);
    expect(m({ property: "tags", op: "nin", value: ["vip"] })).toBe(false);
    expect(m({ property: "tags", op: "nin", value: ["gold"] })).toBe(true);
    expect(m({ property: "missing", op: "nin", value: ["x"] })).toBe(true);
    expect(m({ property: "missing", op: "in", value: ["x"] })).toBe(false);
  });

  it("contains / not_contains on strings and arrays", () => {
    expect(m({ property: "category", op: "contains", value: "hoe" })).toBe(true);
    expect(m({ property: "category", op: "contains", value: "HOE" })).toBe(false);
    expect(m({ property: "category", op: "contains", value: "HOE", ignoreCase: true })).toBe(true);
    expect(m({ property: "tags", op: "contains", value: "beta" })).toBe(true);
    expect(m({ property: "tags", op: "contains", value: "bet" })).toBe(false);
    expect(m({ property: "tags", op: "not_contains", value: "gold" })).toBe(true);
    expect(m({ property: "tags", op: "not_contains", value: "vip" })).toBe(false);
    expect(m({ property: "revenue", op: "contains", value: "1" })).toBe(false);
    expect(m({ property: "missing", op: "not_contains", value: "x" })).toBe(true);
  });

  it("exists / not_exists treat null as absent", () => {
    expect(m({ property: "currency", op: "exists" })).toBe(true);
    expect(m({ property: "gift", op: "exists" })).toBe(true);
    expect(m({ property: "coupon", op: "exists" })).toBe(false);
    expect(m({ property: "coupon", op: "not_exists" })).toBe(true);
    expect(m({ property: "missing", op: "not_exists" })).toBe(true);
    expect(m({ property: "items.0.sku", op: "exists" })).toBe(true);
  });

  it("starts_with", () => {
    expect(m({ property: "order_id", op: "starts_with", value: "o-" })).toBe(true);
    expect(m({ property: "order_id", op: "starts_with", value: "O-" })).toBe(false);
    expect(m({ property: "order_id", op: "starts_with", value: "O-", ignoreCase: true })).toBe(true);
    expect(m({ property: "revenue", op: "starts_with", value: "1" })).toBe(false);
  });

  it("wildcards match when any element matches; negations when none does", () => {
    expect(m({ property: "items.*.category", op: "eq", value: "socks" })).toBe(true);
    expect(m({ property: "items.*.category", op: "neq", value: "socks" })).toBe(false);
    expect(m({ property: "items.*.category", op: "neq", value: "hats" })).toBe(true);
    expect(m({ property: "items.*.price", op: "gt", value: 50 })).toBe(true);
    expect(m({ property: "items.*.price", op: "lt", value: 10 })).toBe(true);
    expect(m({ property: "items.*.price", op: "gt", value: 100 })).toBe(false);
    expect(m({ property: "items.0.category", op: "eq", value: "socks" })).toBe(false);
  });
});

describe("matchesFilters", () => {
  it("requires every filter to match; no filters match everything", () => {
    expect(matchesFilters(order, [])).toBe(true);
    expect(
      matchesFilters(order, [
        { property: "revenue", op: "gt", value: 100 },
        { property: "currency", op: "eq", value: "EUR" },
      ]),
    ).toBe(true);
    expect(
      matchesFilters(order, [
        { property: "revenue", op: "gt", value: 100 },
        { property: "currency", op: "eq", value: "USD" },
      ]),
    ).toBe(false);
  });

  it("works with filters parsed from JSON", () => {
    const filters = PropertyFilters.parse(
      JSON.parse(
        '[{"property":"revenue","op":"gt","value":100},{"property":"items.*.category","op":"in","value":["shoes"]}]',
      ),
    );
    expect(matchesFilters(order, filters)).toBe(true);
    expect(matchesFilters({ revenue: 50 }, filters)).toBe(false);
  });
});
