/**
 * The condition builder's model: one tree of AND/OR groups and rows that both condition
 * languages map onto — the segment language (`{type: "and", filters}`, docs/segments.md) and
 * the campaign conditions of audiences and branches (`{all: […]}`, docs/campaigns.md). Mapping is
 * lossless: a node the builder has no row for is kept as a `raw` row and written back unchanged.
 * Pure, so the JSON⇄model mapping is unit tested (test/unit/console-conditions.test.ts).
 */

export type Dialect = "segment" | "campaign";

export const PROPERTY_OPERATORS = [
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
  "starts_with",
  "exists",
  "not_exists",
] as const;
export type PropertyOperator = (typeof PROPERTY_OPERATORS)[number];

export interface Filter {
  property: string;
  op: PropertyOperator;
  value?: unknown;
  ignoreCase?: boolean;
}

/** Where a property row reads: traits and context in both languages; the rest only in campaigns. */
export type PropertySource = "trait" | "context" | "property" | "attr" | "event" | "answer";

export type Row =
  | { kind: "property"; source: PropertySource; filter: Filter }
  | { kind: "lifecycle"; in: string[] }
  | { kind: "rfmSegment"; in: string[] }
  | { kind: "churnBand"; in: string[] }
  | { kind: "consent"; channel: string; status: string }
  | { kind: "loyal"; value: boolean }
  /** Did (or did not) an event: at least `atLeast` times within `within` ("7d"; campaigns: hours → "24h"). */
  | { kind: "did"; event: string; did: boolean; within: string; atLeast?: number; atMost?: number; where: Filter[] }
  | { kind: "raw"; json: unknown };

export interface Group {
  kind: "group";
  op: "and" | "or";
  negate: boolean;
  children: Node[];
}
export type Node = Group | Row;

export const LIFECYCLE = ["new", "active", "dormant", "churned"];
export const RFM = [
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
];
export const CHURN = ["high", "medium", "low"];
export const CHANNELS = ["push", "email", "sms", "whatsapp"];
export const CONSENT = ["opted_in", "opted_out", "unknown"];

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

function asFilter(v: unknown): Filter | undefined {
  if (!isObj(v) || typeof v.property !== "string" || typeof v.op !== "string") return undefined;
  if (!(PROPERTY_OPERATORS as readonly string[]).includes(v.op)) return undefined;
  const extra = Object.keys(v).filter((k) => !["property", "op", "value", "ignoreCase"].includes(k));
  if (extra.length) return undefined;
  return v as unknown as Filter;
}
const asFilters = (v: unknown): Filter[] | undefined => {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return undefined;
  const out = v.map(asFilter);
  return out.every((f) => f) ? (out as Filter[]) : undefined;
};
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
const only = (o: Json, keys: string[]) => Object.keys(o).every((k) => keys.includes(k));

/** Any JSON as a group at the root (a lone condition becomes a one-row AND group). */
export function toModel(json: unknown, dialect: Dialect): Group {
  const node = dialect === "segment" ? fromSegment(json) : fromCampaign(json);
  return node.kind === "group" ? node : { kind: "group", op: "and", negate: false, children: [node] };
}

export function fromModel(g: Node, dialect: Dialect): unknown {
  return dialect === "segment" ? toSegment(g) : toCampaign(g);
}

// ——— the segment language ———

