import { describe, expect, it } from "vitest";
import { type LocationFix, LocationReporter } from "../../sdk/core/location";

/** The core's location reporting (both platforms' packages use it): pacing, batching, keeping unsent fixes. */
describe("core location reporter", () => {
  it("sends at most one request per interval, with the fixes in between, and keeps fixes that could not be sent", async () => {
    let now = 1_000_000;
    let offline = false;
    const sent: LocationFix[][] = [];
    const reporter = new LocationReporter({
      intervalMs: () => 60_000,
      now: () => now,
      send: async (fixes) => {
        if (offline) throw new TypeError("Network request failed");
        sent.push(fixes);
        return new Response("{}", { status: 200 });
      },
    });
    const fix = (lat: number) => ({ lat, lng: 13.4, accuracy: 20 });
    expect(await reporter.report(fix(1))).toBe(true);
    now += 10_000;
    expect(await reporter.report(fix(2))).toBe(false); // inside the interval: kept
    now += 60_000;
    offline = true;
    expect(await reporter.report(fix(3))).toBe(false);
    offline = false;
    expect(await reporter.report(fix(4), true)).toBe(true);
    expect(sent.map((batch) => batch.map((f) => f.lat))).toEqual([[1], [2, 3, 4]]);
    expect(sent[0]![0]!.timestamp).toBe(1_000_000);
  });
});
