import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { DAY } from "../../src/kernel/clock";
import { quintileCutPoints, scoreRfm } from "../../src/domain/segments/rfm";
import { PURCHASERS, rfmSql } from "../../src/domain/segments/rfm-sql";
import { SegmentFilter } from "../../src/domain/segments/segment-filter";
import { compileSegmentSql, memberSql } from "../../src/domain/segments/segment-sql";

// node:sqlite (Node 22) runs the same SQLite dialect and JSON1 functions as D1.
const { DatabaseSync } = createRequire(import.meta.url)("node:sqlite") as {
  DatabaseSync: new (
    path: string,
  ) => {
    exec(sql: string): void;
    prepare(sql: string): { all(...args: unknown[]): Array<Record<string, unknown>>; run(...args: unknown[]): unknown };
  };
};

const NOW = Date.UTC(2026, 10, 24);

function db() {
  const d = new DatabaseSync(":memory:");
  d.exec(
    `CREATE TABLE users (app_id TEXT, user_id TEXT, lifecycle TEXT, loyal INTEGER, first_seen INTEGER, last_seen INTEGER, sessions INTEGER, purchases INTEGER, revenue REAL, purchase_days INTEGER, first_purchase INTEGER, last_purchase INTEGER, attrs TEXT)`,
  );
  const insert = d.prepare(`INSERT INTO users VALUES ('a', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const rows: Array<
    [string, string, number, number, number, number, number, number, number, number | null, number | null, object]
  > = [
    [
      "u1",
      "active",
      1,
      NOW - 90 * DAY,
      NOW - DAY,
      20,
      8,
      800,
      7,
      NOW - 80 * DAY,
      NOW - 2 * DAY,
      {
        rfmSegment: "Champions",
        churnBand: "low",
        pAlive: 0.95,
        consent: { push: "opted_in" },
        platforms: ["ios"],
        segments: ["seg_a"],
      },
    ],
    [
      "u2",
      "dormant",
      0,
      NOW - 200 * DAY,
      NOW - 20 * DAY,
      4,
      2,
      60,
      2,
      NOW - 190 * DAY,
      NOW - 20 * DAY,
      {
        rfmSegment: "At Risk",
        churnBand: "high",
        pAlive: 0.1,
        consent: { push: "opted_out" },
        platforms: ["android"],
        segments: [],
      },
    ],
    [
      "u3",
      "new",
      0,
      NOW - 2 * DAY,
      NOW - 2 * DAY,
      1,
      0,
      0,
      0,
      null,
      null,
      { rfmSegment: null, churnBand: null, pAlive: null, consent: {}, platforms: [], segments: [] },
    ],
    // indexed before the segmentation features existed: attributes unknown
    ["u4", "active", 0, NOW - 30 * DAY, NOW - 3 * DAY, 5, 1, 20, 1, NOW - 25 * DAY, NOW - 25 * DAY, {}],
  ];
  for (const r of rows)
    insert.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], JSON.stringify(r[11]));
  return d;
}

function count(d: ReturnType<typeof db>, raw: unknown) {
  const compiled = compileSegmentSql(SegmentFilter.parse(raw), NOW);
  const ids = (where: string) =>
    d
      .prepare(`SELECT user_id FROM users WHERE app_id = 'a' AND ${where} ORDER BY user_id`)
      .all()
      .map((r) => r.user_id);
  return { definite: ids(compiled.definite), possible: ids(compiled.possible), estimated: compiled.estimated };
}

describe("segment filters as SQL over the users index", () => {
  const d = db();

  it("answers indexed conditions exactly", () => {
    expect(count(d, { type: "lifecycle", in: ["active", "new"] })).toEqual({
      definite: ["u1", "u3", "u4"],
      possible: ["u1", "u3", "u4"],
      estimated: [],
    });
    expect(count(d, { type: "counter", counter: "purchases", op: "gte", value: 2 }).definite).toEqual(["u1", "u2"]);
    expect(count(d, { type: "seen", when: "last", within: "7d" }).definite).toEqual(["u1", "u3", "u4"]);
    expect(count(d, { type: "loyal" }).definite).toEqual(["u1"]);
    expect(count(d, { type: "platform", in: ["android", "web"] }).definite).toEqual(["u2"]);
  });

  it("treats attributes not yet indexed as unknown, and non-customers as outside RFM segments", () => {
    const rfm = count(d, { type: "rfmSegment", in: ["Champions", "At Risk"] });
    expect(rfm.definite).toEqual(["u1", "u2"]);
    expect(rfm.possible).toEqual(["u1", "u2", "u4"]);
    const notHigh = count(d, { type: "not", filter: { type: "churnBand", in: ["high"] } });
    expect(notHigh.definite).toEqual(["u1", "u3"]);
    expect(notHigh.possible).toEqual(["u1", "u3", "u4"]);
    expect(count(d, { type: "consent", channel: "push", status: "unknown" }).definite).toEqual(["u3"]);
    expect(count(d, { type: "score", score: "pAlive", op: "lt", value: 0.5 }).definite).toEqual(["u2"]);
  });

  it("bounds conditions the index cannot answer, through and / or / not", () => {
    const trait = { type: "trait", property: "plan", op: "eq", value: "pro" };
    expect(count(d, trait)).toEqual({ definite: [], possible: ["u1", "u2", "u3", "u4"], estimated: ["trait plan"] });
    const and = count(d, {
      type: "and",
      filters: [{ type: "loyal" }, { type: "event", name: "Product Added", within: "1d" }],
    });
    expect(and.definite).toEqual([]);
    expect(and.possible).toEqual(["u1"]);
    const or = count(d, { type: "or", filters: [{ type: "loyal" }, trait] });
    expect(or.definite).toEqual(["u1"]);
    expect(or.possible).toEqual(["u1", "u2", "u3", "u4"]);
    const not = count(d, { type: "not", filter: { type: "and", filters: [{ type: "loyal" }, trait] } });
    expect(not.definite).toEqual(["u2", "u3", "u4"]);
    expect(not.possible).toEqual(["u1", "u2", "u3", "u4"]);
  });

  it("quotes string literals", () => {
    expect(count(d, { type: "rfmSegment", in: ["Can't Lose Them"] }).definite).toEqual([]);
  });

  it("reads live membership from attrs.segments", () => {
    expect(
      d
        .prepare(`SELECT user_id FROM users WHERE ${memberSql("seg_a")}`)
        .all()
        .map((r) => r.user_id),
    ).toEqual(["u1"]);
  });

  it("scores RFM in SQL exactly as the UserObject does", () => {
    const people = Array.from({ length: 60 }, (_, i) => ({
      id: `p${i}`,
      purchases: 1 + (i % 7),
      revenue: 10 * ((i * 37) % 23),
      last: NOW - ((i * 13) % 200) * DAY - 3600_000 * (i % 5),
    }));
    const d2 = new DatabaseSync(":memory:");
    d2.exec(`CREATE TABLE users (user_id TEXT, purchases INTEGER, revenue REAL, last_purchase INTEGER)`);
    const ins = d2.prepare(`INSERT INTO users VALUES (?, ?, ?, ?)`);
    for (const p of people) ins.run(p.id, p.purchases, p.revenue, p.last);
    const cuts = {
      recencyDays: quintileCutPoints(people.map((p) => (NOW - p.last) / DAY))!,
      frequency: quintileCutPoints(people.map((p) => p.purchases))!,
      monetary: quintileCutPoints(people.map((p) => p.revenue))!,
      n: people.length,
    };
    const s = rfmSql(cuts, NOW);
    const rows = d2
      .prepare(
        `SELECT user_id, ${s.r} AS r, ${s.f} AS f, ${s.m} AS m, ${s.segment} AS segment FROM users WHERE ${PURCHASERS}`,
      )
      .all();
    expect(rows).toHaveLength(60);
    for (const row of rows) {
      const p = people.find((x) => x.id === row.user_id)!;
      const expected = scoreRfm({ purchases: p.purchases, revenue: p.revenue, lastPurchase: p.last }, cuts, NOW)!;
      expect({ r: row.r, f: row.f, m: row.m, segment: row.segment }).toEqual({
        r: expected.r,
        f: expected.f,
        m: expected.m,
        segment: expected.segment,
      });
    }
  });
});

describe("broadcast audiences", () => {
  it("use exact SQL when the index answers everything, live membership otherwise", async () => {
    const { audienceSql } = await import("../../src/domain/segments/segment-sql");
    const d = db();
    const ids = (where: string) =>
      d
        .prepare(`SELECT user_id FROM users WHERE app_id = 'a' AND ${where} ORDER BY user_id`)
        .all()
        .map((r) => r.user_id);
    expect(ids(audienceSql({ id: "seg_x", filter: SegmentFilter.parse({ type: "loyal" }) }, NOW))).toEqual(["u1"]);
    expect(
      ids(
        audienceSql(
          { id: "seg_a", filter: SegmentFilter.parse({ type: "trait", property: "plan", op: "exists" }) },
          NOW,
        ),
      ),
    ).toEqual(["u1"]);
  });
});
