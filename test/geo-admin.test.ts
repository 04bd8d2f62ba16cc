import { describe, expect, it } from "vitest";
import { admin, call, createTestApp } from "./helpers/api";

const square = (lng: number, lat: number, d = 0.001) => [
  [
    [lng, lat],
    [lng + d, lat],
    [lng + d, lat + d],
    [lng, lat + d],
    [lng, lat],
  ],
];
type Problem = { field: string; message: string };
type FenceRow = {
  id: string;
  externalId: string;
  name: string;
  radius: number | null;
  metadata: Record<string, unknown>;
  tags: string[];
  cooldownSeconds: number;
  dwellSeconds: number | null;
};
/** Every fence of the app, following the `next` cursor. */
async function allFences(app: Parameters<typeof admin>[0]): Promise<{ total: number; geofences: FenceRow[] }> {
  const out: FenceRow[] = [];
  let after = "";
  let total = 0;
  for (;;) {
    const page = (await (await admin(app, `/admin/geofences?limit=1000${after ? `&after=${after}` : ""}`)).json()) as {
      total: number;
      geofences: FenceRow[];
      next: string | null;
    };
    out.push(...page.geofences);
    total = page.total;
    if (!page.next) return { total, geofences: out };
    after = page.next;
  }
}
const problems = async (res: Response) => ((await res.json()) as { error: { problems: Problem[] } }).error.problems;

