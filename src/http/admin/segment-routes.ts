import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { DAY } from "../../kernel/clock";
import { Activity, LifecycleHistory, RecomputeResult, RfmGrid, SegmentModel } from "../openapi/admin-views";
import { loadAppConfig } from "../../stores/config/app-config";
import { database } from "../../stores/d1/client";
import { apps } from "../../stores/d1/schema";
import { eq } from "drizzle-orm";
import { CHURN_BANDS } from "../../domain/segments/bgnbd";
import { loadModel } from "../../stores/segments/model-store";
import { dayOf, recomputeApp } from "../../jobs/nightly-job";
import { RFM_GRID, RFM_SEGMENTS } from "../../domain/segments/rfm";
import { PURCHASERS, rfmSql } from "../../domain/segments/rfm-sql";
import { SegmentDefinition } from "../../domain/segments/segment-filter";
import { compileSegmentSql, memberSql, quote } from "../../domain/segments/segment-sql";
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
import { ATTR } from "../../domain/segments/index-attrs";
import { bumpConfigVersion } from "../../stores/config/config-version";
import { adminAuth } from "../middleware/auth";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";

/**
 * Segmentation admin API: saved segments (CRUD, count estimates), the RFM grid
 * and transitions, lifecycle history, DAU/WAU/MAU, and the on-demand run of the
 * nightly models. Static paths are registered before `/{segmentId}`.
 */
export const segmentRoutes = adminRouter();
segmentRoutes.use("/admin/segments", adminAuth);
segmentRoutes.use("/admin/segments/*", adminAuth);

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
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

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
    method: "post",
    path: "/admin/segments/recompute",
    tags: ["segments"],
    summary:
      "Run the nightly segmentation job for this app now (RFM cut points, BG/NBD fit, transitions, daily snapshot), at the request's clock",
    security: [{ admin: [] }],
    responses: responses(RecomputeResult, "The new model and the day's snapshot"),
  }),
  async (c) => {
    const result = await recomputeApp(c.env, c.get("app").appId, c.get("now"));
    return c.json(result as never, 200);
  },
);

segmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/segments/model",
    tags: ["segments"],
    summary: "The app's current RFM cut points and BG/NBD parameters",
    security: [{ admin: [] }],
    responses: responses(SegmentModel, "The model"),
  }),
  async (c) => c.json((await loadModel(c.env.DB, c.get("app").appId)) as never, 200),
);

const RfmQuery = z.object({
  from: Day.optional().openapi({ description: "first day of the transitions period (default: 30 days ago)" }),
  to: Day.optional().openapi({ description: "last day of the transitions period (default: today)" }),
});

segmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/segments/rfm",
    tags: ["segments"],
    summary:
      "RFM grid (users and average monetary value per R×F cell and per segment), churn bands, and segment transitions over a period",
    security: [{ admin: [] }],
    request: { query: RfmQuery },
    responses: responses(RfmGrid, "The grid"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const now = c.get("now");
    const q = c.req.valid("query");
    const to = q.to ?? dayOf(now);
    const from = q.from ?? dayOf(now - 30 * DAY);
    if (from > to)
      throw new DomainError(400, "invalid_input", "from: must not be after to", [
        { field: "from", message: "must not be after to" },
      ]);
    const d1 = c.env.DB;
    const model = await loadModel(d1, appId);

    const transitions = await d1
      .prepare(
        `SELECT NULLIF(from_segment, '') AS "from", to_segment AS "to", SUM(users) AS users FROM rfm_transitions WHERE app_id = ?1 AND day >= ?2 AND day <= ?3 GROUP BY 1, 2 ORDER BY 3 DESC`,
      )
      .bind(appId, from, to)
      .all<{ from: string | null; to: string; users: number }>();
    const churn = await d1
      .prepare(
        `SELECT json_extract(attrs, '$.${ATTR.churnBand}') AS band, count(*) AS users, AVG(json_extract(attrs, '$.${ATTR.pAlive}')) AS avgPAlive, AVG(json_extract(attrs, '$.${ATTR.expectedPurchases30}')) AS avgExpected30
         FROM users WHERE app_id = ?1 AND json_extract(attrs, '$.${ATTR.churnBand}') IS NOT NULL GROUP BY 1`,
      )
      .bind(appId)
      .all<{ band: string; users: number; avgPAlive: number; avgExpected30: number }>();
    const churnBands = Object.fromEntries(
      CHURN_BANDS.map((band) => {
        const row = churn.results.find((r) => r.band === band);
        return [
          band,
          {
            users: row?.users ?? 0,
            avgPAlive: row ? round(row.avgPAlive) : null,
            avgExpectedPurchases30: row ? round(row.avgExpected30) : null,
          },
        ];
      }),
    );
    const transitionList = transitions.results.map((t) => ({
      from: t.from === "" ? null : t.from,
      to: t.to,
      users: t.users,
    }));

    if (!model.cutPoints) {
      return c.json(
        {
          model: null,
          message: "no RFM model yet: it is computed nightly, or by POST /admin/segments/recompute",
          purchasers: 0,
          cells: [],
          segments: {},
          churnBands,
          transitions: { from, to, moves: transitionList },
        } as never,
        200,
      );
    }
    const rfm = rfmSql(model.cutPoints, now);
    const rows = await d1
      .prepare(
        `SELECT ${rfm.r} AS r, ${rfm.f} AS f, count(*) AS users, SUM(revenue) AS revenue, AVG(${rfm.m}) AS avgM FROM users WHERE app_id = ${quote(appId)} AND ${PURCHASERS} GROUP BY 1, 2`,
      )
      .all<{ r: number; f: number; users: number; revenue: number; avgM: number }>();
    const cells: Array<{
      r: number;
      f: number;
      segment: string;
      users: number;
      revenue: number;
      avgMonetary: number | null;
      avgM: number | null;
    }> = [];
    const segments: Record<string, { users: number; revenue: number; avgMonetary: number | null }> = Object.fromEntries(
      RFM_SEGMENTS.map((s) => [s, { users: 0, revenue: 0, avgMonetary: null }]),
    );
    let purchasers = 0;
    for (let r = 5; r >= 1; r--) {
      for (let f = 1; f <= 5; f++) {
        const row = rows.results.find((x) => x.r === r && x.f === f);
        const segment = RFM_GRID[r - 1]![f - 1]!;
        const users = row?.users ?? 0;
        const revenue = round(row?.revenue ?? 0, 2);
        cells.push({
          r,
          f,
          segment,
          users,
          revenue,
          avgMonetary: users ? round(revenue / users, 2) : null,
          avgM: row ? round(row.avgM, 2) : null,
        });
        const s = segments[segment]!;
        s.users += users;
        s.revenue = round(s.revenue + revenue, 2);
        purchasers += users;
      }
    }
    for (const s of Object.values(segments)) s.avgMonetary = s.users ? round(s.revenue / s.users, 2) : null;
    return c.json(
      {
        asOf: new Date(now).toISOString(),
        model: {
          version: model.version,
          computedAt: new Date(model.computedAt).toISOString(),
          cutPoints: model.cutPoints,
        },
        purchasers,
        cells,
        segments,
        churnBands,
        transitions: { from, to, moves: transitionList },
      } as never,
      200,
    );
  },
);

const HistoryQuery = z.object({ from: Day.optional(), to: Day.optional() });
async function snapshots(
  d1: D1Database,
  appId: string,
  now: number,
  q: { from?: string | undefined; to?: string | undefined },
) {
  const to = q.to ?? dayOf(now);
  const from = q.from ?? dayOf(now - 90 * DAY);
  if (from > to)
    throw new DomainError(400, "invalid_input", "from: must not be after to", [
      { field: "from", message: "must not be after to" },
    ]);
  const rows = await d1
    .prepare(
      `SELECT day, taken_at, total, lifecycle, loyal, dau, wau, mau, rfm, churn FROM daily_snapshots WHERE app_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day`,
    )
    .bind(appId, from, to)
    .all<{
      day: string;
      taken_at: number;
      total: number;
      lifecycle: string;
      loyal: number;
      dau: number;
      wau: number;
      mau: number;
      rfm: string;
      churn: string;
    }>();
  return { from, to, rows: rows.results };
}

segmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/segments/lifecycle/history",
    tags: ["segments"],
    summary: "Daily snapshots of the lifecycle distribution (and loyal, RFM and churn-band counts), oldest first",
    security: [{ admin: [] }],
    request: { query: HistoryQuery },
    responses: responses(LifecycleHistory, "One entry per day with a snapshot"),
  }),
  async (c) => {
    const s = await snapshots(c.env.DB, c.get("app").appId, c.get("now"), c.req.valid("query"));
    return c.json(
      {
        from: s.from,
        to: s.to,
        days: s.rows.map((r) => ({
          day: r.day,
          takenAt: new Date(r.taken_at).toISOString(),
          total: r.total,
          states: JSON.parse(r.lifecycle),
          loyal: r.loyal,
          rfm: JSON.parse(r.rfm),
          churnBands: JSON.parse(r.churn),
        })),
      } as never,
      200,
    );
  },
);

segmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/segments/activity",
    tags: ["segments"],
    summary:
      "DAU / WAU / MAU now (users seen in the last 1 / 7 / 30 days, from the users index) and per daily snapshot",
    security: [{ admin: [] }],
    request: { query: HistoryQuery },
    responses: responses(Activity, "Active users"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const now = c.get("now");
    const live = await c.env.DB.prepare(
      `SELECT SUM(last_seen >= ?2) AS dau, SUM(last_seen >= ?3) AS wau, SUM(last_seen >= ?4) AS mau, count(*) AS total FROM users WHERE app_id = ?1`,
    )
      .bind(appId, now - DAY, now - 7 * DAY, now - 30 * DAY)
      .first<{ dau: number | null; wau: number | null; mau: number | null; total: number }>();
    const dau = live?.dau ?? 0;
    const mau = live?.mau ?? 0;
    const s = await snapshots(c.env.DB, appId, now, c.req.valid("query"));
    return c.json(
      {
        asOf: new Date(now).toISOString(),
        dau,
        wau: live?.wau ?? 0,
        mau,
        total: live?.total ?? 0,
        stickiness: mau ? round(dau / mau, 4) : null,
        history: s.rows.map((r) => ({
          day: r.day,
          dau: r.dau,
          wau: r.wau,
          mau: r.mau,
          stickiness: r.mau ? round(r.dau / r.mau, 4) : null,
        })),
      } as never,
      200,
    );
  },
);

// ───────────── saved segments ─────────────

segmentRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/segments",
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
    path: "/admin/segments",
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
    path: "/admin/segments/{segmentId}",
    tags: ["segments"],
    summary: "One saved segment",
    security: [{ admin: [] }],
    request: { params: SegmentIdParam },
    responses: responses(SegmentView, "The segment"),
  }),
  async (c) => {
    const s = await getSegment(c.env.DB, c.get("app").appId, c.req.valid("param").segmentId);
    if (!s) throw new DomainError(404, "not_found", `no segment ${c.req.valid("param").segmentId}`);
    return c.json(view(s), 200);
  },
);

segmentRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/segments/{segmentId}",
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
    if (!saved) throw new DomainError(404, "not_found", `no segment ${segmentId}`);
    await publish(c.env.DB, appId);
    return c.json(view(saved), 200);
  },
);

segmentRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/admin/segments/{segmentId}",
    tags: ["segments"],
    summary: "Delete a segment",
    security: [{ admin: [] }],
    request: { params: SegmentIdParam },
    responses: responses(z.object({ deleted: z.boolean() }), "Deleted"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { segmentId } = c.req.valid("param");
    if (!(await deleteSegment(c.env.DB, appId, segmentId)))
      throw new DomainError(404, "not_found", `no segment ${segmentId}`);
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
    path: "/admin/segments/{segmentId}/count",
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
    if (!segment) throw new DomainError(404, "not_found", `no segment ${segmentId}`);
    const compiled = compileSegmentSql(segment.filter, c.get("now"));
    const row = await c.env.DB.prepare(
      `SELECT count(*) AS total, COALESCE(SUM(CASE WHEN ${compiled.definite} THEN 1 ELSE 0 END), 0) AS min, COALESCE(SUM(CASE WHEN ${compiled.possible} THEN 1 ELSE 0 END), 0) AS max,
              COALESCE(SUM(CASE WHEN ${memberSql(segment.id)} THEN 1 ELSE 0 END), 0) AS live
       FROM users WHERE app_id = ?1`,
    )
      .bind(appId)
      .first<{ total: number; min: number; max: number; live: number }>();
    const min = row?.min ?? 0;
    const max = row?.max ?? 0;
    const live = row?.live ?? 0;
    const exact = compiled.estimated.length === 0;
    return c.json(
      {
        segmentId,
        count: exact ? min : Math.min(max, Math.max(min, live)),
        exact,
        bounds: { min, max },
        live,
        total: row?.total ?? 0,
        estimated: compiled.estimated,
      },
      200,
    );
  },
);

const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;
