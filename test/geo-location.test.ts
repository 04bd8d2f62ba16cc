import { describe, expect, it } from "vitest";
import { admin, call, createTestApp, sdk, type TestApp } from "./helpers/api";

const LAT = 48.8566,
  LNG = 2.3522;
const M_PER_DEG = 111_195;
const north = (m: number) => LAT + m / M_PER_DEG;
const T0 = Date.parse("2026-11-24T09:00:00Z");
const MIN = 60_000;

type LocationResult = {
  success: boolean;
  applied: number;
  ignored: Array<{ index: number; reason: string }>;
  entered: string[];
  exited: string[];
  dwelled: string[];
  inside: string[];
};
type Problem = { field: string; message: string };

async function setup(extra: Record<string, unknown> = {}): Promise<{ app: TestApp; store: string }> {
  const app = await createTestApp();
  const res = await admin(app, "/admin/geofences", {
    method: "POST",
    json: {
      name: "Store",
      geometry: { type: "Point", coordinates: [LNG, LAT] },
      radius: 100,
      tags: ["store"],
      dwellSeconds: 600,
      cooldownSeconds: 300,
      ...extra,
    },
  });
  expect(res.status).toBe(200);
  return { app, store: ((await res.json()) as { id: string }).id };
}

async function locate(
  app: TestApp,
  userId: string,
  at: number,
  fixes: Array<{ lat: number; lng?: number; accuracy?: number; timestamp?: number }>,
): Promise<LocationResult> {
  const res = await sdk(
    app,
    "/v1/location",
    { userId, fixes: fixes.map((f) => ({ lng: LNG, accuracy: 10, timestamp: at, ...f })) },
    { clock: at },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as LocationResult;
}

async function timeline(
  app: TestApp,
  userId: string,
): Promise<Array<{ kind: string; detail: Record<string, unknown> }>> {
  const res = await admin(app, `/admin/users/${userId}/timeline?limit=200`);
  return ((await res.json()) as { entries: Array<{ kind: string; detail: Record<string, unknown> }> }).entries
    .filter((e) => e.kind === "geofence")
    .reverse();
}

async function geoState(app: TestApp, userId: string) {
  const res = await admin(app, `/admin/users/${userId}`);
  return (
    (await res.json()) as {
      features: {
        geofences: {
          inside: Array<{ id: string; counted: boolean; dwelled: boolean }>;
          lastFix: { lat: number } | null;
          counters: Record<string, number>;
        };
      };
    }
  ).features.geofences;
}

describe("location → geofence transitions through the API", () => {
  it("enters, holds within the exit buffer, and exits beyond it", async () => {
    const { app, store } = await setup();
    expect(await locate(app, "u1", T0, [{ lat: north(0) }])).toMatchObject({
      applied: 1,
      entered: [store],
      inside: [store],
    });
    // 15 m outside the 100 m circle: inside the 20 m buffer, still inside.
    expect(await locate(app, "u1", T0 + MIN, [{ lat: north(115) }])).toMatchObject({
      applied: 1,
      entered: [],
      exited: [],
      inside: [store],
    });
    expect(await locate(app, "u1", T0 + 2 * MIN, [{ lat: north(300) }])).toMatchObject({ exited: [store], inside: [] });
    const t = await timeline(app, "u1");
    expect(t.map((e) => Object.keys(e.detail)[0])).toEqual(["entered", "exited"]);
    expect(t[1]!.detail).toMatchObject({
      exited: store,
      name: "Store",
      durationSeconds: 120,
      outsideByM: 200,
      bufferM: 20,
    });
    const state = await geoState(app, "u1");
    expect(state.inside).toEqual([]);
    expect(state.lastFix?.lat).toBeCloseTo(north(300), 6);
  });

  it("GPS jitter at the edge does not flap", async () => {
    const { app, store } = await setup();
    const fixes = Array.from({ length: 30 }, (_, i) => ({
      lat: north(i % 2 === 0 ? 92 : 112),
      accuracy: 12,
      timestamp: T0 + i * 10_000,
    }));
    const r = await locate(app, "jitter", T0 + 300_000, fixes);
    expect(r).toMatchObject({ applied: 30, entered: [store], exited: [], inside: [store] });
    // A poor fix further out is still not an exit: the buffer grows with the accuracy.
    expect(await locate(app, "jitter", T0 + 301_000, [{ lat: north(170), accuracy: 90 }])).toMatchObject({
      exited: [],
      inside: [store],
    });
    expect((await timeline(app, "jitter")).length).toBe(1);
  });

  it("dwell fires by the object's timer, once, and not after leaving", async () => {
    const { app, store } = await setup();
    await locate(app, "d1", T0, [{ lat: north(0) }]);
    // (tick also runs the object's other timers — index debounce, lifecycle — so count dwell entries, not fired timers.)
    const tick = (user: string, at: number) =>
      admin(app, `/admin/users/${user}/tick`, { method: "POST", clock: at }).then((r) => expect(r.status).toBe(200));
    const kinds = async (user: string) => (await timeline(app, user)).map((e) => Object.keys(e.detail)[0]);
    await tick("d1", T0 + 5 * MIN);
    expect(await kinds("d1")).toEqual(["entered"]);
    await tick("d1", T0 + 10 * MIN);
    expect(await kinds("d1")).toEqual(["entered", "dwelled"]);
    await tick("d1", T0 + 20 * MIN);
    expect(await kinds("d1")).toEqual(["entered", "dwelled"]);
    expect((await geoState(app, "d1")).inside).toEqual([expect.objectContaining({ id: store, dwelled: true })]);
    const profile = (await (await admin(app, "/admin/users/d1")).json()) as { timers: Array<{ kind: string }> };
    expect(profile.timers.filter((t) => t.kind === "geofence-dwell")).toEqual([]);
    // Left before the threshold: the dwell timer is cancelled.
    await locate(app, "d2", T0, [{ lat: north(0) }]);
    await locate(app, "d2", T0 + 3 * MIN, [{ lat: north(400) }]);
    await tick("d2", T0 + 30 * MIN);
    expect(await kinds("d2")).toEqual(["entered", "exited"]);
  });

  it("a re-entry within the cooldown does not count; after it, it does", async () => {
    const { app, store } = await setup();
    await locate(app, "c1", T0, [{ lat: north(0) }]);
    await locate(app, "c1", T0 + MIN, [{ lat: north(500) }]);
    expect(await locate(app, "c1", T0 + 2 * MIN, [{ lat: north(0) }])).toMatchObject({ entered: [], inside: [] });
    await locate(app, "c1", T0 + 3 * MIN, [{ lat: north(500) }]);
    expect(await locate(app, "c1", T0 + 7 * MIN, [{ lat: north(0) }])).toMatchObject({
      entered: [store],
      inside: [store],
    });
    const kinds = (await timeline(app, "c1")).map((e) => Object.keys(e.detail)[0]);
    expect(kinds).toEqual(["entered", "exited", "suppressed", "entered"]);
  });

  it("ignores inaccurate, out-of-order and stale fixes; replays a batch in timestamp order", async () => {
    const { app, store } = await setup();
    expect(await locate(app, "o1", T0, [{ lat: north(0), accuracy: 500 }])).toMatchObject({
      applied: 0,
      ignored: [{ index: 0, reason: "accuracy" }],
      inside: [],
    });
    // History sent newest first: applied oldest first (enter, then exit).
    const r = await locate(app, "o1", T0 + 10 * MIN, [
      { lat: north(600), timestamp: T0 + 5 * MIN },
      { lat: north(0), timestamp: T0 + 2 * MIN },
      { lat: north(0), timestamp: T0 - 30 * 3600_000 },
    ]);
    expect(r).toMatchObject({
      applied: 2,
      entered: [store],
      exited: [store],
      inside: [],
      ignored: [{ index: 2, reason: "stale" }],
    });
    expect(await locate(app, "o1", T0 + 11 * MIN, [{ lat: north(0), timestamp: T0 + 4 * MIN }])).toMatchObject({
      applied: 0,
      ignored: [{ index: 0, reason: "out_of_order" }],
      inside: [],
    });
    expect((await geoState(app, "o1")).counters).toMatchObject({
      ignored_accuracy: 1,
      ignored_stale: 1,
      ignored_out_of_order: 1,
      applied: 2,
    });
  });

  it("honours the app's accuracy limit", async () => {
    const { app, store } = await setup();
    expect(
      (await admin(app, "/admin/app/settings", { method: "PATCH", json: { geofenceMaxAccuracyM: 50 } })).status,
    ).toBe(200);
    // A fresh write-key lookup sees the new config version (a fresh app in the edge cache).
    expect(await locate(app, "acc", T0, [{ lat: north(0), accuracy: 80 }])).toMatchObject({
      applied: 0,
      ignored: [{ index: 0, reason: "accuracy" }],
    });
    expect(await locate(app, "acc", T0 + MIN, [{ lat: north(0), accuracy: 40 }])).toMatchObject({ entered: [store] });
  });

  it("accepts the Segment-style `Location Updated` track event", async () => {
    const { app, store } = await setup();
    const res = await sdk(
      app,
      "/v1/track",
      {
        userId: "t1",
        event: "Location Updated",
        messageId: "loc-1",
        timestamp: new Date(T0).toISOString(),
        properties: { latitude: LAT, longitude: LNG, accuracy: 12 },
      },
      { clock: T0 },
    );
    expect(res.status).toBe(200);
    expect((await geoState(app, "t1")).inside).toEqual([expect.objectContaining({ id: store, counted: true })]);
    // Bad coordinates in a track event are a 400 naming the field, and change nothing.
    const bad = await sdk(
      app,
      "/v1/track",
      { userId: "t1", event: "Location Updated", messageId: "loc-2", properties: { latitude: 123, longitude: LNG } },
      { clock: T0 + MIN },
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      rejected: [{ problems: [expect.objectContaining({ field: "properties.latitude" })] }],
    });
    expect((await geoState(app, "t1")).inside).toEqual([expect.objectContaining({ id: store })]);
    expect((await geoState(app, "t1")).inside).toHaveLength(1);
  });

  it("maps beacon sightings to beacon regions (wildcards, several beacons, cooldown)", async () => {
    const { app } = await setup();
    const region = (await (
      await admin(app, "/admin/beacons", {
        method: "POST",
        json: {
          type: "ibeacon",
          name: "Store 12",
          uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E",
          major: 12,
          cooldownSeconds: 0,
        },
      })
    ).json()) as { id: string };
    const sight = (event: string, minor: number, at: number, id: string) =>
      sdk(
        app,
        "/v1/batch",
        {
          batch: [
            {
              type: "track",
              userId: "b1",
              event,
              messageId: id,
              properties: { uuid: "f7826da6-4fa2-4e98-8024-bc5b71e0893e", major: 12, minor },
            },
          ],
        },
        { clock: at },
      );
    await sight("Beacon Entered", 1, T0, "s1");
    await sight("Beacon Entered", 2, T0 + 1000, "s2");
    expect((await geoState(app, "b1")).inside).toEqual([expect.objectContaining({ id: region.id, counted: true })]);
    await sight("Beacon Exited", 1, T0 + 2000, "s3");
    expect((await geoState(app, "b1")).inside).toHaveLength(1);
    await sight("Beacon Exited", 2, T0 + 3000, "s4");
    expect((await geoState(app, "b1")).inside).toEqual([]);
    expect((await timeline(app, "b1")).map((e) => Object.keys(e.detail)[0])).toEqual(["entered", "exited"]);
    // A beacon of another major does not match.
    await sdk(
      app,
      "/v1/track",
      {
        userId: "b2",
        event: "Beacon Entered",
        messageId: "x1",
        properties: { uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: 13, minor: 1 },
      },
      { clock: T0 },
    );
    expect((await geoState(app, "b2")).inside).toEqual([]);
  });

  it("rejects bad location input with the field at fault, applying nothing", async () => {
    const { app } = await setup();
    const post = (json: unknown) => sdk(app, "/v1/location", json, { clock: T0 });
    const cases: Array<[unknown, string]> = [
      [{ userId: "x", lat: 91, lng: 2, accuracy: 10 }, "lat"],
      [{ userId: "x", lat: 48, lng: -181, accuracy: 10 }, "lng"],
      [{ userId: "x", lat: 48, lng: 2 }, "accuracy"],
      [{ userId: "x", lat: 48, lng: 2, accuracy: -1 }, "accuracy"],
      [{ lat: 48, lng: 2, accuracy: 10 }, "userId"],
      [
        {
          userId: "x",
          fixes: [
            { lat: 48, lng: 2, accuracy: 10 },
            { lat: 48, lng: 2, accuracy: "good" },
          ],
        },
        "fixes.1.accuracy",
      ],
      [{ userId: "x", fixes: [{ lat: 48, lng: 2, accuracy: 10, timestamp: "yesterday-ish" }] }, "fixes.0.timestamp"],
      [{ userId: "x", fixes: [{ lat: 48, lng: 2, accuracy: 10, timestamp: T0 + 3600_000 }] }, "fixes.0.timestamp"],
      [{ userId: "x", fixes: [] }, "fixes"],
      [{ userId: "x", lat: 48, lng: 2, accuracy: 10, altitude: 30 }, "(body)"],
    ];
    for (const [json, field] of cases) {
      const res = await post(json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      const body = (await res.json()) as { error: { problems: Problem[] } };
      expect(
        body.error.problems.map((p) => p.field),
        JSON.stringify(json),
      ).toContain(field);
    }
    expect((await admin(app, "/admin/users/x")).status).toBe(404);
    expect(
      (await call("/v1/location", { method: "POST", json: { userId: "x", lat: 48, lng: 2, accuracy: 10 } })).status,
    ).toBe(401);
  });

  it("lists the nearest fences for OS region monitoring", async () => {
    const app = await createTestApp();
    const features = Array.from({ length: 60 }, (_, i) => ({
      type: "Feature",
      id: `s${i}`,
      geometry: { type: "Point", coordinates: [LNG + (i + 1) * 0.01, LAT] },
      properties: { name: `S${i}`, radius: 100 },
    }));
    features.push({
      type: "Feature",
      id: "zone",
      geometry: {
        type: "Polygon",
        coordinates: [
          [
            [LNG - 0.01, LAT - 0.01],
            [LNG + 0.001, LAT - 0.01],
            [LNG + 0.001, LAT + 0.01],
            [LNG - 0.01, LAT + 0.01],
            [LNG - 0.01, LAT - 0.01],
          ],
        ],
      } as never,
      properties: { name: "Zone" } as never,
    });
    expect(
      (await admin(app, "/admin/geofences/import", { method: "POST", json: { type: "FeatureCollection", features } }))
        .status,
    ).toBe(200);
    const res = await call(`/v1/geofences/nearby?lat=${LAT}&lng=${LNG}&limit=5`, {
      headers: { authorization: `Basic ${btoa(`${app.writeKey}:`)}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      geofences: Array<{ externalId: string; distance: number; radius: number; kind: string }>;
      refreshDistance: number;
    };
    expect(body.geofences.map((g) => g.externalId)).toEqual(["zone", "s0", "s1", "s2", "s3"]);
    expect(body.geofences[0]).toMatchObject({ kind: "polygon", distance: 0 });
    expect(body.geofences[1]!.distance).toBeCloseTo(0.01 * M_PER_DEG * Math.cos((LAT * Math.PI) / 180) - 100, -1);
    expect(body.refreshDistance).toBeGreaterThan(1000);
    const bad = await call(`/v1/geofences/nearby?lat=95&lng=${LNG}`, {
      headers: { authorization: `Basic ${btoa(`${app.writeKey}:`)}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { problems: Problem[] } }).error.problems[0]!.field).toBe("lat");
  });
});
