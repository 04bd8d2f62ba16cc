import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { and, asc, count, eq, gt, type SQL } from "drizzle-orm";
import { database } from "../../stores/d1/client";
import { geofences } from "../../stores/d1/schema";
import { FeatureCollectionImport, featureToFence, FenceInput, FencePatch } from "../../domain/geo/geo-input";
import {
  countFences,
  fenceRow,
  fenceView,
  hasTag,
  importFences,
  MAX_FENCES_PER_APP,
  newFenceId,
} from "../../stores/geofences/geofence-store";
import { bumpConfigVersion } from "../../stores/config/config-version";
import { invalid, problemsOf, notFound } from "../../kernel/errors";
import { type FieldProblem, DomainError } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";
import { GeoIdParam, GeoListQuery } from "./geo-params";

/**
 * Admin API for geofences and beacon regions. Every change bumps the app's
 * config version, so UserObjects and edges rebuild the spatial index once
 * (within seconds) instead of reading D1 on the location path.
 */
export const geofenceRoutes = adminRouter();
// The import's 16 MB body limit is enforced with every admin body's (adminBodyGuard, src/http/middleware/body.ts).

const Json = z.record(z.string(), z.unknown());
const FenceViewSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    name: z.string(),
    kind: z.enum(["circle", "polygon"]),
    geometry: Json,
    radius: z.number().nullable(),
    tags: z.array(z.string()),
    metadata: Json,
    dwellSeconds: z.number().nullable(),
    cooldownSeconds: z.number(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Geofence");

async function fenceById(d1: D1Database, appId: string, id: string) {
  const [row] = await database(d1)
    .select()
    .from(geofences)
    .where(and(eq(geofences.appId, appId), eq(geofences.id, id)));
  if (!row) throw notFound("geofence", id);
  return row;
}

function isUniqueViolation(err: unknown): boolean {
  return /UNIQUE constraint failed/i.test(String((err as Error)?.message ?? err));
}

const conflict = (externalId: string | null) =>
  new DomainError(409, "conflict", `a geofence with externalId ${externalId} already exists`, [
    { field: "externalId", message: "already used by another geofence of this app" },
  ]);

geofenceRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["geofences"],
    summary: "Create a geofence: a circle (GeoJSON Point + radius in metres, 50 m – 50 km) or a GeoJSON Polygon",
    security: [{ admin: [] }],
    request: jsonBody(FenceInput),
    responses: { ...responses(FenceViewSchema, "The geofence"), 409: { description: "externalId already used" } },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const appId = c.get("app").appId;
    if ((await countFences(c.env.DB, appId)) >= MAX_FENCES_PER_APP)
      throw new DomainError(400, "limit_reached", `an app may hold at most ${MAX_FENCES_PER_APP} geofences`);
    const row = fenceRow(appId, newFenceId(), input, c.get("now"));
    try {
      await database(c.env.DB).insert(geofences).values(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(input.externalId);
      throw err;
    }
    await bumpConfigVersion(c.env.DB, appId);
    return c.json(fenceView(row) as never, 200);
  },
);

geofenceRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["geofences"],
    summary: "List geofences, by id, a page at a time",
    security: [{ admin: [] }],
    request: { query: GeoListQuery },
    responses: responses(
      z.object({ geofences: z.array(FenceViewSchema), total: z.number(), next: z.string().nullable() }),
      "A page of geofences",
    ),
  }),
  async (c) => {
    const q = c.req.valid("query");
    const appId = c.get("app").appId;
    const filters: SQL[] = [eq(geofences.appId, appId)];
    if (q.tag) filters.push(hasTag(geofences.tags, q.tag));
    if (q.enabled) filters.push(eq(geofences.enabled, q.enabled === "true"));
    const db = database(c.env.DB);
    const [rows, [total]] = await Promise.all([
      db
        .select()
        .from(geofences)
        .where(and(...filters, ...(q.after ? [gt(geofences.id, q.after)] : [])))
        .orderBy(asc(geofences.id))
        .limit(q.limit),
      db
        .select({ n: count() })
        .from(geofences)
        .where(and(...filters)),
    ]);
    return c.json(
      {
        geofences: rows.map(fenceView),
        total: total?.n ?? 0,
        next: rows.length === q.limit ? rows[rows.length - 1]!.id : null,
      } as never,
      200,
    );
  },
);

geofenceRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    tags: ["geofences"],
    summary: "One geofence",
    security: [{ admin: [] }],
    request: { params: GeoIdParam },
    responses: responses(FenceViewSchema, "The geofence"),
  }),
  async (c) => c.json(fenceView(await fenceById(c.env.DB, c.get("app").appId, c.req.valid("param").id)) as never, 200),
);

geofenceRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/{id}",
    tags: ["geofences"],
    summary: "Change a geofence (any subset of fields; the result is validated as a whole)",
    security: [{ admin: [] }],
    request: { params: GeoIdParam, ...jsonBody(FencePatch) },
    responses: responses(FenceViewSchema, "The updated geofence"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const patch = c.req.valid("json");
    const appId = c.get("app").appId;
    const current = fenceView(await fenceById(c.env.DB, appId, id));
    // Switching a circle to a polygon drops the radius unless the patch sets one.
    const merged = {
      ...current,
      ...patch,
      ...(patch.geometry?.type === "Polygon" && patch.radius === undefined ? { radius: null } : {}),
    };
    const parsed = FenceInput.safeParse({
      name: merged.name,
      externalId: merged.externalId,
      geometry: merged.geometry,
      radius: merged.radius,
      tags: merged.tags,
      metadata: merged.metadata,
      dwellSeconds: merged.dwellSeconds,
      cooldownSeconds: merged.cooldownSeconds,
      enabled: merged.enabled,
    });
    if (!parsed.success) throw invalid(parsed.error);
    const row = fenceRow(appId, id, parsed.data, c.get("now"));
    const { createdAt: _created, ...changes } = row;
    try {
      await database(c.env.DB)
        .update(geofences)
        .set(changes)
        .where(and(eq(geofences.appId, appId), eq(geofences.id, id)));
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict(parsed.data.externalId);
      throw err;
    }
    await bumpConfigVersion(c.env.DB, appId);
    return c.json(fenceView({ ...row, createdAt: Date.parse(current.createdAt) }) as never, 200);
  },
);

geofenceRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    tags: ["geofences"],
    summary: "Delete a geofence (people inside leave it silently)",
    security: [{ admin: [] }],
    request: { params: GeoIdParam },
    responses: responses(z.object({ deleted: z.boolean() }), "Deleted"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const appId = c.get("app").appId;
    const rows = await database(c.env.DB)
      .delete(geofences)
      .where(and(eq(geofences.appId, appId), eq(geofences.id, id)))
      .returning({ id: geofences.id });
    if (rows.length === 0) throw notFound("geofence", id);
    await bumpConfigVersion(c.env.DB, appId);
    return c.json({ deleted: true }, 200);
  },
);

const MAX_IMPORT_PROBLEMS = 100;

geofenceRoutes.openapi(
  createRoute({
    method: "post",
    path: "/import",
    tags: ["geofences"],
    summary:
      "Bulk import a GeoJSON FeatureCollection (Polygon features, or Point features with properties.radius). Features with an id upsert by it. All or nothing.",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        mode: z
          .enum(["upsert", "replace"])
          .default("upsert")
          .openapi({ description: "replace: also delete the app's fences this import does not name (by feature id)" }),
      }),
      body: {
        required: true,
        content: { "application/json": { schema: FeatureCollectionImport.openapi("GeofenceImport") } },
      },
    },
    responses: responses(
      z.object({ imported: z.number(), created: z.number(), updated: z.number(), deleted: z.number() }),
      "Imported",
    ),
  }),
  async (c) => {
    // The envelope is validated by the route; each feature is validated here so every problem names its feature.
    const parsed = { data: c.req.valid("json") };
    const appId = c.get("app").appId;
    const now = c.get("now");
    const problems: FieldProblem[] = [];
    const rows = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < parsed.data.features.length && problems.length < MAX_IMPORT_PROBLEMS; i++) {
      const result = featureToFence(parsed.data.features[i], parsed.data.defaults ?? {});
      if (!result.ok) {
        problems.push(...problemsOf(result.error, `features.${i}`));
        continue;
      }
      const ext = result.fence.externalId;
      if (ext !== null) {
        if (seen.has(ext))
          problems.push({ field: `features.${i}.id`, message: `duplicate of features.${seen.get(ext)}.id` });
        seen.set(ext, i);
      }
      rows.push(fenceRow(appId, newFenceId(), result.fence, now));
    }
    if (problems.length > 0) {
      throw new DomainError(
        400,
        "invalid_input",
        `import rejected, nothing was imported: ${problems[0]!.field}: ${problems[0]!.message}`,
        problems.slice(0, MAX_IMPORT_PROBLEMS),
      );
    }
    const replace = c.req.valid("query").mode === "replace";
    if (replace) {
      const missing = parsed.data.features.findIndex((f) => (f as { id?: unknown } | null)?.id === undefined);
      if (missing >= 0)
        throw new DomainError(
          400,
          "invalid_input",
          `features.${missing}.id: required with mode=replace (fences are matched by feature id)`,
          [{ field: `features.${missing}.id`, message: "required with mode=replace" }],
        );
    }
    if ((replace ? 0 : await countFences(c.env.DB, appId)) + rows.length > MAX_FENCES_PER_APP) {
      throw new DomainError(400, "limit_reached", `an app may hold at most ${MAX_FENCES_PER_APP} geofences`, [
        { field: "features", message: "too many geofences for this app" },
      ]);
    }
    const result = await importFences(c.env.DB, appId, rows, replace);
    await bumpConfigVersion(c.env.DB, appId);
    return c.json({ imported: rows.length, ...result }, 200);
  },
);

// ───────────────────────── beacon regions ─────────────────────────
