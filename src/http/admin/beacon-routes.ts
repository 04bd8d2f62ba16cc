import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import { database } from "../../stores/d1/client";
import { beaconRegions } from "../../stores/d1/schema";
import { BeaconInput } from "../../domain/geo/geo-input";
import { beaconRow, beaconView, hasTag, newBeaconId } from "../../stores/geofences/geofence-store";
import { bumpConfigVersion } from "../../stores/config/config-version";
import { notFound } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";
import { GeoIdParam, GeoListQuery } from "./geo-params";
import { BeaconRegion } from "../openapi/admin-views";

/** Beacon regions (iBeacon, Eddystone): list, create, read, delete. */
export const beaconRoutes = adminRouter();

const BeaconViewSchema = BeaconRegion;

beaconRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["geofences"],
    summary:
      "Create a beacon region: iBeacon {uuid, major?, minor?} or Eddystone-UID {namespace, instance?}; a missing identifier matches any",
    security: [{ admin: [] }],
    request: jsonBody(BeaconInput),
    responses: responses(BeaconViewSchema, "The beacon region"),
  }),
  async (c) => {
    const input = c.req.valid("json");
    const appId = c.get("app").appId;
    const row = beaconRow(appId, newBeaconId(), input, c.get("now"));
    await database(c.env.DB).insert(beaconRegions).values(row);
    await bumpConfigVersion(c.env.DB, appId);
    return c.json(beaconView(row) as never, 200);
  },
);

beaconRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["geofences"],
    summary: "List beacon regions",
    security: [{ admin: [] }],
    request: { query: GeoListQuery },
    responses: responses(
      z.object({ beacons: z.array(BeaconViewSchema), next: z.string().nullable() }),
      "A page of beacon regions",
    ),
  }),
  async (c) => {
    const q = c.req.valid("query");
    const filters: SQL[] = [eq(beaconRegions.appId, c.get("app").appId)];
    if (q.tag) filters.push(hasTag(beaconRegions.tags, q.tag));
    if (q.enabled) filters.push(eq(beaconRegions.enabled, q.enabled === "true"));
    if (q.after) filters.push(gt(beaconRegions.id, q.after));
    const rows = await database(c.env.DB)
      .select()
      .from(beaconRegions)
      .where(and(...filters))
      .orderBy(asc(beaconRegions.id))
      .limit(q.limit);
    return c.json(
      { beacons: rows.map(beaconView), next: rows.length === q.limit ? rows[rows.length - 1]!.id : null } as never,
      200,
    );
  },
);

beaconRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    tags: ["geofences"],
    summary: "One beacon region",
    security: [{ admin: [] }],
    request: { params: GeoIdParam },
    responses: responses(BeaconViewSchema, "The beacon region"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const [row] = await database(c.env.DB)
      .select()
      .from(beaconRegions)
      .where(and(eq(beaconRegions.appId, c.get("app").appId), eq(beaconRegions.id, id)));
    if (!row) throw notFound("beacon region", id);
    return c.json(beaconView(row) as never, 200);
  },
);

beaconRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    tags: ["geofences"],
    summary: "Delete a beacon region",
    security: [{ admin: [] }],
    request: { params: GeoIdParam },
    responses: responses(z.object({ deleted: z.boolean() }), "Deleted"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const appId = c.get("app").appId;
    const rows = await database(c.env.DB)
      .delete(beaconRegions)
      .where(and(eq(beaconRegions.appId, appId), eq(beaconRegions.id, id)))
      .returning({ id: beaconRegions.id });
    if (rows.length === 0) throw notFound("beacon region", id);
    await bumpConfigVersion(c.env.DB, appId);
    return c.json({ deleted: true }, 200);
  },
);
