import { describe, expect, it } from "vitest";
import { getTouched, setBounded } from "../../src/kernel/bounded-map";

describe("bounded module caches", () => {
  it("never hold more than their cap, dropping the least recently used", () => {
    const m = new Map<string, number>();
    for (let i = 0; i < 10; i++) setBounded(m, `k${i}`, i, 3);
    expect([...m.keys()]).toEqual(["k7", "k8", "k9"]);
    expect(getTouched(m, "k7")).toBe(7); // now the most recently used
    setBounded(m, "k10", 10, 3);
    expect([...m.keys()]).toEqual(["k9", "k7", "k10"]);
  });

  it("re-setting a key replaces it without growing", () => {
    const m = new Map<string, number>();
    setBounded(m, "a", 1, 2);
    setBounded(m, "a", 2, 2);
    expect([...m]).toEqual([["a", 2]]);
    expect(getTouched(m, "missing")).toBeUndefined();
    expect(m.size).toBe(1);
  });
});
