import { describe, expect, it } from "vitest";
import {
  applySighting,
  BeaconMatcher,
  type BeaconRegion,
  parseSighting,
  type BeaconPresence,
} from "../../src/domain/geo/beacons";
import { compileFence, type FenceDefinition } from "../../src/domain/geo/fence";
import { FenceIndex } from "../../src/domain/geo/fence-index";
import { M_PER_DEG } from "../../src/domain/geo/geo-math";
import {
  applyDwellTimer,
  applyFix,
  DEFAULT_GEO_RULES,
  emptyGeoState,
  exitBufferM,
  type GeoEffect,
  type GeoRules,
} from "../../src/domain/geo/transition";

const LAT = 48.8566,
  LNG = 2.3522;
const north = (m: number) => LAT + m / M_PER_DEG;
const rules: GeoRules = { ...DEFAULT_GEO_RULES, maxAccuracyM: 200 };
const T0 = Date.parse("2026-11-24T09:00:00Z");
const MIN = 60_000;

const def = (over: Partial<FenceDefinition> = {}): FenceDefinition => ({
  id: "store",
  name: "Store",
  externalId: null,
  tags: ["store"],
  metadata: {},
  dwellSeconds: 600,
  cooldownSeconds: 300,
  geometry: { type: "Point", coordinates: [LNG, LAT], radius: 100 },
  ...over,
});

const kinds = (effects: GeoEffect[]) => effects.map((e) => e.type);

