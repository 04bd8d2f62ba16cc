import { indexShards } from "../../stores/d1/index-shards";
import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { loadAppConfig } from "../../stores/config/app-config";
import { database } from "../../stores/d1/client";
import { apps } from "../../stores/d1/schema";
import { eq } from "drizzle-orm";
import { SegmentDefinition } from "../../domain/segments/segment-filter";
import { segmentCount } from "../../stores/segments/segment-reports";
import {
  countSegments,
  deleteSegment,
  getSegment,
  insertSegment,
  listSegments,
  MAX_SEGMENTS_PER_APP,
  type SavedSegment,
  updateSegment,
} from "../../stores/segments/segment-store";
import { bumpConfigVersion } from "../../stores/config/config-version";
import { invalid, notFound } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";

/**
 * Saved segments: create, list, read, edit, delete and count. The reports under
 * `/admin/segments/…` are in segment-report-routes.ts, mounted first.
 */
export const segmentRoutes = adminRouter();

const Loose = z.record(z.string(), z.unknown());
const SegmentView = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    filter: Loose,
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Segment");
const SegmentBody = z
  .object({ name: z.string(), description: z.string().optional(), filter: Loose })
  .loose()
  .openapi("SegmentDefinition", {
    description:
      'A saved segment; `filter` is the segment language (docs/segments.md "The segment language"), validated on save.',
  });
const SegmentIdParam = z.object({
  segmentId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "segmentId", in: "path" }, example: "seg_3f9a…" }),
});

function view(s: SavedSegment) {
  return {
    ...s,
    filter: s.filter as unknown as Record<string, unknown>,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}

/** Parses a body with the segment language; errors name the field (`filter.filters.1.within`). */
function definitionOf(body: unknown) {
  const parsed = SegmentDefinition.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

/** A segment change must reach every UserObject: bump the config version and warm this isolate. */
async function publish(d1: D1Database, appId: string): Promise<void> {
  await bumpConfigVersion(d1, appId);
  const [row] = await database(d1).select({ v: apps.configVersion }).from(apps).where(eq(apps.id, appId));
  if (row) await loadAppConfig(d1, appId, row.v);
}

// ───────────── models, grid, history (static paths first) ─────────────

segmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["segments"],
    summary: "Saved segments",
    security: [{ admin: [] }],
    responses: responses(z.object({ segments: z.array(SegmentView) }), "Segments"),
  }),
  async (c) => c.json({ segments: (await listSegments(c.env.DB, c.get("app").appId)).map(view) }, 200),
);

segmentRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["segments"],
    summary: "Save a segment; users enter and leave it live from their next event or timer",
    security: [{ admin: [] }],
    request: jsonBody(SegmentBody),
    responses: responses(SegmentView, "The saved segment"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const def = definitionOf(c.req.valid("json"));
    if ((await countSegments(c.env.DB, appId)) >= MAX_SEGMENTS_PER_APP)
      throw new DomainError(409, "limit_reached", `at most ${MAX_SEGMENTS_PER_APP} segments per app`);
    const saved = await insertSegment(c.env.DB, appId, def, c.get("now"));
    await publish(c.env.DB, appId);
    return c.json(view(saved), 200);
  },
);

segmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{segmentId}",
    tags: ["segments"],
    summary: "One saved segment",
    security: [{ admin: [] }],
    request: { params: SegmentIdParam },
    responses: responses(SegmentView, "The segment"),
  }),
  async (c) => {
    const s = await getSegment(c.env.DB, c.get("app").appId, c.req.valid("param").segmentId);
    if (!s) throw notFound("segment", c.req.valid("param").segmentId);
    return c.json(view(s), 200);
  },
);

segmentRoutes.openapi(
  createRoute({
    method: "put",
    path: "/{segmentId}",
    tags: ["segments"],
    summary: "Replace a segment's definition (version + 1)",
    security: [{ admin: [] }],
    request: { params: SegmentIdParam, ...jsonBody(SegmentBody) },
    responses: responses(SegmentView, "The updated segment"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { segmentId } = c.req.valid("param");
    const def = definitionOf(c.req.valid("json"));
    const saved = await updateSegment(c.env.DB, appId, segmentId, def, c.get("now"));
    if (!saved) throw notFound("segment", segmentId);
    await publish(c.env.DB, appId);
    return c.json(view(saved), 200);
  },
);

segmentRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{segmentId}",
    tags: ["segments"],
    summary: "Delete a segment",
    security: [{ admin: [] }],
    request: { params: SegmentIdParam },
    responses: responses(z.object({ deleted: z.boolean() }), "Deleted"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { segmentId } = c.req.valid("param");
    if (!(await deleteSegment(c.env.DB, appId, segmentId))) throw notFound("segment", segmentId);
    await publish(c.env.DB, appId);
    return c.json({ deleted: true }, 200);
  },
);

const CountView = z
  .object({
    segmentId: z.string(),
    count: z
      .number()
      .openapi({ description: "best estimate: exact when `exact`, else the live membership clamped into the bounds" }),
    exact: z.boolean(),
    bounds: z.object({ min: z.number(), max: z.number() }),
    live: z.number().openapi({
      description: "users whose object reports membership (each re-evaluates on events, window timers and daily)",
    }),
    total: z.number(),
    estimated: z.array(z.string()).openapi({ description: "conditions the users index cannot answer exactly" }),
  })
  .openapi("SegmentCount");

segmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{segmentId}/count",
    tags: ["segments"],
    summary: "Estimated audience size over the users index (for broadcasts)",
    security: [{ admin: [] }],
    request: { params: SegmentIdParam },
    responses: responses(CountView, "The count"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { segmentId } = c.req.valid("param");
    const segment = await getSegment(c.env.DB, appId, segmentId);
    if (!segment) throw notFound("segment", segmentId);
    const { row, estimated } = await segmentCount(indexShards(c.env), appId, segment, c.get("now"));
    const min = row?.min ?? 0;
    const max = row?.max ?? 0;
    const live = row?.live ?? 0;
    const exact = estimated.length === 0;
    return c.json(
      {
        segmentId,
        count: exact ? min : Math.min(max, Math.max(min, live)),
        exact,
        bounds: { min, max },
        live,
        total: row?.total ?? 0,
        estimated,
      },
      200,
    );
  },
);
