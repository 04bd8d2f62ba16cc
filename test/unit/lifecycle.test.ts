import { describe, expect, it } from "vitest";
import { DAY } from "../../src/kernel/clock";
import { parseSettings } from "../../src/domain/settings/app-settings";
import { evaluateLifecycle, type LifecycleInputs, nextLifecycleBoundary } from "../../src/domain/lifecycle/lifecycle";

const t = parseSettings("{}").lifecycle;
const T0 = Date.UTC(2026, 0, 1);
const base: LifecycleInputs = {
  firstSeen: T0,
  lastSeen: T0,
  purchases: 0,
  revenue: 0,
  uninstalled: false,
  fullyOptedOut: false,
};

describe("lifecycle rules", () => {
  it("is new for 7 days, then active while seen within 14 days", () => {
    expect(evaluateLifecycle(base, t, T0 + 6 * DAY).state).toBe("new");
    const seen = { ...base, lastSeen: T0 + 7 * DAY };
    expect(evaluateLifecycle(seen, t, T0 + 8 * DAY).state).toBe("active");
  });

  it("turns dormant after 14 idle days and churned after 60", () => {
    expect(evaluateLifecycle(base, t, T0 + 14 * DAY - 1).state).toBe("active");
    expect(evaluateLifecycle(base, t, T0 + 14 * DAY).state).toBe("dormant");
    expect(evaluateLifecycle(base, t, T0 + 59 * DAY).state).toBe("dormant");
    expect(evaluateLifecycle(base, t, T0 + 60 * DAY).state).toBe("churned");
  });

  it("churns at once on uninstall or full opt-out, with the reason", () => {
    expect(evaluateLifecycle({ ...base, uninstalled: true }, t, T0)).toMatchObject({
      state: "churned",
      reason: expect.stringContaining("uninstalled"),
    });
    expect(evaluateLifecycle({ ...base, fullyOptedOut: true }, t, T0)).toMatchObject({
      state: "churned",
      reason: expect.stringContaining("opted out"),
    });
  });

  it("flags loyal users by purchases or revenue, in any state", () => {
    expect(evaluateLifecycle({ ...base, purchases: 5 }, t, T0).loyal).toBe(true);
    expect(evaluateLifecycle({ ...base, revenue: 500 }, t, T0 + 30 * DAY)).toMatchObject({
      state: "dormant",
      loyal: true,
    });
    expect(evaluateLifecycle({ ...base, purchases: 4, revenue: 499 }, t, T0).loyal).toBe(false);
  });

  it("names the next boundary so the object's timer can wake exactly then", () => {
    expect(nextLifecycleBoundary(base, t, T0)).toBe(T0 + 7 * DAY);
    expect(nextLifecycleBoundary(base, t, T0 + 7 * DAY)).toBe(T0 + 14 * DAY);
    expect(nextLifecycleBoundary(base, t, T0 + 14 * DAY)).toBe(T0 + 60 * DAY);
    expect(nextLifecycleBoundary(base, t, T0 + 60 * DAY)).toBeNull();
  });
});
