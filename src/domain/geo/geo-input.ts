import * as z from "zod";
import type { JsonObject } from "../../kernel/json";
import { INSTANCE_RE, NAMESPACE_RE, parseSighting, UUID_RE } from "./beacons";
import { MAX_RADIUS_M, MIN_RADIUS_M } from "./fence";
import { validatePolygonCoordinates } from "./polygon-validation";

/**
 * What the admin and SDK APIs accept for geofences, beacon regions and location
 * fixes. Every problem names its field (zod path), so the HTTP layer answers
 * 400 with e.g. `geometry.coordinates.0.3.1: latitude must be between -90 and 90`.
 */

export const MAX_METADATA_BYTES = 4096;
export const DEFAULT_COOLDOWN_SECONDS = 300;

const Longitude = z
  .number()
  .min(-180, "longitude must be between -180 and 180")
  .max(180, "longitude must be between -180 and 180");
const Latitude = z
  .number()
  .min(-90, "latitude must be between -90 and 90")
  .max(90, "latitude must be between -90 and 90");

export const PointGeometry = z
  .object({ type: z.literal("Point"), coordinates: z.tuple([Longitude, Latitude]).rest(z.number()) })
  .strict();
export const PolygonGeometry = z
  .object({ type: z.literal("Polygon"), coordinates: z.array(z.array(z.array(z.number()))) })
  .strict()
  .superRefine((g, ctx) => {
    for (const p of validatePolygonCoordinates(g.coordinates, ["coordinates"]))
      ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  });
export const Geometry = z.discriminatedUnion("type", [PointGeometry, PolygonGeometry], {
  error: "geometry must be a GeoJSON Point (with radius) or Polygon",
});

const Tags = z.array(z.string().min(1).max(64)).max(50);
// Values arrive as parsed JSON, so they are JSON; z.json() is recursive, which the OpenAPI generator cannot walk.
const Metadata = z
  .record(z.string(), z.unknown())
  .transform((m) => m as JsonObject)
  .refine(
    (m) => JSON.stringify(m).length <= MAX_METADATA_BYTES,
    `metadata must serialise to at most ${MAX_METADATA_BYTES} bytes`,
  );
const DwellSeconds = z
  .number()
  .int()
  .min(1)
  .max(7 * 86400)
  .nullable();
const CooldownSeconds = z
  .number()
  .int()
  .min(0)
  .max(30 * 86400);
const Radius = z
  .number()
  .min(MIN_RADIUS_M, `radius must be at least ${MIN_RADIUS_M} m`)
  .max(MAX_RADIUS_M, `radius must be at most ${MAX_RADIUS_M} m`);

/** Fields shared by geofences and beacon regions. */
const PlaceFields = {
  name: z.string().trim().min(1).max(200),
  tags: Tags.default([]),
  metadata: Metadata.default({}),
  /** Seconds inside before the Dwelled event; null/absent: no dwell event. */
  dwellSeconds: DwellSeconds.default(null),
  /** A re-entry this soon after an exit does not count (default 300). */
  cooldownSeconds: CooldownSeconds.default(DEFAULT_COOLDOWN_SECONDS),
  enabled: z.boolean().default(true),
};

function radiusMatchesGeometry(
  f: { geometry: { type: string }; radius?: number | null | undefined },
  ctx: z.RefinementCtx,
) {
  if (f.geometry.type === "Point" && (f.radius === undefined || f.radius === null))
    ctx.addIssue({ code: "custom", path: ["radius"], message: "required for a circle (Point geometry), in metres" });
  if (f.geometry.type === "Polygon" && f.radius !== undefined && f.radius !== null)
    ctx.addIssue({ code: "custom", path: ["radius"], message: "only circles (Point geometry) have a radius" });
}

export const FenceInput = z
  .object({
    ...PlaceFields,
    externalId: z.string().min(1).max(256).nullable().default(null),
    geometry: Geometry,
    radius: Radius.nullable().optional(),
  })
  .strict()
  .superRefine(radiusMatchesGeometry);
export type FenceInput = z.infer<typeof FenceInput>;

