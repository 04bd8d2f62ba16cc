import { describe, expect, it } from "vitest";
import {
  capHistoryMs,
  checkFrequencyCap,
  FrequencyCapRule,
  FrequencyCapRules,
} from "../../src/domain/campaigns/policy/frequency-cap";

const H = 3_600_000;
const now = Date.parse("2026-11-24T12:00:00Z");
const daily = { windowHours: 24, max: 3 };
const weekly = { windowHours: 24 * 7, max: 10 };

describe("checkFrequencyCap", () => {
  it("allows with no rules or no history", () => {
    expect(checkFrequencyCap([], [], now)).toEqual({ allowed: true });
    expect(checkFrequencyCap([], [daily, weekly], now)).toEqual({ allowed: true });
    expect(checkFrequencyCap([now - H, now - 2 * H], [], now)).toEqual({ allowed: true });
  });

  it("allows while under the limit", () => {
    expect(checkFrequencyCap([now - H, now - 2 * H], [daily], now)).toEqual({ allowed: true });
  });

  it("blocks at the limit and retries when the oldest counted send leaves the window", () => {
    const sent = [now - 20 * H, now - 5 * H, now - H];
    const r = checkFrequencyCap(sent, [daily], now);
    expect(r).toEqual({ allowed: false, rule: daily, retryAt: now - 20 * H + 24 * H });
    // At retryAt the oldest send has left the window: one more message fits.
    if (!r.allowed) expect(checkFrequencyCap(sent, [daily], r.retryAt)).toEqual({ allowed: true });
    if (!r.allowed) expect(checkFrequencyCap(sent, [daily], r.retryAt - 1).allowed).toBe(false);
  });

  it("ignores sends outside the window (half-open: exactly windowHours ago no longer counts)", () => {
    expect(checkFrequencyCap([now - 24 * H, now - 30 * H, now - 2 * H, now - H], [daily], now)).toEqual({
      allowed: true,
    });
    expect(checkFrequencyCap([now - 24 * H + 1, now - 2 * H, now - H], [daily], now).allowed).toBe(false);
  });

  it("over the limit, waits until enough sends have left (not just the oldest)", () => {
    // 5 sends in the window, max 3: the three oldest must leave, so the wait is for the third oldest (index count − max).
    const sent = [now - 23 * H, now - 22 * H, now - 21 * H, now - 2 * H, now - H];
    const r = checkFrequencyCap(sent, [daily], now);
    expect(r).toMatchObject({ allowed: false, retryAt: now - 21 * H + 24 * H });
    if (!r.allowed) {
      expect(checkFrequencyCap(sent, [daily], r.retryAt)).toEqual({ allowed: true });
      expect(checkFrequencyCap(sent, [daily], r.retryAt - 1).allowed).toBe(false);
    }
  });

  it("accepts unsorted history and counts sends stamped slightly in the future", () => {
    const sent = [now - H, now + 1000, now - 20 * H];
    expect(checkFrequencyCap(sent, [daily], now)).toMatchObject({ allowed: false, retryAt: now - 20 * H + 24 * H });
  });

  it("with several blocking rules, reports the one that blocks longest", () => {
    // 10 sends over the last 6 days, 3 of them today.
    const sent = [
      now - 6 * 24 * H,
      now - 5 * 24 * H,
      now - 4 * 24 * H,
      now - 4 * 24 * H + H,
      now - 3 * 24 * H,
      now - 2 * 24 * H,
      now - 30 * H,
      now - 10 * H,
      now - 5 * H,
      now - H,
    ];
    const r = checkFrequencyCap(sent, [daily, weekly], now);
    expect(r).toMatchObject({ allowed: false, rule: weekly, retryAt: now - 6 * 24 * H + 7 * 24 * H });
    // The daily rule alone would allow earlier.
    expect(checkFrequencyCap(sent, [daily], now)).toMatchObject({ allowed: false, retryAt: now - 10 * H + 24 * H });
    if (!r.allowed) expect(checkFrequencyCap(sent, [daily, weekly], r.retryAt)).toEqual({ allowed: true });
  });

  it("reports the daily rule when only it blocks", () => {
    const sent = [now - 3 * H, now - 2 * H, now - H];
    expect(checkFrequencyCap(sent, [weekly, daily], now)).toMatchObject({
      allowed: false,
      rule: daily,
      retryAt: now + 21 * H,
    });
  });

  it("supports fractional windows", () => {
    const halfHour = { windowHours: 0.5, max: 1 };
    expect(checkFrequencyCap([now - 10 * 60_000], [halfHour], now)).toEqual({
      allowed: false,
      rule: halfHour,
      retryAt: now + 20 * 60_000,
    });
  });

  it("a max of 0 never allows (retryAt = Infinity)", () => {
    expect(checkFrequencyCap([], [{ windowHours: 24, max: 0 }], now)).toMatchObject({
      allowed: false,
      retryAt: Number.POSITIVE_INFINITY,
    });
  });
});

describe("rule validation and history length", () => {
  it("validates rules", () => {
    expect(FrequencyCapRule.safeParse(daily).success).toBe(true);
    expect(FrequencyCapRule.safeParse({ windowHours: 0, max: 3 }).success).toBe(false);
    expect(FrequencyCapRule.safeParse({ windowHours: 24, max: 0 }).success).toBe(false);
    expect(FrequencyCapRule.safeParse({ windowHours: 24, max: 2.5 }).success).toBe(false);
    expect(FrequencyCapRules.safeParse([daily, weekly]).success).toBe(true);
  });

  it("capHistoryMs is the longest window", () => {
    expect(capHistoryMs([daily, weekly])).toBe(7 * 24 * H);
    expect(capHistoryMs([])).toBe(0);
  });
});
