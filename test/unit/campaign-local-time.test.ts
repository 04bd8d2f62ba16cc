import { describe, expect, it } from "vitest";
import {
  instantOfLocal,
  isValidTimeZone,
  localParts,
  LocalTimeOfDay,
  nextLocalTime,
  resolveTimeZone,
  utcOffsetMs,
} from "../../src/domain/time/local-time";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe("localParts", () => {
  const t = at("2026-11-24T09:30:00Z"); // a Tuesday

  it("reads the wall clock in any IANA zone, including odd offsets", () => {
    expect(localParts(t, "UTC")).toEqual({
      year: 2026,
      month: 11,
      day: 24,
      hour: 9,
      minute: 30,
      second: 0,
      weekday: 2,
    });
    expect(localParts(t, "Asia/Kolkata")).toMatchObject({ day: 24, hour: 15, minute: 0, weekday: 2 });
    expect(localParts(t, "Asia/Kathmandu")).toMatchObject({ hour: 15, minute: 15 });
    expect(localParts(t, "America/Los_Angeles")).toMatchObject({ day: 24, hour: 1, minute: 30, weekday: 2 });
    expect(localParts(t, "Pacific/Kiritimati")).toMatchObject({ day: 24, hour: 23, minute: 30, weekday: 2 });
    expect(localParts(t, "Pacific/Pago_Pago")).toMatchObject({ day: 23, hour: 22, minute: 30, weekday: 1 });
    expect(localParts(at("2026-12-31T23:59:59Z"), "Asia/Tokyo")).toEqual({
      year: 2027,
      month: 1,
      day: 1,
      hour: 8,
      minute: 59,
      second: 59,
      weekday: 5,
    });
  });

  it("reports midnight as hour 0", () => {
    expect(localParts(at("2026-11-24T00:00:00Z"), "UTC")).toMatchObject({ hour: 0, minute: 0 });
  });

  it("falls back to UTC for unknown zones", () => {
    expect(localParts(t, "Mars/Olympus_Mons")).toMatchObject({ hour: 9, minute: 30 });
    expect(resolveTimeZone("Mars/Olympus_Mons")).toBe("UTC");
    expect(resolveTimeZone(null)).toBe("UTC");
    expect(resolveTimeZone("", "Europe/Lisbon")).toBe("Europe/Lisbon");
    expect(resolveTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("Europe/Nowhere")).toBe(false);
  });
});

describe("utcOffsetMs and instantOfLocal", () => {
  it("gives offsets on both sides of DST", () => {
    expect(utcOffsetMs(at("2026-01-15T12:00:00Z"), "America/New_York")).toBe(-5 * 3_600_000);
    expect(utcOffsetMs(at("2026-07-15T12:00:00Z"), "America/New_York")).toBe(-4 * 3_600_000);
    expect(utcOffsetMs(at("2026-07-15T12:00:00Z"), "Pacific/Chatham")).toBe(12.75 * 3_600_000);
  });

  it("maps a local wall time to its instant", () => {
    expect(iso(instantOfLocal({ year: 2026, month: 7, day: 1, hour: 9, minute: 0 }, "Europe/Berlin"))).toBe(
      "2026-07-01T07:00:00.000Z",
    );
    expect(iso(instantOfLocal({ year: 2026, month: 1, day: 1, hour: 9, minute: 0 }, "Europe/Berlin"))).toBe(
      "2026-01-01T08:00:00.000Z",
    );
  });

  it("moves a nonexistent time (spring-forward gap) forward by the gap", () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist → 03:30 EDT.
    expect(iso(instantOfLocal({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, "America/New_York"))).toBe(
      "2026-03-08T07:30:00.000Z",
    );
  });

  it("takes the earlier instant of a repeated time (fall-back overlap)", () => {
    // New York, 2026-11-01: 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    expect(iso(instantOfLocal({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, "America/New_York"))).toBe(
      "2026-11-01T05:30:00.000Z",
    );
  });
});