/** PATCH: any subset; the merged result is validated again as a whole. */
export const FencePatch = z
  .object({
    name: PlaceFields.name,
    tags: Tags,
    metadata: Metadata,
    dwellSeconds: DwellSeconds,
    cooldownSeconds: CooldownSeconds,
    enabled: z.boolean(),
    externalId: z.string().min(1).max(256).nullable(),
    geometry: Geometry,
    radius: Radius.nullable(),
  })
  .partial()
  .strict();

// ───────────────────────── bulk import (GeoJSON FeatureCollection) ─────────────────────────

export const MAX_IMPORT_FEATURES = 10_000;
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;

const KNOWN_PROPERTIES = new Set(["name", "radius", "tags", "metadata", "dwellSeconds", "cooldownSeconds", "enabled"]);

const ImportFeature = z
  .object({
    type: z.literal("Feature"),
    id: z.union([z.string().min(1).max(256), z.number()]).optional(),
    geometry: Geometry,
    properties: z
      .object({
        name: PlaceFields.name.optional(),
        radius: Radius.optional(),
        tags: Tags.optional(),
        metadata: Metadata.optional(),
        dwellSeconds: DwellSeconds.optional(),
        cooldownSeconds: CooldownSeconds.optional(),
        enabled: z.boolean().optional(),
      })
      .loose()
      .nullable()
      .default({}),
    bbox: z.array(z.number()).optional(),
  })
  .loose()
  .superRefine((f, ctx) => {
    const p = f.properties ?? {};
    if (f.geometry.type === "Point" && p.radius === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["properties", "radius"],
        message: "required for a circle (Point geometry), in metres",
      });
    if (f.geometry.type === "Polygon" && p.radius !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["properties", "radius"],
        message: "only circles (Point geometry) have a radius",
      });
    if (!p.name && f.id === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["properties", "name"],
        message: "required (or a Feature id to name the fence after)",
      });
  });

export const FeatureCollectionImport = z
  .object({
    type: z.literal("FeatureCollection"),
    features: z
      .array(z.unknown())
      .min(1)
      .max(MAX_IMPORT_FEATURES, `at most ${MAX_IMPORT_FEATURES} features per import`),
    /** Defaults applied to every feature that does not set its own. */
    defaults: z
      .object({ tags: Tags, dwellSeconds: DwellSeconds, cooldownSeconds: CooldownSeconds, enabled: z.boolean() })
      .partial()
      .strict()
      .optional(),
  })
  .loose();

/**
 * Turns one GeoJSON Feature into a fence input. Unknown properties (address,
 * store number…) are kept in `metadata`. Field paths in problems are relative to the feature.
 */
export function featureToFence(
  raw: unknown,
  defaults: Partial<Pick<FenceInput, "tags" | "dwellSeconds" | "cooldownSeconds" | "enabled">> = {},
): { ok: true; fence: FenceInput } | { ok: false; error: z.ZodError } {
  const parsed = ImportFeature.safeParse(raw);
  if (!parsed.success) return { ok: false, error: parsed.error };
  const f = parsed.data;
  const p = (f.properties ?? {}) as Record<string, unknown> & z.infer<typeof ImportFeature>["properties"] & object;
  const extra: JsonObject = {};
  for (const [k, v] of Object.entries(p))
    if (!KNOWN_PROPERTIES.has(k) && v !== undefined) extra[k] = v as JsonObject[string];
  const metadata = { ...extra, ...(p.metadata ?? {}) } as JsonObject;
  if (JSON.stringify(metadata).length > MAX_METADATA_BYTES) {
    return {
      ok: false,
      error: new z.ZodError([
        {
          code: "custom",
          path: ["properties"],
          message: `properties beyond the known ones are kept as metadata, which must serialise to at most ${MAX_METADATA_BYTES} bytes`,
          input: p,
        },
      ]),
    };
  }
  return {
    ok: true,
    fence: {
      name: p.name ?? String(f.id),
      externalId: f.id === undefined ? null : String(f.id),
      geometry: f.geometry,
      radius: f.geometry.type === "Point" ? (p.radius ?? null) : null,
      tags: p.tags ?? defaults.tags ?? [],
      metadata,
      dwellSeconds: p.dwellSeconds !== undefined ? p.dwellSeconds : (defaults.dwellSeconds ?? null),
      cooldownSeconds: p.cooldownSeconds ?? defaults.cooldownSeconds ?? DEFAULT_COOLDOWN_SECONDS,
      enabled: p.enabled ?? defaults.enabled ?? true,
    },
  };
}

