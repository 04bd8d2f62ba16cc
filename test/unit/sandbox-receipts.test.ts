import { describe, expect, it } from "vitest";
import { parseReceiptRates, receiptsFor, unit } from "../../src/delivery/sandbox-receipts";
import { campaignReport } from "../../src/domain/campaigns/campaign-report";
import { conversionUplift } from "../../src/domain/campaigns/uplift";

describe("sandbox receipts (pure)", () => {
  it("parses the setting; a bad one is ignored", () => {
    expect(parseReceiptRates("delivered=0.9, opened=0.3")).toEqual({ delivered: 0.9, opened: 0.3, clicked: 0 });
    expect(parseReceiptRates(undefined)).toBeNull();
    expect(parseReceiptRates("delivered=2")).toBeNull();
    expect(parseReceiptRates("bounced=0.1")).toBeNull();
  });
  it("draws are uniform enough and ordered", () => {
    const n = 10_000;
    let d = 0;
    let o = 0;
    for (let i = 0; i < n; i++) {
      const r = receiptsFor(`sbx_${i}`, { delivered: 0.9, opened: 0.5, clicked: 0 });
      if (r.includes("delivered")) d++;
      if (r.includes("opened")) o++;
      expect(r.includes("opened") ? r.includes("delivered") : true).toBe(true);
      expect(r).not.toContain("clicked");
    }
    expect(Math.abs(d / n - 0.9)).toBeLessThan(0.02);
    expect(Math.abs(o / n - 0.45)).toBeLessThan(0.02);
    expect(unit("x")).toBe(unit("x"));
  });
});

describe("campaign report: pooled uplift", () => {
  it("sums every variant's entrants and conversions against the control group", () => {
    const rows = [
      { variant: "A", kind: "entered", n: 100 },
      { variant: "A", kind: "converted", n: 20 },
      { variant: "B", kind: "entered", n: 50 },
      { variant: "B", kind: "converted", n: 5 },
      { variant: "control", kind: "entered", n: 40 },
      { variant: "control", kind: "converted", n: 4 },
    ];
    const r = campaignReport(rows);
    expect(r.pooled).toEqual(conversionUplift({ users: 150, conversions: 25 }, { users: 40, conversions: 4 }));
    expect(r.pooled!.absoluteUplift).toBeCloseTo(25 / 150 - 0.1, 12);
    expect(campaignReport(rows.filter((x) => x.variant !== "control")).pooled).toBeNull();
  });
});
