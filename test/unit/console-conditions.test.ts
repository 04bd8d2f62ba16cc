import { describe, expect, it } from "vitest";
import { Condition } from "../../src/domain/campaigns/model";
import { SegmentFilter } from "../../src/domain/segments/segment-filter";
import {
  fromModel,
  type Group,
  newRow,
  parseValue,
  toModel,
  updateAt,
  withinToHours,
} from "../../console/src/conditions/model";

/** The console's condition builder: JSON ⇄ model in both condition languages, lossless. */
const segment = {
  type: "and",
  filters: [
    { type: "lifecycle", in: ["active"] },
    { type: "trait", property: "plan", op: "eq", value: "pro" },
    { type: "context", property: "app.version", op: "gte", value: "3.2.0" },
    {
      type: "or",
      filters: [
        {
          type: "event",
          name: "Order Completed",
          where: [{ property: "revenue", op: "gt", value: 100 }],
          within: "30d",
          atLeast: 2,
        },
        { type: "event", name: "App Opened", did: false, within: "7d" },
      ],
    },
    { type: "not", filter: { type: "churnBand", in: ["high"] } },
    { type: "consent", channel: "push", status: "opted_in" },
    { type: "counter", counter: "purchases", op: "gte", value: 2 },
  ],
};

const campaign = {
  all: [
    { lifecycle: ["active", "dormant"] },
    { context: { property: "os.name", op: "eq", value: "iOS" } },
    {
      any: [
        { did: { event: "Order Completed", withinHours: 24, atLeast: 1 } },
        { didNot: { event: "App Opened", withinHours: 168 } },
      ],
    },
    { attr: { property: "rfmSegment", op: "in", value: ["Champions", "Loyal"] } },
    { not: { consent: { channel: "email", status: "opted_out" } } },
    { message: { stepId: "welcome", status: "opened" } },
  ],
};

describe("condition builder model", () => {
  it("round-trips a segment filter, keeping conditions it has no row for as raw rows", () => {
    const model = toModel(segment, "segment");
    expect(model.op).toBe("and");
    expect(model.children.map((c) => c.kind)).toEqual([
      "lifecycle",
      "property",
      "property",
      "group",
      "group",
      "consent",
      "raw",
    ]);
    const or = model.children[3] as Group;
    expect(or.children[0]).toMatchObject({
      kind: "did",
      event: "Order Completed",
      did: true,
      within: "30d",
      atLeast: 2,
    });
    expect(or.children[1]).toMatchObject({ kind: "did", did: false });
    expect(model.children[4]).toMatchObject({
      kind: "group",
      negate: true,
      children: [{ kind: "churnBand", in: ["high"] }],
    });
    expect(fromModel(model, "segment")).toEqual(segment);
    expect(SegmentFilter.safeParse(fromModel(model, "segment")).success).toBe(true);
  });

  it("round-trips a campaign condition; RFM groups are attrs there, windows are hours", () => {
    const model = toModel(campaign, "campaign");
    expect(model.children.map((c) => c.kind)).toEqual(["lifecycle", "property", "group", "rfmSegment", "group", "raw"]);
    const any = model.children[2] as Group;
    expect(any.op).toBe("or");
    expect(any.children[0]).toMatchObject({ kind: "did", within: "1d", atLeast: 1 });
    expect(any.children[1]).toMatchObject({ kind: "did", did: false, within: "7d" });
    expect(fromModel(model, "campaign")).toEqual(campaign);
    expect(Condition.safeParse(fromModel(model, "campaign")).success).toBe(true);
  });

  it("wraps a lone condition in an AND group and writes a one-child NOT without a group", () => {
    const model = toModel({ lifecycle: ["new"] }, "campaign");
    expect(model).toEqual({ kind: "group", op: "and", negate: false, children: [{ kind: "lifecycle", in: ["new"] }] });
    expect(fromModel({ ...model, negate: true }, "campaign")).toEqual({ not: { lifecycle: ["new"] } });
    expect(fromModel({ ...model, negate: true }, "segment")).toEqual({
      type: "not",
      filter: { type: "lifecycle", in: ["new"] },
    });
  });

  it("builds valid JSON from new rows in both languages", () => {
    let g: Group = { kind: "group", op: "or", negate: false, children: [] };
    for (const kind of ["lifecycle", "rfmSegment", "churnBand", "consent", "loyal"] as const)
      g = updateAt(g, [g.children.length], newRow(kind, "segment"));
    g = updateAt(g, [g.children.length], { ...(newRow("did", "segment") as object), event: "Signed Up" } as never);
    expect(SegmentFilter.safeParse(fromModel(g, "segment")).success).toBe(true);
    expect(Condition.safeParse(fromModel(g, "campaign")).success).toBe(true);
    expect(updateAt(g, [0], null).children).toHaveLength(g.children.length - 1);
  });

  it("reads typed values as the language expects them", () => {
    expect(parseValue("42", "gt")).toBe(42);
    expect(parseValue("3.2.0", "gte")).toBe("3.2.0");
    expect(parseValue("true", "eq")).toBe(true);
    expect(parseValue("pro, team ,5", "in")).toEqual(["pro", "team", 5]);
    expect(parseValue("anything", "exists")).toBeUndefined();
    expect(withinToHours("2w")).toBe(336);
    expect(withinToHours("soon")).toBeUndefined();
  });
});
