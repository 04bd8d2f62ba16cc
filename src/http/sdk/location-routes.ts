import { Hono } from "hono";
import { sdkRequest } from "./sdk-request";
import * as z from "zod";
import { LocationRequest } from "../openapi/sdk-requests";
import { loadAppConfig } from "../../stores/config/app-config";
import { geoConfig } from "../../stores/geofences/geofence-config";
import { MAX_FUTURE_SKEW_MS } from "../../domain/geo/geo-input";
import type { Fix } from "../../domain/geo/transition";
import { authenticateWriteKey } from "../middleware/auth";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { verifyIdentity } from "../middleware/user-token";
import { personOf } from "../person";

export const locationRoutes = new Hono<HonoEnv>();

locationRoutes.post("/location", async (c) => {
  const r = await sdkRequest(c, LocationRequest, 256 * 1024);
  await verifyIdentity(c, [r.userId], r);
  const now = c.get("now");
  const raw = r.fixes ?? [{ lat: r.lat!, lng: r.lng!, accuracy: r.accuracy!, timestamp: r.timestamp }];
  const fixes: Fix[] = raw.map((f) => ({
    lat: f.lat,
    lng: f.lng,
    accuracy: f.accuracy,
    timestamp: f.timestamp ?? now,
  }));
  const future = fixes.findIndex((f) => f.timestamp > now + MAX_FUTURE_SKEW_MS);
  if (future >= 0) {
    const field = r.fixes ? `fixes.${future}.timestamp` : "timestamp";
    throw new DomainError(
      400,
      "invalid_input",
      `${field}: more than 5 minutes in the future (check the device clock)`,
      [{ field, message: "in the future" }],
    );
  }
  const { stub, call } = personOf(c, { userId: r.userId, anonymousId: r.anonymousId });
  const result = await stub.command({
    ...call,
    feature: "geofences",
    name: "location",
    args: { fixes },
    createIfMissing: true,
  });
  return c.json({ success: true, ...result });
});

const NearbyQuery = z
  .object({
    lat: z.coerce
      .number()
      .min(-90, "latitude must be between -90 and 90")
      .max(90, "latitude must be between -90 and 90"),
    lng: z.coerce
      .number()
      .min(-180, "longitude must be between -180 and 180")
      .max(180, "longitude must be between -180 and 180"),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    writeKey: z.string().optional(),
  })
  .strict();

/**
 * `GET /v1/geofences/nearby?lat=&lng=&limit=20`: the nearest enabled fences
 * (distance to the edge, 0 when inside), each as a circle an OS can monitor
 * (polygons as their bounding circle), plus `refreshDistance`: once the device
 * has moved that far, ask again. Served from the compiled index (no D1 read in
 * the steady state).
 */
locationRoutes.get("/geofences/nearby", async (c) => {
  await authenticateWriteKey(c, undefined);
  const parsed = NearbyQuery.safeParse(c.req.query());
  if (!parsed.success) throw invalid(parsed.error);
  const { lat, lng, limit } = parsed.data;
  const app = c.get("app");
  const geo = geoConfig(await loadAppConfig(c.env.DB, app.appId, app.configVersion));
  const nearest = geo.fences.nearest(lat, lng, limit);
  const geofences = nearest.map(({ fence, distanceM }) => ({
    id: fence.id,
    externalId: fence.externalId,
    name: fence.name,
    kind: fence.shape.type,
    tags: fence.tags,
    latitude: fence.center.lat,
    longitude: fence.center.lng,
    radius: fence.boundingRadiusM,
    distance: Math.round(distanceM),
    dwellSeconds: fence.dwellSeconds,
  }));
  // The set can only change once the device has gone halfway to the farthest returned fence.
  const refreshDistance =
    nearest.length === limit ? Math.max(100, Math.round(nearest[nearest.length - 1]!.distanceM / 2)) : null;
  const beacons = geo.beacons.regions.slice(0, limit).map((b) => ({ id: b.id, name: b.name, ...b.beacon }));
  c.header("cache-control", "private, max-age=60");
  return c.json({ geofences, refreshDistance, beacons });
});
