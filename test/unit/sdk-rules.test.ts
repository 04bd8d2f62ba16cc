import { describe, expect, it } from "vitest";
import { backoff, nextMessage, type PendingMessage, ruleMatches, waitBeforeNext } from "../../sdk/core/rules";

const msg = (
  key: string,
  priority: number,
  createdAt: number,
  extra: Partial<PendingMessage["content"]> = {},
): PendingMessage => ({
  key,
  campaignId: "c",
  priority,
  createdAt,
  expiresAt: 10_000,
  content: { type: "modal", ...extra },
});

describe("SDK display rules", () => {
  it("matches an event by name and every listed property", () => {
    const rule = { event: "Product Added", properties: { sku: "TEE-1", price: 25 } };
    expect(ruleMatches(rule, "Product Added", { sku: "TEE-1", price: 25, extra: true })).toBe(true);
    expect(ruleMatches(rule, "Product Added", { sku: "TEE-1", price: "25" })).toBe(false);
    expect(ruleMatches(rule, "Product Viewed", { sku: "TEE-1", price: 25 })).toBe(false);
    expect(ruleMatches({ event: "Checkout" }, "Checkout")).toBe(true);
  });

  it("picks the highest priority, then the oldest; skips expired and untriggered messages", () => {
    const pending = [
      msg("a", 50, 2),
      msg("b", 50, 1),
      msg("c", 90, 3, { displayOn: { event: "X" } }),
      { ...msg("d", 99, 0), expiresAt: 5 },
    ];
    expect(nextMessage(pending, new Set(), 10)?.key).toBe("b");
    expect(nextMessage(pending, new Set(["c"]), 10)?.key).toBe("c");
    expect(nextMessage([], new Set(), 10)).toBeUndefined();
  });

  it("waits out the minimum interval and the server's notBefore", () => {
    expect(waitBeforeNext(1000, null, 30, null)).toBe(0);
    expect(waitBeforeNext(10_000, 5_000, 30, null)).toBe(25_000);
    expect(waitBeforeNext(10_000, null, 30, 12_000)).toBe(2_000);
    expect(waitBeforeNext(100_000, 5_000, 30, 12_000)).toBe(0);
  });

  it("backs off exponentially with jitter, capped", () => {
    expect(backoff(0, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoff(0, 1000, 60_000, () => 0)).toBe(500);
    expect(backoff(3, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoff(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});