describe("nextLocalTime", () => {
  const t = at("2026-11-24T09:30:00Z");

  it("returns today's time if still ahead, else tomorrow's (strictly after now)", () => {
    expect(iso(nextLocalTime(t, "Europe/Lisbon", "10:00"))).toBe("2026-11-24T10:00:00.000Z");
    expect(iso(nextLocalTime(t, "Europe/Lisbon", "09:00"))).toBe("2026-11-25T09:00:00.000Z");
    expect(iso(nextLocalTime(t, "Europe/Lisbon", "09:30"))).toBe("2026-11-25T09:30:00.000Z");
    expect(iso(nextLocalTime(t + 1, "Europe/Lisbon", "09:30"))).toBe("2026-11-25T09:30:00.000Z");
    expect(iso(nextLocalTime(t - 1, "Europe/Lisbon", "09:30"))).toBe("2026-11-24T09:30:00.000Z");
  });

  it("works in zones ahead of and behind UTC, across the date line", () => {
    expect(iso(nextLocalTime(t, "Asia/Tokyo", "09:00"))).toBe("2026-11-25T00:00:00.000Z");
    expect(iso(nextLocalTime(t, "America/Los_Angeles", "09:00"))).toBe("2026-11-24T17:00:00.000Z");
    expect(iso(nextLocalTime(t, "Asia/Kathmandu", "06:00"))).toBe("2026-11-25T00:15:00.000Z");
    expect(iso(nextLocalTime(t, "Pacific/Kiritimati", "00:00"))).toBe("2026-11-24T10:00:00.000Z");
    expect(iso(nextLocalTime(t, "Pacific/Pago_Pago", "00:00"))).toBe("2026-11-24T11:00:00.000Z");
  });

  it("keeps the local time across a DST change", () => {
    // Saturday 10:00 EST → Sunday 09:00 is EDT.
    expect(iso(nextLocalTime(at("2026-03-07T15:00:00Z"), "America/New_York", "09:00"))).toBe(
      "2026-03-08T13:00:00.000Z",
    );
    // London: BST ends 2026-10-25.
    expect(iso(nextLocalTime(at("2026-10-24T12:00:00Z"), "Europe/London", "09:00"))).toBe("2026-10-25T09:00:00.000Z");
    // Sydney: AEDT ends 2026-04-05 (UTC+11 → UTC+10).
    expect(iso(nextLocalTime(at("2026-04-03T12:00:00Z"), "Australia/Sydney", "09:00"))).toBe(
      "2026-04-03T22:00:00.000Z",
    );
    expect(iso(nextLocalTime(at("2026-04-04T00:00:00Z"), "Australia/Sydney", "09:00"))).toBe(
      "2026-04-04T23:00:00.000Z",
    );
  });

  it("moves a time that does not exist that day forward", () => {
    expect(iso(nextLocalTime(at("2026-03-07T12:00:00Z"), "America/New_York", "02:30"))).toBe(
      "2026-03-08T07:30:00.000Z",
    );
    // And is back to normal the day after.
    expect(iso(nextLocalTime(at("2026-03-08T07:30:00Z"), "America/New_York", "02:30"))).toBe(
      "2026-03-09T06:30:00.000Z",
    );
    // Lord Howe Island shifts by 30 minutes: 2026-10-04 02:00 (+10:30) → 02:30 (+11).
    expect(iso(nextLocalTime(at("2026-10-03T00:00:00Z"), "Australia/Lord_Howe", "02:15"))).toBe(
      "2026-10-03T15:45:00.000Z",
    );
  });

  it("fires once on a fall-back day, unless every occurrence is asked for", () => {
    expect(iso(nextLocalTime(at("2026-10-31T12:00:00Z"), "America/New_York", "01:30"))).toBe(
      "2026-11-01T05:30:00.000Z",
    );
    expect(iso(nextLocalTime(at("2026-11-01T05:40:00Z"), "America/New_York", "01:30"))).toBe(
      "2026-11-02T06:30:00.000Z",
    );
    expect(iso(nextLocalTime(at("2026-11-01T05:40:00Z"), "America/New_York", "01:30", { everyOccurrence: true }))).toBe(
      "2026-11-01T06:30:00.000Z",
    );
  });

  it("handles a skipped calendar day (Samoa, 2011-12-30)", () => {
    // 2011-12-29 12:00 local (UTC−10) = 22:00Z; the next 09:00 is on 2011-12-31 (UTC+14).
    expect(iso(nextLocalTime(at("2011-12-29T22:00:00Z"), "Pacific/Apia", "09:00"))).toBe("2011-12-30T19:00:00.000Z");
  });

  it("is always strictly after now and reads hh:mm locally (sweep)", () => {
    const zones = [
      "UTC",
      "America/New_York",
      "Europe/Berlin",
      "Australia/Sydney",
      "Asia/Kolkata",
      "America/Sao_Paulo",
      "Pacific/Chatham",
    ];
    for (const zone of zones) {
      for (let t0 = at("2026-01-01T00:00:00Z"); t0 < at("2027-01-01T00:00:00Z"); t0 += 7 * 3_600_000 + 13 * 60_000) {
        const next = nextLocalTime(t0, zone, "08:45");
        expect(next).toBeGreaterThan(t0);
        expect(next - t0).toBeLessThanOrEqual(25 * 3_600_000);
        expect(localParts(next, zone)).toMatchObject({ hour: 8, minute: 45, second: 0 });
      }
    }
  });

  it("rejects malformed times", () => {
    expect(() => nextLocalTime(0, "UTC", "24:00")).toThrow(RangeError);
    expect(() => nextLocalTime(0, "UTC", "9am")).toThrow(RangeError);
    expect(LocalTimeOfDay.safeParse("09:05").success).toBe(true);
    expect(LocalTimeOfDay.safeParse("9:05").success).toBe(false);
    expect(LocalTimeOfDay.safeParse("23:60").success).toBe(false);
  });
});