describe("geofence transitions", () => {
  const index = new FenceIndex([compileFence(def())]);

  it("enters, holds inside the hysteresis band, exits beyond it", () => {
    const s = emptyGeoState();
    const r1 = applyFix(index, s, { lat: north(0), lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0);
    expect(kinds(r1.effects)).toEqual(["entered", "schedule_dwell"]);
    expect(r1.effects[1]).toMatchObject({ dueAt: T0 + 600_000, enteredAt: T0 });
    // 115 m from the centre = 15 m outside: within the 20 m buffer → still inside.
    expect(
      kinds(
        applyFix(index, s, { lat: north(115), lng: LNG, accuracy: 10, timestamp: T0 + MIN }, rules, T0 + MIN).effects,
      ),
    ).toEqual([]);
    expect(s.visits.has("store")).toBe(true);
    // 130 m: outside by 30 m > buffer 20 m → exit.
    const r3 = applyFix(
      index,
      s,
      { lat: north(130), lng: LNG, accuracy: 10, timestamp: T0 + 2 * MIN },
      rules,
      T0 + 2 * MIN,
    );
    expect(kinds(r3.effects)).toEqual(["cancel_dwell", "exited"]);
    expect(r3.effects[1]).toMatchObject({ at: T0 + 2 * MIN, bufferM: 20 });
    expect(s.visits.size).toBe(0);
    expect(s.cooldowns.get("store")).toBe(T0 + 2 * MIN + 300_000);
  });

  it("exit buffer = max(accuracy, min(10 % of size, 1 km), 20 m)", () => {
    const small = compileFence(def());
    const big = compileFence(def({ geometry: { type: "Point", coordinates: [LNG, LAT], radius: 20_000 } }));
    expect(exitBufferM(small, 5, rules)).toBe(20);
    expect(exitBufferM(small, 65, rules)).toBe(65);
    expect(exitBufferM(big, 5, rules)).toBe(1000);
    expect(
      exitBufferM(compileFence(def({ geometry: { type: "Point", coordinates: [LNG, LAT], radius: 500 } })), 5, rules),
    ).toBe(50);
  });

  it("a poor fix needs to be further out to count as an exit (jitter does not flap)", () => {
    const s = emptyGeoState();
    applyFix(index, s, { lat: north(0), lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0);
    // 60 m outside, but accuracy 80 m: could still be inside.
    expect(
      kinds(
        applyFix(index, s, { lat: north(160), lng: LNG, accuracy: 80, timestamp: T0 + 1000 }, rules, T0 + 1000).effects,
      ),
    ).toEqual([]);
    // Jitter back and forth across the edge: one stay, no events.
    for (let i = 0; i < 20; i++) {
      const m = i % 2 === 0 ? 95 : 112;
      expect(
        applyFix(
          index,
          s,
          { lat: north(m), lng: LNG, accuracy: 15, timestamp: T0 + 2000 + i * 1000 },
          rules,
          T0 + 30_000,
        ).effects.filter((e) => e.type === "entered" || e.type === "exited"),
      ).toEqual([]);
    }
    expect(s.visits.get("store")?.enteredAt).toBe(T0);
  });

  it("ignores inaccurate, out-of-order, stale and invalid fixes", () => {
    const s = emptyGeoState();
    expect(applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 500, timestamp: T0 }, rules, T0)).toMatchObject({
      applied: false,
      reason: "accuracy",
    });
    expect(
      applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 - 25 * 3600_000 }, rules, T0),
    ).toMatchObject({ applied: false, reason: "stale" });
    expect(applyFix(index, s, { lat: 91, lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0)).toMatchObject({
      applied: false,
      reason: "invalid",
    });
    expect(applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0).applied).toBe(true);
    expect(
      applyFix(index, s, { lat: north(1000), lng: LNG, accuracy: 10, timestamp: T0 - 1000 }, rules, T0),
    ).toMatchObject({ applied: false, reason: "out_of_order" });
    expect(applyFix(index, s, { lat: north(1000), lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0)).toMatchObject({
      applied: false,
      reason: "out_of_order",
    });
    expect(s.visits.has("store")).toBe(true);
  });

  it("a re-entry inside the cooldown is tracked but does not count", () => {
    const s = emptyGeoState();
    applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0);
    applyFix(index, s, { lat: north(500), lng: LNG, accuracy: 10, timestamp: T0 + MIN }, rules, T0 + MIN);
    const back = applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 + 2 * MIN }, rules, T0 + 2 * MIN);
    expect(kinds(back.effects)).toEqual(["reentry_suppressed"]);
    expect(s.visits.get("store")?.counted).toBe(false);
    // Leaving an uncounted stay emits nothing and does not restart the cooldown.
    expect(
      kinds(
        applyFix(index, s, { lat: north(500), lng: LNG, accuracy: 10, timestamp: T0 + 3 * MIN }, rules, T0 + 3 * MIN)
          .effects,
      ),
    ).toEqual(["cancel_dwell"]);
    expect(s.cooldowns.get("store")).toBe(T0 + MIN + 300_000);
    // After the cooldown, entries count again.
    expect(
      kinds(
        applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 + 7 * MIN }, rules, T0 + 7 * MIN).effects,
      ),
    ).toEqual(["entered", "schedule_dwell"]);
    expect(s.cooldowns.size).toBe(0);
  });

  it("dwell: by timer, or caught up by a later fix in a history batch, once per stay", () => {
    const s = emptyGeoState();
    applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0 + 60 * MIN);
    // A history fix 11 minutes later proves the 10-minute dwell; then the exit.
    const later = applyFix(
      index,
      s,
      { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 + 11 * MIN },
      rules,
      T0 + 60 * MIN,
    );
    expect(kinds(later.effects)).toEqual(["dwelled", "cancel_dwell"]);
    expect(later.effects[0]).toMatchObject({ at: T0 + 10 * MIN });
    expect(
      kinds(
        applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 + 12 * MIN }, rules, T0 + 60 * MIN)
          .effects,
      ),
    ).toEqual([]);
    // Timer path.
    const s2 = emptyGeoState();
    applyFix(index, s2, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0);
    const fence = index.byId("store");
    expect(kinds(applyDwellTimer(fence, s2, { fenceId: "store", enteredAt: T0 }, T0 + 10 * MIN))).toEqual(["dwelled"]);
    expect(applyDwellTimer(fence, s2, { fenceId: "store", enteredAt: T0 }, T0 + 10 * MIN)).toEqual([]);
    // A timer from an earlier stay does nothing.
    expect(applyDwellTimer(fence, s2, { fenceId: "store", enteredAt: T0 - 1 }, T0 + 10 * MIN)).toEqual([]);
  });

  it("a deleted fence ends the stay silently", () => {
    const s = emptyGeoState();
    applyFix(index, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0);
    const after = applyFix(
      new FenceIndex([]),
      s,
      { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 + MIN },
      rules,
      T0 + MIN,
    );
    expect(kinds(after.effects)).toEqual(["dropped", "cancel_dwell"]);
    expect(s.visits.size).toBe(0);
  });

  it("overlapping fences are entered and left independently; polygons too", () => {
    const idx = new FenceIndex([
      compileFence(
        def({
          id: "mall",
          dwellSeconds: null,
          geometry: {
            type: "Polygon",
            coordinates: [
              [
                [LNG - 0.01, LAT - 0.01],
                [LNG + 0.01, LAT - 0.01],
                [LNG + 0.01, LAT + 0.01],
                [LNG - 0.01, LAT + 0.01],
                [LNG - 0.01, LAT - 0.01],
              ],
            ],
          },
        }),
      ),
      compileFence(def()),
    ]);
    const s = emptyGeoState();
    const r = applyFix(idx, s, { lat: LAT, lng: LNG, accuracy: 10, timestamp: T0 }, rules, T0);
    expect(
      r.effects
        .filter((e) => e.type === "entered")
        .map((e) => (e as { fence: { id: string } }).fence.id)
        .sort(),
    ).toEqual(["mall", "store"]);
    const r2 = applyFix(idx, s, { lat: north(500), lng: LNG, accuracy: 10, timestamp: T0 + MIN }, rules, T0 + MIN);
    expect(r2.effects.filter((e) => e.type === "exited").map((e) => (e as { fence: { id: string } }).fence.id)).toEqual(
      ["store"],
    );
    expect([...s.visits.keys()]).toEqual(["mall"]);
  });
});