// ───────────────────────── beacon regions ─────────────────────────

const Uint16 = z.number().int().min(0).max(65535);

export const BeaconInput = z.discriminatedUnion(
  "type",
  [
    z
      .object({
        type: z.literal("ibeacon"),
        ...PlaceFields,
        uuid: z
          .string()
          .regex(UUID_RE, "expected a proximity UUID such as F7826DA6-4FA2-4E98-8024-BC5B71E0893E")
          .transform((s) => s.toUpperCase()),
        /** Absent/null: any major (wildcard). */
        major: Uint16.nullable().default(null),
        /** Absent/null: any minor. A minor needs a major (as in CLBeaconRegion). */
        minor: Uint16.nullable().default(null),
      })
      .strict()
      .refine((b) => b.minor === null || b.major !== null, {
        message: "a minor needs a major (as in CLBeaconRegion)",
        path: ["minor"],
      }),
    z
      .object({
        type: z.literal("eddystone"),
        ...PlaceFields,
        namespace: z
          .string()
          .regex(NAMESPACE_RE, "expected a 10-byte namespace (20 hex digits)")
          .transform((s) => s.toLowerCase()),
        /** Absent/null: any instance in the namespace. */
        instance: z
          .string()
          .regex(INSTANCE_RE, "expected a 6-byte instance (12 hex digits)")
          .transform((s) => s.toLowerCase())
          .nullable()
          .default(null),
      })
      .strict(),
  ],
  { error: "type must be ibeacon or eddystone" },
);
export type BeaconInput = z.infer<typeof BeaconInput>;

// ───────────────────────── location fixes ─────────────────────────

/** How far in the future a fix timestamp may lie (device clock skew) before it is refused. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
export const MAX_FIXES_PER_REQUEST = 500;

const Timestamp = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const t = typeof v === "number" ? v : Date.parse(v);
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: "custom", message: "expected an ISO-8601 date or epoch milliseconds" });
    return z.NEVER;
  }
  return t;
});

export const FixInput = z
  .object({
    lat: Latitude,
    lng: Longitude,
    /** Horizontal accuracy in metres (radius of 68 % confidence), as iOS and Android report it. */
    accuracy: z
      .number()
      .min(0, "accuracy must be a non-negative number of metres (negative means the OS has no fix)")
      .max(100_000),
    timestamp: Timestamp.optional(),
  })
  .strict();

/**
 * Properties of a `Location Updated` track event. Accuracy may be missing
 * (treated as the app's accuracy limit); the field names match iOS/Android SDKs.
 * Exported so the ingest edge can reject bad coordinates with a 400 too.
 */
export const LocationUpdatedProperties = z
  .object({
    latitude: Latitude,
    longitude: Longitude,
    accuracy: z.number().min(0, "accuracy must be a non-negative number of metres").optional(),
    horizontalAccuracy: z.number().min(0, "accuracy must be a non-negative number of metres").optional(),
  })
  .loose();

/**
 * Field problems of the geo events an SDK sends through `track` (`Location Updated`,
 * `Beacon Entered`, `Beacon Exited`); empty for other events. For the ingest edge,
 * so a bad coordinate is a 400 naming `properties.latitude` like on `POST /v1/location`.
 */
export function geoEventProblems(
  event: string,
  properties: Record<string, unknown> | null | undefined,
  prefix = "",
): Array<{ field: string; message: string }> {
  const at = (path: string) => [prefix, path].filter((s) => s !== "").join(".");
  if (event === "Location Updated") {
    const r = LocationUpdatedProperties.safeParse(properties ?? {});
    return r.success
      ? []
      : r.error.issues.map((i) => ({ field: at(["properties", ...i.path.map(String)].join(".")), message: i.message }));
  }
  if (event === "Beacon Entered" || event === "Beacon Exited") {
    const r = parseSighting((properties ?? {}) as JsonObject);
    return r.ok ? [] : [{ field: at(r.field), message: r.message }];
  }
  return [];
}
