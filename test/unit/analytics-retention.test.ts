import { describe, expect, it } from "vitest";
import {
  advanceRetention,
  mergeRetention,
  type RetentionState,
  retentionTable,
  weekOf,
} from "../../src/domain/analytics/retention";
import { flowTable } from "../../src/domain/analytics/lifecycle-flow";

const D = 86_400_000;
const T0 = Date.UTC(2026, 2, 4, 12); // a Wednesday

describe("retention (pure)", () => {
  it("weeks start on Monday, UTC", () => {
    expect(weekOf("2026-03-04")).toBe("2026-03-02");
    expect(weekOf("2026-03-02")).toBe("2026-03-02");
    expect(weekOf("2026-03-08")).toBe("2026-03-02");
    expect(weekOf("2026-03-09")).toBe("2026-03-09");
  });

  it("counts a person once per cohort and period; a late event for a period already passed is not counted", () => {
    let state: RetentionState = { cohorts: {}, last: {} };
    const kinds: string[] = [];
    for (const t of [T0, T0 + 1000, T0 + D, T0 + 6 * D, T0 + 3 * D]) {
      const r = advanceRetention(state, { name: "E", timestamp: t }, T0, []);
      state = r.state;
      kinds.push(...r.rows.map((x) => `${x.kind}:${x.step}`));
    }
    expect(kinds).toEqual([
      "cohort_day:0",
      "cohort_week:0",
      "ret_day:0",
      "ret_week:0",
      "ret_day:1",
      "ret_day:6",
      "ret_week:1",
    ]);
  });

  it("merge keeps the earlier cohort and the later counted period", () => {
    const a: RetentionState = {
      cohorts: { firstSeen: "2026-03-04" },
      last: { "firstSeen|any": { d: "2026-03-04", w: "2026-03-02" } },
    };
    const b: RetentionState = {
      cohorts: { firstSeen: "2026-03-03" },
      last: { "firstSeen|any": { d: "2026-03-03", w: "2026-03-02" } },
    };
    expect(mergeRetention(a, b)).toEqual({
      cohorts: { firstSeen: "2026-03-03" },
      last: { "firstSeen|any": { d: "2026-03-04", w: "2026-03-02" } },
    });
  });

  it("a cohort's row ends at today's period", () => {
    const rows = retentionTable(
      "day",
      [{ day: "2026-03-04", n: 4 }],
      [
        { day: "2026-03-04", step: 0, n: 4 },
        { day: "2026-03-04", step: 1, n: 1 },
      ],
      "2026-03-05",
      10,
    );
    expect(rows).toEqual([{ cohort: "2026-03-04", size: 4, retained: [4, 1], rates: [1, 0.25] }]);
  });

  it("lifecycle moves fold by week", () => {
    const t = flowTable("week", [
      { day: "2026-03-02", dim: "new", value: "active", n: 2 },
      { day: "2026-03-08", dim: "new", value: "active", n: 1 },
      { day: "2026-03-09", dim: "active", value: "dormant", n: 1 },
    ]);
    expect(t).toEqual([
      { period: "2026-03-02", moves: [{ from: "new", to: "active", n: 3 }] },
      { period: "2026-03-09", moves: [{ from: "active", to: "dormant", n: 1 }] },
    ]);
  });
});
