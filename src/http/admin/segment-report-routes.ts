import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { DAY } from "../../kernel/clock";
import { Activity, LifecycleHistory, RecomputeResult, RfmGrid, SegmentModel } from "../openapi/admin-views";
import { CHURN_BANDS } from "../../domain/segments/bgnbd";
import { loadModel } from "../../stores/segments/model-store";
import { dayOf, recomputeApp } from "../../jobs/nightly-job";
import { RFM_GRID, RFM_SEGMENTS } from "../../domain/segments/rfm";
import { indexShards } from "../../stores/d1/index-shards";
import {
  activeNow,
  churnBandRows,
  dailySnapshots,
  rfmCells,
  rfmTransitions,
} from "../../stores/segments/segment-reports";
import { eq, sql } from "drizzle-orm";
import { database } from "../../stores/d1/client";
import { users } from "../../stores/d1/schema";
import { mergeGroups } from "../../stores/d1/shard-merge";
import { LIFECYCLE_STATES } from "../../domain/lifecycle/lifecycle";
import { DomainError } from "../../kernel/errors";
import { adminRouter, responses } from "../openapi/openapi";

/**
 * Segmentation reports: the nightly models (and running them now), the RFM grid and its
 * transitions, people per lifecycle state and its history, and DAU/WAU/MAU. Mounted before `segmentRoutes`, whose
 * `/{segmentId}` would otherwise take these static paths.
 */
export const segmentReportRoutes = adminRouter();

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;

segmentReportRoutes.openapi(
  createRoute({
    method: "post",
    path: "/recompute",
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

segmentReportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/model",
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

segmentReportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/rfm",
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

    const shards = indexShards(c.env);
    const transitions = await rfmTransitions(shards, appId, from, to);
    const churn = await churnBandRows(shards, appId);
    const churnBands = Object.fromEntries(
      CHURN_BANDS.map((band) => {
        const row = churn.find((r) => r.band === band);
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
    const transitionList = transitions.map((t) => ({
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
    const rows = await rfmCells(shards, appId, model.cutPoints, now);
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
        const row = rows.find((x) => x.r === r && x.f === f);
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
  return { from, to, rows: await dailySnapshots(d1, appId, from, to) };
}

segmentReportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/lifecycle",
    tags: ["segments"],
    summary: "Users per lifecycle state, and loyal users, from the users index",
    security: [{ admin: [] }],
    responses: responses(
      z.object({ total: z.number(), states: z.record(z.string(), z.number()), loyal: z.number() }),
      "Counts",
    ),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const parts = await indexShards(c.env).across((db) =>
      database(db)
        .select({ lifecycle: users.lifecycle, n: sql<number>`count(*)`, loyal: sql<number>`sum(${users.loyal})` })
        .from(users)
        .where(eq(users.appId, appId))
        .groupBy(users.lifecycle),
    );
    const rows = mergeGroups(parts, { keys: ["lifecycle"], sums: ["n", "loyal"] });
    const states: Record<string, number> = Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0]));
    let total = 0;
    let loyal = 0;
    for (const r of rows) {
      states[r.lifecycle] = r.n;
      total += r.n;
      loyal += r.loyal ?? 0;
    }
    return c.json({ total, states, loyal }, 200);
  },
);

segmentReportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/lifecycle/history",
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

segmentReportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/activity",
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
    const live = await activeNow(indexShards(c.env), appId, now);
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