describe("beacons", () => {
  const region = (over: Partial<BeaconRegion>): BeaconRegion => ({
    id: "bcn_1",
    name: "Store beacons",
    externalId: null,
    tags: [],
    metadata: {},
    dwellSeconds: null,
    cooldownSeconds: 0,
    beacon: { type: "ibeacon", uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: 1, minor: null },
    ...over,
  });
  const matcher = new BeaconMatcher([
    region({}),
    region({
      id: "bcn_2",
      name: "Checkout",
      beacon: { type: "ibeacon", uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: 1, minor: 7 },
    }),
    region({
      id: "bcn_3",
      name: "Eddystone",
      beacon: { type: "eddystone", namespace: "edd1ebeac04e5defa017", instance: null },
    }),
  ]);
  const sighting = (minor: number) => {
    const p = parseSighting({ uuid: "f7826da6-4fa2-4e98-8024-bc5b71e0893e", major: 1, minor });
    if (!p.ok) throw new Error(p.message);
    return p.sighting;
  };

  it("parses and matches iBeacon (wildcards) and Eddystone sightings", () => {
    expect(
      matcher
        .match(sighting(7))
        .map((r) => r.id)
        .sort(),
    ).toEqual(["bcn_1", "bcn_2"]);
    expect(matcher.match(sighting(3)).map((r) => r.id)).toEqual(["bcn_1"]);
    expect(
      matcher.match({ type: "ibeacon", uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: 2, minor: 7 }),
    ).toEqual([]);
    const e = parseSighting({ namespace: "EDD1EBEAC04E5DEFA017", instance: "0BDB87539B67" });
    expect(e.ok && matcher.match(e.sighting).map((r) => r.id)).toEqual(["bcn_3"]);
    expect(parseSighting({ uuid: "nope", major: 1, minor: 1 })).toMatchObject({ ok: false, field: "properties.uuid" });
    expect(parseSighting({ uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: 70000, minor: 1 })).toMatchObject({
      ok: false,
      field: "properties.major",
    });
    expect(parseSighting({ uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: "12", minor: "3" })).toMatchObject({
      ok: true,
    });
  });

  it("a region stays entered while any of its beacons is seen", () => {
    const s = emptyGeoState();
    const presence: BeaconPresence = new Map();
    expect(kinds(applySighting(matcher, s, presence, sighting(3), "enter", T0))).toEqual(["entered"]);
    expect(kinds(applySighting(matcher, s, presence, sighting(7), "enter", T0 + 1000))).toEqual(["entered"]); // Checkout only
    expect(kinds(applySighting(matcher, s, presence, sighting(3), "exit", T0 + 2000))).toEqual([]);
    expect(kinds(applySighting(matcher, s, presence, sighting(7), "exit", T0 + 3000))).toEqual([
      "cancel_dwell",
      "exited",
      "cancel_dwell",
      "exited",
    ]);
    expect(s.visits.size).toBe(0);
  });
});

describe("geo event validation for the ingest edge", () => {
  it("names the bad property of Location Updated and beacon events", async () => {
    const { geoEventProblems } = await import("../../src/domain/geo/geo-input");
    expect(geoEventProblems("Location Updated", { latitude: 91, longitude: 2 }, "batch.3")).toEqual([
      { field: "batch.3.properties.latitude", message: "latitude must be between -90 and 90" },
    ]);
    expect(geoEventProblems("Location Updated", { longitude: 2 }).map((p) => p.field)).toEqual(["properties.latitude"]);
    expect(
      geoEventProblems("Location Updated", { latitude: 1, longitude: 2, accuracy: -3 }).map((p) => p.field),
    ).toEqual(["properties.accuracy"]);
    expect(geoEventProblems("Location Updated", { latitude: 1, longitude: 2, accuracy: 3 })).toEqual([]);
    expect(geoEventProblems("Beacon Entered", { uuid: "x" }).map((p) => p.field)).toEqual(["properties.uuid"]);
    expect(geoEventProblems("Order Completed", { latitude: 1000 })).toEqual([]);
  });
});
