import { describe, expect, it } from "vitest";
import { AppSettings, parseSettings } from "../../src/domain/settings/app-settings";

describe("app settings", () => {
  it("an empty object is a complete configuration with the documented defaults", () => {
    const s = parseSettings("{}");
    expect(s.lifecycle).toEqual({ newDays: 7, dormantDays: 14, churnedDays: 60, loyalPurchases: 5, loyalRevenue: 500 });
    expect(s.frequencyCaps).toEqual([
      { windowHours: 24, max: 3 },
      { windowHours: 168, max: 10 },
    ]);
    expect(s.quietHours).toEqual({ start: "22:00", end: "08:00" });
    expect(s.purchaseEvent).toBe("Order Completed");
    expect(s.churnBands).toEqual({ high: 0.3, medium: 0.6 });
  });

  it("partial nested settings keep the other defaults", () => {
    expect(AppSettings.parse({ lifecycle: { dormantDays: 10 } }).lifecycle).toMatchObject({
      newDays: 7,
      dormantDays: 10,
      churnedDays: 60,
    });
  });

  it("rejects dormancy after churn, naming the field", () => {
    const r = AppSettings.safeParse({ lifecycle: { dormantDays: 90 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["lifecycle", "dormantDays"]);
  });
});