function fromSegment(j: unknown): Node {
  if (!isObj(j)) return { kind: "raw", json: j };
  if ((j.type === "and" || j.type === "or") && Array.isArray(j.filters) && only(j, ["type", "filters"]))
    return { kind: "group", op: j.type, negate: false, children: j.filters.map(fromSegment) };
  if (j.type === "not" && only(j, ["type", "filter"])) {
    const inner = fromSegment(j.filter);
    if (inner.kind === "group" && !inner.negate) return { ...inner, negate: true };
    return { kind: "group", op: "and", negate: true, children: [inner] };
  }
  if (j.type === "trait" || j.type === "context") {
    const { type, ...rest } = j;
    const filter = asFilter(rest);
    if (filter) return { kind: "property", source: type, filter };
  }
  if (
    (j.type === "lifecycle" || j.type === "rfmSegment" || j.type === "churnBand") &&
    strings(j.in) &&
    only(j, ["type", "in"])
  )
    return { kind: j.type, in: j.in };
  if (
    j.type === "consent" &&
    typeof j.channel === "string" &&
    typeof j.status === "string" &&
    only(j, ["type", "channel", "status"])
  )
    return { kind: "consent", channel: j.channel, status: j.status };
  if (j.type === "loyal" && only(j, ["type", "value"]) && (j.value === undefined || typeof j.value === "boolean"))
    return { kind: "loyal", value: j.value !== false };
  if (j.type === "event" && typeof j.name === "string" && typeof j.within === "string") {
    const where = asFilters(j.where);
    if (where && only(j, ["type", "name", "did", "where", "within", "atLeast", "atMost"]))
      return {
        kind: "did",
        event: j.name,
        did: j.did !== false,
        within: j.within,
        ...(typeof j.atLeast === "number" ? { atLeast: j.atLeast } : {}),
        ...(typeof j.atMost === "number" ? { atMost: j.atMost } : {}),
        where,
      };
  }
  return { kind: "raw", json: j };
}

function toSegment(n: Node): unknown {
  if (n.kind === "group") {
    const inner = { type: n.op, filters: n.children.map(toSegment) };
    return n.negate ? { type: "not", filter: n.children.length === 1 ? inner.filters[0] : inner } : inner;
  }
  switch (n.kind) {
    case "property":
      return { type: n.source, ...n.filter };
    case "lifecycle":
    case "rfmSegment":
    case "churnBand":
      return { type: n.kind, in: n.in };
    case "consent":
      return { type: "consent", channel: n.channel, status: n.status };
    case "loyal":
      return { type: "loyal", value: n.value };
    case "did":
      return {
        type: "event",
        name: n.event,
        ...(n.did ? {} : { did: false }),
        ...(n.where.length ? { where: n.where } : {}),
        within: n.within,
        ...(n.did && n.atLeast !== undefined ? { atLeast: n.atLeast } : {}),
        ...(n.did && n.atMost !== undefined ? { atMost: n.atMost } : {}),
      };
    case "raw":
      return n.json;
  }
}

// ——— campaign conditions (audiences and branches) ———

const SOURCES: PropertySource[] = ["trait", "context", "property", "attr", "event", "answer"];

