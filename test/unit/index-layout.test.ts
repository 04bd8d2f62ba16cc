import { describe, expect, it } from "vitest";
import { homeShard, parseIndexLayout, SINGLE_SHARD } from "../../src/domain/scale/index-layout";
import { mergeGroups, mergeSorted, sumRows } from "../../src/stores/d1/shard-merge";
import { DomainError } from "../../src/kernel/errors";
import { parseSendQueues, sendQueueOf } from "../../src/domain/scale/send-queues";

const people = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
const spread = (layout: ReturnType<typeof parseIndexLayout>, firstSeen: number) => {
  const counts = layout.map(() => 0);
  for (const id of people) counts[homeShard(layout, "app", id, firstSeen)]!++;
  return counts;
};

describe("the index layout", () => {
  it("is one shard, DB, when unset; reads a comma list or JSON with windows and weights", () => {
    expect(parseIndexLayout(undefined)).toEqual(SINGLE_SHARD);
    expect(parseIndexLayout(" ")).toEqual(SINGLE_SHARD);
    expect(parseIndexLayout("DB, INDEX_1").map((s) => s.binding)).toEqual(["DB", "INDEX_1"]);
    expect(
      parseIndexLayout(
        '[{"binding":"DB","until":"2027-01-01T00:00:00Z"},{"binding":"INDEX_1","since":1000,"weight":2}]',
      ),
    ).toEqual([
      { binding: "DB", since: 0, until: Date.parse("2027-01-01T00:00:00Z"), weight: 1 },
      { binding: "INDEX_1", since: 1000, until: null, weight: 2 },
    ]);
  });

  it("refuses a layout it cannot route by, naming the field", () => {
    const problem = (text: string) => {
      try {
        parseIndexLayout(text);
      } catch (err) {
        expect(err).toBeInstanceOf(DomainError);
        return (err as DomainError).problems?.[0]?.field ?? (err as DomainError).message;
      }
      throw new Error(`accepted ${text}`);
    };
    expect(problem("DB,DB")).toBe("INDEX_SHARDS[1]");
    expect(problem('[{"binding":"DB","since":5}]')).toBe("INDEX_SHARDS[0].since");
    expect(problem('[{"binding":"DB"},{"binding":"B","since":10,"until":5}]')).toBe("INDEX_SHARDS[1].until");
    expect(problem("[not json")).toMatch(/not valid JSON/);
    expect(problem('[{"binding":"DB","shards":2}]')).toMatch(/INDEX_SHARDS/);
  });

  it("spreads people evenly, or by weight, and always to the same shard", () => {
    const even = spread(parseIndexLayout("A,B,C,D"), 0);
    for (const n of even) expect(Math.abs(n - 5000)).toBeLessThan(300);
    const weighted = spread(parseIndexLayout('[{"binding":"A"},{"binding":"B","weight":3}]'), 0);
    expect(Math.abs(weighted[1]! / weighted[0]! - 3)).toBeLessThan(0.2);
    const layout = parseIndexLayout("A,B,C");
    expect(people.map((id) => homeShard(layout, "app", id, 0))).toEqual(
      people.map((id) => homeShard(layout, "app", id, 0)),
    );
  });

  it("adding a shard moves nobody already placed: new shards take only people first seen after they open", () => {
    const before = parseIndexLayout('[{"binding":"A"},{"binding":"B"}]');
    const after = parseIndexLayout('[{"binding":"A"},{"binding":"B"},{"binding":"C","since":1000}]');
    for (const id of people.slice(0, 2000))
      expect(homeShard(after, "app", id, 999)).toBe(homeShard(before, "app", id, 999));
    const later = spread(after, 1000);
    expect(Math.min(...later)).toBeGreaterThan(6000);
    // Closing a full shard sends newcomers elsewhere; when every shard is closed the last to close takes them.
    const closed = parseIndexLayout('[{"binding":"A","until":500},{"binding":"B","since":100}]');
    expect(spread(closed, 600)).toEqual([0, people.length]);
    const allClosed = parseIndexLayout('[{"binding":"A","until":500},{"binding":"B","since":100,"until":700}]');
    expect(spread(allClosed, 800)).toEqual([0, people.length]);
  });
});

describe("merging shard answers", () => {
  it("adds counts, re-weights averages, and keeps null where every shard said null", () => {
    const merged = mergeGroups(
      [
        [
          { segment: "Champions", n: 2, avg: 10 },
          { segment: "Loyal", n: 1, avg: 4 },
        ],
        [{ segment: "Champions", n: 6, avg: 2 }],
      ],
      { keys: ["segment"], sums: ["n"], means: [{ field: "avg", weight: "n" }] },
    );
    expect(merged).toEqual([
      { segment: "Champions", n: 8, avg: 4 },
      { segment: "Loyal", n: 1, avg: 4 },
    ]);
    expect(sumRows([{ n: 2, s: null }, { n: 3, s: null }, null], ["n", "s"])).toEqual({ n: 5, s: null });
    expect(sumRows([null, undefined], ["n"])).toBeNull();
  });

  it("k-way merges sorted pages to the first `limit`", () => {
    const byNumber = (a: number, b: number) => a - b;
    expect(mergeSorted([[1, 4, 9], [2, 3, 10], []], byNumber, 4)).toEqual([1, 2, 3, 4]);
    expect(mergeSorted([[5]], byNumber, 0)).toEqual([]);
  });
});

describe("send queues", () => {
  it("is SENDS alone when unset; spreads people over the listed queues, each person always on one", () => {
    expect(parseSendQueues(undefined)).toEqual(["SENDS"]);
    expect(parseSendQueues("SENDS, SENDS_1")).toEqual(["SENDS", "SENDS_1"]);
    expect(() => parseSendQueues("SENDS,SENDS")).toThrow(/twice/);
    const queues = parseSendQueues("SENDS,SENDS_1,SENDS_2");
    const counts = new Map<string, number>();
    for (const id of people) counts.set(sendQueueOf(queues, id), (counts.get(sendQueueOf(queues, id)) ?? 0) + 1);
    for (const q of queues) expect(Math.abs((counts.get(q) ?? 0) - people.length / 3)).toBeLessThan(400);
    expect(sendQueueOf(["SENDS"], "anyone")).toBe("SENDS");
  });
});
