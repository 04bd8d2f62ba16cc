import { describe, expect, it } from "vitest";
import { localParts } from "../../src/domain/time/local-time";
import { inWindow, quietHours, QuietWindow } from "../../src/domain/campaigns/policy/quiet-hours";

const at = (iso: string) => Date.parse(iso);
const night = { start: "22:00", end: "08:00" };
const lunch = { start: "12:00", end: "14:00" };

describe("inWindow", () => {
  it("handles same-day, overnight and empty windows (start inclusive, end exclusive)", () => {
    expect(inWindow(12 * 60, 720, 840)).toBe(true);
    expect(inWindow(14 * 60, 720, 840)).toBe(false);
    expect(inWindow(23 * 60, 1320, 480)).toBe(true);
    expect(inWindow(3 * 60, 1320, 480)).toBe(true);
    expect(inWindow(8 * 60, 1320, 480)).toBe(false);
    expect(inWindow(22 * 60, 1320, 480)).toBe(true);
    expect(inWindow(12 * 60, 600, 600)).toBe(false);
  });
});

describe("quietHours", () => {
  it("is never quiet without a window", () => {
    expect(quietHours(at("2026-11-24T23:00:00Z"), "Europe/Lisbon", null)).toEqual({ quiet: false });
  });

  it("overnight window: quiet from start until the next end", () => {
    // Lisbon is UTC+0 in November.
    expect(quietHours(at("2026-11-24T21:59:00Z"), "Europe/Lisbon", night)).toEqual({ quiet: false });
    expect(quietHours(at("2026-11-24T22:00:00Z"), "Europe/Lisbon", night)).toEqual({
      quiet: true,
      endsAt: at("2026-11-25T08:00:00Z"),
    });
    expect(quietHours(at("2026-11-24T23:30:00Z"), "Europe/Lisbon", night)).toEqual({
      quiet: true,
      endsAt: at("2026-11-25T08:00:00Z"),
    });
    expect(quietHours(at("2026-11-25T03:00:00Z"), "Europe/Lisbon", night)).toEqual({
      quiet: true,
      endsAt: at("2026-11-25T08:00:00Z"),
    });
    expect(quietHours(at("2026-11-25T07:59:59Z"), "Europe/Lisbon", night)).toEqual({
      quiet: true,
      endsAt: at("2026-11-25T08:00:00Z"),
    });
    expect(quietHours(at("2026-11-25T08:00:00Z"), "Europe/Lisbon", night)).toEqual({ quiet: false });
  });

  it("same-day window", () => {
    expect(quietHours(at("2026-11-24T11:59:00Z"), "UTC", lunch)).toEqual({ quiet: false });
    expect(quietHours(at("2026-11-24T13:00:00Z"), "UTC", lunch)).toEqual({
      quiet: true,
      endsAt: at("2026-11-24T14:00:00Z"),
    });
    expect(quietHours(at("2026-11-24T14:00:00Z"), "UTC", lunch)).toEqual({ quiet: false });
    expect(quietHours(at("2026-11-24T23:00:00Z"), "UTC", lunch)).toEqual({ quiet: false });
  });

  it("an empty window (start == end) is never quiet", () => {
    expect(quietHours(at("2026-11-24T10:00:00Z"), "UTC", { start: "10:00", end: "10:00" })).toEqual({ quiet: false });
  });

  it("the same instant is quiet in one zone and not in another (timezone boundary)", () => {
    const t = at("2026-11-24T21:30:00Z");
    expect(quietHours(t, "America/New_York", night)).toEqual({ quiet: false }); // 16:30
    expect(quietHours(t, "Europe/Lisbon", night)).toEqual({ quiet: false }); // 21:30
    expect(quietHours(t, "Europe/Berlin", night)).toEqual({ quiet: true, endsAt: at("2026-11-25T07:00:00Z") }); // 22:30
    expect(quietHours(t, "Asia/Tokyo", night)).toEqual({ quiet: true, endsAt: at("2026-11-24T23:00:00Z") }); // 06:30 next day
    expect(quietHours(at("2026-11-24T17:00:00Z"), "Asia/Kolkata", night)).toEqual({
      quiet: true,
      endsAt: at("2026-11-25T02:30:00Z"),
    }); // 22:30 IST
  });

  it("ends at local end time across DST transitions (the night is 9 or 11 real hours)", () => {
    // New York spring forward, night of 7→8 March 2026: 23:00 EST → 08:00 EDT.
    expect(quietHours(at("2026-03-08T04:00:00Z"), "America/New_York", night)).toEqual({
      quiet: true,
      endsAt: at("2026-03-08T12:00:00Z"),
    });
    // Fall back, night of 31 Oct → 1 Nov: 23:00 EDT → 08:00 EST.
    expect(quietHours(at("2026-11-01T03:00:00Z"), "America/New_York", night)).toEqual({
      quiet: true,
      endsAt: at("2026-11-01T13:00:00Z"),
    });
  });

  it("a window whose end falls in a spring-forward gap ends at the jump", () => {
    // 23:00–02:30 in New York on 8 March 2026: at 01:30 EST the clock will jump from 02:00 EST to 03:00 EDT (07:00Z).
    expect(quietHours(at("2026-03-08T06:30:00Z"), "America/New_York", { start: "23:00", end: "02:30" })).toEqual({
      quiet: true,
      endsAt: at("2026-03-08T07:00:00Z"),
    });
  });

  it("a window whose end falls in the repeated hour ends at the first end still ahead", () => {
    const w = { start: "22:00", end: "01:30" };
    // First pass through 01:10 (EDT) → ends 01:30 EDT.
    expect(quietHours(at("2026-11-01T05:10:00Z"), "America/New_York", w)).toEqual({
      quiet: true,
      endsAt: at("2026-11-01T05:30:00Z"),
    });
    // Between the two 01:30s the wall clock (01:40 EDT) is outside the window.
    expect(quietHours(at("2026-11-01T05:40:00Z"), "America/New_York", w)).toEqual({ quiet: false });
    // Second pass through 01:10 (EST) is inside again → ends 01:30 EST, not a day later.
    expect(quietHours(at("2026-11-01T06:10:00Z"), "America/New_York", w)).toEqual({
      quiet: true,
      endsAt: at("2026-11-01T06:30:00Z"),
    });
  });

  it("reads an unknown zone as UTC", () => {
    expect(quietHours(at("2026-11-24T23:00:00Z"), "Not/AZone", night)).toEqual({
      quiet: true,
      endsAt: at("2026-11-25T08:00:00Z"),
    });
    expect(quietHours(at("2026-11-24T23:00:00Z"), "", night)).toEqual({
      quiet: true,
      endsAt: at("2026-11-25T08:00:00Z"),
    });
  });

  it("endsAt is always after now and outside the window (sweep over a year)", () => {
    for (const zone of ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"]) {
      for (let t = at("2026-01-01T00:00:00Z"); t < at("2027-01-01T00:00:00Z"); t += 5 * 3_600_000 + 7 * 60_000) {
        const r = quietHours(t, zone, night);
        const p = localParts(t, zone);
        const m = p.hour * 60 + p.minute;
        expect(r.quiet).toBe(m >= 22 * 60 || m < 8 * 60);
        if (r.quiet) {
          expect(r.endsAt).toBeGreaterThan(t);
          expect(r.endsAt - t).toBeLessThanOrEqual(11 * 3_600_000);
          expect(quietHours(r.endsAt, zone, night)).toEqual({ quiet: false });
          expect(quietHours(r.endsAt - 60_000, zone, night).quiet).toBe(true);
        }
      }
    }
  });

  it("validates windows", () => {
    expect(QuietWindow.safeParse(night).success).toBe(true);
    expect(QuietWindow.safeParse({ start: "22:00", end: "8:00" }).success).toBe(false);
    expect(QuietWindow.safeParse({ start: "25:00", end: "08:00" }).success).toBe(false);
  });
});