/** Campaign windows are hours; the builder shows them as a duration ("24h", "7d" when whole days). */
export function hoursToWithin(h: number | undefined): string {
  if (h === undefined) return "";
  return h % 24 === 0 ? `${h / 24}d` : `${h}h`;
}
export function withinToHours(w: string): number | undefined {
  const m = /^(\d+)(m|h|d|w)$/.exec(w.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return { m: n / 60, h: n, d: n * 24, w: n * 168 }[m[2] as "m" | "h" | "d" | "w"];
}

function fromCampaign(j: unknown): Node {
  if (!isObj(j) || Object.keys(j).length !== 1) return { kind: "raw", json: j };
  const [key, v] = Object.entries(j)[0]!;
  if ((key === "all" || key === "any") && Array.isArray(v))
    return { kind: "group", op: key === "all" ? "and" : "or", negate: false, children: v.map(fromCampaign) };
  if (key === "not") {
    const inner = fromCampaign(v);
    if (inner.kind === "group" && !inner.negate) return { ...inner, negate: true };
    return { kind: "group", op: "and", negate: true, children: [inner] };
  }
  if ((SOURCES as string[]).includes(key)) {
    const filter = asFilter(v);
    // RFM group and churn band are person attrs in campaign conditions.
    if (filter && key === "attr" && filter.op === "in" && strings(filter.value) && !filter.ignoreCase) {
      if (filter.property === "rfmSegment") return { kind: "rfmSegment", in: filter.value };
      if (filter.property === "churnBand") return { kind: "churnBand", in: filter.value };
    }
    if (filter) return { kind: "property", source: key as PropertySource, filter };
  }
  if (key === "lifecycle" && strings(v)) return { kind: "lifecycle", in: v };
  if (key === "loyal" && typeof v === "boolean") return { kind: "loyal", value: v };
  if (
    key === "consent" &&
    isObj(v) &&
    typeof v.channel === "string" &&
    typeof v.status === "string" &&
    only(v, ["channel", "status"])
  )
    return { kind: "consent", channel: v.channel, status: v.status };
  if ((key === "did" || key === "didNot") && isObj(v) && typeof v.event === "string") {
    const where = asFilters(v.filters);
    const hours = v.withinHours;
    if (
      where &&
      only(v, ["event", "filters", "withinHours", "atLeast"]) &&
      (hours === undefined || typeof hours === "number")
    )
      return {
        kind: "did",
        event: v.event,
        did: key === "did",
        within: hoursToWithin(hours as number | undefined),
        ...(key === "did" && typeof v.atLeast === "number" ? { atLeast: v.atLeast } : {}),
        where,
      };
  }
  return { kind: "raw", json: j };
}

function toCampaign(n: Node): unknown {
  if (n.kind === "group") {
    const inner = { [n.op === "and" ? "all" : "any"]: n.children.map(toCampaign) };
    return n.negate ? { not: n.children.length === 1 ? toCampaign(n.children[0]!) : inner } : inner;
  }
  switch (n.kind) {
    case "property":
      return { [n.source]: n.filter };
    case "lifecycle":
      return { lifecycle: n.in };
    case "loyal":
      return { loyal: n.value };
    case "consent":
      return { consent: { channel: n.channel, status: n.status } };
    case "rfmSegment":
      return { attr: { property: "rfmSegment", op: "in", value: n.in } };
    case "churnBand":
      return { attr: { property: "churnBand", op: "in", value: n.in } };
    case "did": {
      const withinHours = withinToHours(n.within);
      const body = {
        event: n.event,
        ...(n.where.length ? { filters: n.where } : {}),
        ...(withinHours !== undefined ? { withinHours } : {}),
        ...(n.did && n.atLeast !== undefined ? { atLeast: n.atLeast } : {}),
      };
      return n.did ? { did: body } : { didNot: body };
    }
    case "raw":
      return n.json;
  }
}

// ——— editing helpers ———

/** The value a person typed, as the JSON the language expects: numbers and booleans unquoted, lists split on commas. */
export function parseValue(text: string, op: PropertyOperator): unknown {
  if (op === "exists" || op === "not_exists") return undefined;
  if (op === "in" || op === "nin")
    return text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .map(scalar);
  // Versions ("3.2.0") and dates stay strings: the language compares them as versions and dates.
  return scalar(text);
}
function scalar(s: string): unknown {
  if (s === "true") return true;
  if (s === "false") return false;
  if (s.trim() !== "" && /^-?\d+(\.\d+)?$/.test(s.trim())) return Number(s);
  return s;
}
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.map(String).join(", ");
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

export function newRow(kind: Row["kind"], dialect: Dialect): Row {
  switch (kind) {
    case "property":
      return { kind, source: "trait", filter: { property: "", op: "eq", value: "" } };
    case "lifecycle":
      return { kind, in: ["active"] };
    case "rfmSegment":
      return { kind, in: ["Champions"] };
    case "churnBand":
      return { kind, in: ["high"] };
    case "consent":
      return { kind, channel: "push", status: "opted_in" };
    case "loyal":
      return { kind, value: true };
    case "did":
      return { kind, event: "", did: true, within: dialect === "segment" ? "30d" : "", where: [] };
    case "raw":
      return { kind, json: dialect === "segment" ? { type: "sessions", within: "7d", atLeast: 1 } : { loyal: true } };
  }
}

/** Replaces the node at `path` (child indexes from the root); `null` removes it. */
export function updateAt(root: Group, path: number[], next: Node | null): Group {
  if (path.length === 0) return (next as Group) ?? root;
  const [i, ...rest] = path as [number, ...number[]];
  const children = [...root.children];
  if (rest.length === 0) {
    if (next === null) children.splice(i, 1);
    else children[i] = next;
  } else {
    children[i] = updateAt(children[i] as Group, rest, next);
  }
  return { ...root, children };
}