describe("geofence admin API", () => {
  it("creates, reads, lists, patches and deletes fences; each change bumps the config version", async () => {
    const app = await createTestApp();
    const version = async () =>
      ((await (await admin(app, "/admin/app")).json()) as { configVersion: number }).configVersion;
    const v0 = await version();
    const res = await admin(app, "/admin/geofences", {
      method: "POST",
      json: {
        name: "Store 12",
        geometry: { type: "Point", coordinates: [2.3522, 48.8566] },
        radius: 150,
        tags: ["store"],
        metadata: { storeId: 12 },
        dwellSeconds: 600,
      },
    });
    expect(res.status).toBe(200);
    const fence = (await res.json()) as {
      id: string;
      kind: string;
      cooldownSeconds: number;
      enabled: boolean;
      radius: number;
    };
    expect(fence).toMatchObject({ kind: "circle", radius: 150, cooldownSeconds: 300, enabled: true });
    expect(fence.id).toMatch(/^geo_/);
    expect(await version()).toBe(v0 + 1);

    const poly = await admin(app, "/admin/geofences", {
      method: "POST",
      json: { name: "Mall", geometry: { type: "Polygon", coordinates: square(2.35, 48.85) }, tags: ["mall"] },
    });
    expect(poly.status).toBe(200);
    const polyId = ((await poly.json()) as { id: string }).id;

    expect(((await (await admin(app, `/admin/geofences/${fence.id}`)).json()) as { name: string }).name).toBe(
      "Store 12",
    );
    const list = (await (await admin(app, "/admin/geofences?tag=store")).json()) as {
      geofences: Array<{ id: string }>;
      total: number;
    };
    expect(list.total).toBe(1);
    expect(list.geofences.map((g) => g.id)).toEqual([fence.id]);
    const page = (await (await admin(app, "/admin/geofences?limit=1")).json()) as {
      geofences: unknown[];
      next: string | null;
      total: number;
    };
    expect(page.geofences).toHaveLength(1);
    expect(page.total).toBe(2);
    expect(page.next).not.toBeNull();

    const patched = await admin(app, `/admin/geofences/${fence.id}`, {
      method: "PATCH",
      json: { radius: 300, enabled: false },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ radius: 300, enabled: false, name: "Store 12", tags: ["store"] });
    // Circle → polygon: the radius goes away.
    const toPolygon = await admin(app, `/admin/geofences/${fence.id}`, {
      method: "PATCH",
      json: { geometry: { type: "Polygon", coordinates: square(2.36, 48.86) } },
    });
    expect(await toPolygon.json()).toMatchObject({ kind: "polygon", radius: null });
    const badPatch = await admin(app, `/admin/geofences/${polyId}`, { method: "PATCH", json: { radius: 100 } });
    expect(badPatch.status).toBe(400);
    expect((await problems(badPatch))[0]!.field).toBe("radius");

    expect((await admin(app, `/admin/geofences/${polyId}`, { method: "DELETE" })).status).toBe(200);
    expect((await admin(app, `/admin/geofences/${polyId}`)).status).toBe(404);
    expect((await admin(app, `/admin/geofences/${polyId}`, { method: "DELETE" })).status).toBe(404);
    // Another app cannot see this app's fences.
    const other = await createTestApp();
    expect((await admin(other, `/admin/geofences/${fence.id}`)).status).toBe(404);
    expect((await call("/admin/geofences")).status).toBe(401);
  });

  it("rejects bad fences with the field at fault", async () => {
    const app = await createTestApp();
    const post = (json: unknown) => admin(app, "/admin/geofences", { method: "POST", json });
    const cases: Array<[unknown, string, RegExp]> = [
      [{ name: "x", geometry: { type: "Point", coordinates: [2, 48] }, radius: 10 }, "radius", /at least 50/],
      [{ name: "x", geometry: { type: "Point", coordinates: [2, 48] }, radius: 60_000 }, "radius", /at most 50000/],
      [{ name: "x", geometry: { type: "Point", coordinates: [2, 48] } }, "radius", /required for a circle/],
      [
        { name: "x", geometry: { type: "Point", coordinates: [2, 95] }, radius: 100 },
        "geometry.coordinates.1",
        /latitude/,
      ],
      [
        {
          name: "x",
          geometry: {
            type: "Polygon",
            coordinates: [
              [
                [0, 0],
                [1, 1],
                [1, 0],
                [0, 1],
                [0, 0],
              ],
            ],
          },
        },
        "geometry.coordinates.0",
        /self-intersects/,
      ],
      [
        {
          name: "x",
          geometry: {
            type: "Polygon",
            coordinates: [
              [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 1],
              ],
            ],
          },
        },
        "geometry.coordinates.0",
        /not closed/,
      ],
      [{ name: "x", geometry: { type: "Polygon", coordinates: square(0, 0) }, radius: 100 }, "radius", /only circles/],
      [
        {
          name: "x",
          geometry: {
            type: "LineString",
            coordinates: [
              [0, 0],
              [1, 1],
            ],
          },
        },
        "geometry.type",
        /./,
      ],
      [{ name: "", geometry: { type: "Point", coordinates: [2, 48] }, radius: 100 }, "name", /./],
      [
        { name: "x", geometry: { type: "Point", coordinates: [2, 48] }, radius: 100, cooldownSeconds: -1 },
        "cooldownSeconds",
        /./,
      ],
      [
        { name: "x", geometry: { type: "Point", coordinates: [2, 48] }, radius: 100, colour: "red" },
        "(body)",
        /colour/,
      ],
    ];
    for (const [json, field, message] of cases) {
      const res = await post(json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      const p = await problems(res);
      expect(
        p.map((x) => x.field),
        JSON.stringify(json),
      ).toContain(field);
      expect(p.find((x) => x.field === field)!.message).toMatch(message);
    }
    expect(((await (await admin(app, "/admin/geofences")).json()) as { total: number }).total).toBe(0);
  });

  it("imports thousands of fences from GeoJSON, upserts by feature id, and is all-or-nothing", async () => {
    const app = await createTestApp();
    const features = Array.from({ length: 2500 }, (_, i) => {
      const lng = 2.2 + (i % 50) * 0.004,
        lat = 48.8 + Math.floor(i / 50) * 0.004;
      return i % 2 === 0
        ? {
            type: "Feature",
            id: `store-${i}`,
            geometry: { type: "Point", coordinates: [lng, lat] },
            properties: { name: `Store ${i}`, radius: 100, address: `${i} rue de Rivoli` },
          }
        : {
            type: "Feature",
            id: `zone-${i}`,
            geometry: { type: "Polygon", coordinates: square(lng, lat, 0.002) },
            properties: { name: `Zone ${i}`, tags: ["zone"], dwellSeconds: 300 },
          };
    });
    const res = await admin(app, "/admin/geofences/import", {
      method: "POST",
      json: { type: "FeatureCollection", features, defaults: { tags: ["imported"], cooldownSeconds: 600 } },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ imported: 2500, created: 2500, updated: 0, deleted: 0 });
    const list = await allFences(app);
    expect(list.total).toBe(2500);
    expect(list.geofences).toHaveLength(2500);
    const store0 = list.geofences.find((g) => g.externalId === "store-0")!;
    expect(store0).toMatchObject({
      metadata: { address: "0 rue de Rivoli" },
      tags: ["imported"],
      cooldownSeconds: 600,
    });
    expect(list.geofences.find((g) => g.externalId === "zone-1")).toMatchObject({ tags: ["zone"], dwellSeconds: 300 });

    // Re-import: the same ids update in place.
    features[0] = {
      ...features[0]!,
      properties: { name: "Store 0 (moved)", radius: 200 },
    } as (typeof features)[number];
    const again = await admin(app, "/admin/geofences/import", {
      method: "POST",
      json: { type: "FeatureCollection", features: features.slice(0, 10) },
    });
    expect(await again.json()).toEqual({ imported: 10, created: 0, updated: 10, deleted: 0 });
    const after = await allFences(app);
    expect(after.total).toBe(2500);
    expect(after.geofences.find((g) => g.externalId === "store-0")).toMatchObject({
      name: "Store 0 (moved)",
      radius: 200,
    });

    // One bad feature rejects the whole import, naming it.
    const bad = [
      {
        type: "Feature",
        id: "new-1",
        geometry: { type: "Point", coordinates: [2.3, 48.8] },
        properties: { name: "ok", radius: 100 },
      },
      {
        type: "Feature",
        id: "new-2",
        geometry: {
          type: "Polygon",
          coordinates: [
            [
              [0, 0],
              [1, 1],
              [1, 0],
              [0, 1],
              [0, 0],
            ],
          ],
        },
        properties: { name: "bow tie" },
      },
      {
        type: "Feature",
        id: "new-3",
        geometry: { type: "Point", coordinates: [2.3, 48.8] },
        properties: { name: "no radius" },
      },
    ];
    const rejected = await admin(app, "/admin/geofences/import", {
      method: "POST",
      json: { type: "FeatureCollection", features: bad },
    });
    expect(rejected.status).toBe(400);
    const fields = (await problems(rejected)).map((p) => p.field);
    expect(fields).toEqual(["features.1.geometry.coordinates.0", "features.2.properties.radius"]);
    expect(((await (await admin(app, "/admin/geofences?limit=1")).json()) as { total: number }).total).toBe(2500);

    // mode=replace mirrors the file: fences it does not name are deleted, in the same batch.
    const mirror = await admin(app, "/admin/geofences/import?mode=replace", {
      method: "POST",
      json: { type: "FeatureCollection", features: features.slice(0, 3) },
    });
    expect(await mirror.json()).toEqual({ imported: 3, created: 0, updated: 3, deleted: 2497 });
    expect((await allFences(app)).geofences.map((g) => g.externalId).sort()).toEqual(["store-0", "store-2", "zone-1"]);
    const noId = await admin(app, "/admin/geofences/import?mode=replace", {
      method: "POST",
      json: {
        type: "FeatureCollection",
        features: [
          {
            type: "Feature",
            geometry: { type: "Point", coordinates: [2, 48] },
            properties: { name: "x", radius: 100 },
          },
        ],
      },
    });
    expect(noId.status).toBe(400);
    expect((await problems(noId))[0]!.field).toBe("features.0.id");

    const notCollection = await admin(app, "/admin/geofences/import", {
      method: "POST",
      json: { type: "Feature", features: [] },
    });
    expect(notCollection.status).toBe(400);
  });

  it("imports the maximum of 10,000 polygons (3 MB) in one request, within D1's limits, and serves them", {
    timeout: 60_000,
  }, async () => {
    const app = await createTestApp();
    const features = Array.from({ length: 10_000 }, (_, i) => {
      const lng = 2.2 + (i % 100) * 0.003,
        lat = 48.8 + Math.floor(i / 100) * 0.003,
        d = 0.001;
      return {
        type: "Feature",
        id: `z${i}`,
        geometry: {
          type: "Polygon",
          coordinates: [
            [
              [lng, lat],
              [lng + d, lat],
              [lng + d, lat + d],
              [lng + d / 2, lat + d * 1.5],
              [lng, lat + d],
              [lng, lat],
            ],
          ],
        },
        properties: { name: `Zone ${i}`, address: `${i} avenue des Champs-Élysées, 75008 Paris` },
      };
    });
    const res = await admin(app, "/admin/geofences/import", {
      method: "POST",
      json: { type: "FeatureCollection", features },
    });
    expect(await res.json()).toEqual({ imported: 10_000, created: 10_000, updated: 0, deleted: 0 });
    // A point inside the last zone (row 99, column 99) finds it among the 10,000.
    const loc = await call("/v1/location", {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${app.writeKey}:`)}` },
      json: { userId: "u", lat: 48.8 + 99 * 0.003 + 0.0005, lng: 2.2 + 99 * 0.003 + 0.0005, accuracy: 5 },
    });
    const body = (await loc.json()) as { entered: string[] };
    expect(body.entered).toHaveLength(1);
    const fence = (await (await admin(app, `/admin/geofences/${body.entered[0]}`)).json()) as { externalId: string };
    expect(fence.externalId).toBe("z9999");
  });

  it("manages beacon regions and validates their identifiers", async () => {
    const app = await createTestApp();
    const post = (json: unknown) => admin(app, "/admin/beacons", { method: "POST", json });
    const ib = await post({
      type: "ibeacon",
      name: "Store 12 entrance",
      uuid: "f7826da6-4fa2-4e98-8024-bc5b71e0893e",
      major: 12,
      tags: ["store"],
    });
    expect(ib.status).toBe(200);
    const ibeacon = (await ib.json()) as { id: string; uuid: string; major: number; minor: number | null };
    expect(ibeacon).toMatchObject({ uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: 12, minor: null });
    expect(ibeacon.id).toMatch(/^bcn_/);
    const ed = await post({ type: "eddystone", name: "Museum", namespace: "EDD1EBEAC04E5DEFA017" });
    expect(await ed.json()).toMatchObject({ namespace: "edd1ebeac04e5defa017", instance: null });

    for (const [json, field] of [
      [{ type: "ibeacon", name: "x", uuid: "not-a-uuid" }, "uuid"],
      [{ type: "ibeacon", name: "x", uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", minor: 3 }, "minor"],
      [{ type: "ibeacon", name: "x", uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: 70000 }, "major"],
      [{ type: "eddystone", name: "x", namespace: "abc" }, "namespace"],
      [{ type: "altbeacon", name: "x" }, "type"],
    ] as const) {
      const res = await post(json);
      expect(res.status).toBe(400);
      expect((await problems(res)).map((p) => p.field)).toContain(field);
    }
    const list = (await (await admin(app, "/admin/beacons")).json()) as { beacons: unknown[] };
    expect(list.beacons).toHaveLength(2);
    expect((await admin(app, `/admin/beacons/${ibeacon.id}`)).status).toBe(200);
    expect((await admin(app, `/admin/beacons/${ibeacon.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await admin(app, `/admin/beacons/${ibeacon.id}`)).status).toBe(404);
  });

  it("documents the routes in the OpenAPI document", async () => {
    const doc = (await (await call("/admin/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths["/admin/geofences"]!)).toEqual(expect.arrayContaining(["get", "post"]));
    expect(Object.keys(doc.paths["/admin/geofences/{id}"]!)).toEqual(
      expect.arrayContaining(["get", "patch", "delete"]),
    );
    expect(doc.paths["/admin/geofences/import"]).toHaveProperty("post");
    expect(Object.keys(doc.paths["/admin/beacons"]!)).toEqual(expect.arrayContaining(["get", "post"]));
  });
});
