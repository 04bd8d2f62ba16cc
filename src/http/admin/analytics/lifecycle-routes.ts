import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { loadAppConfig } from "../../../stores/config/app-config";
import { readCounts } from "../../../stores/analytics/analytics-store";
import { currentConfigVersion } from "../../../stores/config/config-version";
import { DomainError, notFound } from "../../../kernel/errors";
import { adminRouter, responses } from "../../openapi/openapi";
import { retentionEvents } from "../../../engine/features/analytics/analytics-feature";
import { ANY, FIRST_SEEN, retentionTable, weekOf } from "../../../domain/analytics/retention";
import { ATTRIBUTION_DAYS, flowTable, transitionUplift } from "../../../domain/analytics/lifecycle-flow";
import { CONTROL_ARM } from "../../../domain/campaigns/policy/assignment";
import { dayRange, utcDay, Day } from "./range";

/** Retention cohorts and lifecycle flow, with a campaign's effect on a move. */
export const lifecycleAnalyticsRoutes = adminRouter();

const RetentionView = z
  .object({
    by: z.enum(["day", "week"]),
    start: z.string(),
    return: z.string(),
    from: z.string(),
    to: z.string(),
    cohorts: z.array(
      z.object({
        cohort: z.string().openapi({ description: "the cohort's UTC day, or its ISO week's Monday" }),
        size: z.number().int().openapi({ description: "people whose start fell in it" }),
        retained: z.array(z.number().int()).openapi({
          description: "people who did the return in period 0, 1, … after the cohort's (up to today's period)",
        }),
        rates: z.array(z.number().nullable()).openapi({ description: "retained ÷ size" }),
      }),
    ),
  })
  .openapi("RetentionTable");

lifecycleAnalyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/retention",
    operationId: "getRetention",
    tags: ["analytics"],
    summary:
      "Retention cohorts: people by the UTC day or ISO week they were first seen (or first did an event), and how many did any event (or a chosen one) in each period after",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        by: z.enum(["day", "week"]).default("week"),
        from: Day.optional().openapi({
          description: "first cohort day (a week cohort is named by its Monday); default: 8 weeks ago",
        }),
        to: Day.optional().openapi({ description: "last cohort day (default: today)" }),
        start: z.string().min(1).max(200).default("firstSeen").openapi({
          description:
            "`firstSeen`, or an event of the app's retention events (the purchase event and `settings.retentionEvents`)",
        }),
        return: z
          .string()
          .min(1)
          .max(200)
          .default("any")
          .openapi({ description: "`any`, or one of the retention events" }),
        periods: z.coerce
          .number()
          .int()
          .min(1)
          .max(400)
          .default(12)
          .openapi({ description: "columns: periods 0 … periods − 1" }),
      }),
    },
    responses: responses(RetentionView, "The cohort × period table"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const q = c.req.valid("query");
    const now = c.get("now");
    const config = await loadAppConfig(c.env.DB, appId, await currentConfigVersion(c.env.DB, appId));
    const tracked = retentionEvents(config.settings);
    if (q.start !== FIRST_SEEN && !tracked.includes(q.start))
      throw new DomainError(
        400,
        "invalid_input",
        `start: must be firstSeen or one of ${tracked.join(", ")} (settings.retentionEvents)`,
        [{ field: "start", message: `must be firstSeen or one of ${tracked.join(", ")}` }],
      );
    if (q.return !== ANY && !tracked.includes(q.return))
      throw new DomainError(
        400,
        "invalid_input",
        `return: must be any or one of ${tracked.join(", ")} (settings.retentionEvents)`,
        [{ field: "return", message: `must be any or one of ${tracked.join(", ")}` }],
      );
    const range = dayRange(q, now, 56, 800);
    const from = q.by === "week" ? weekOf(range.from) : range.from;
    const cohorts = await readCounts(c.env.DB, appId, q.by === "day" ? "cohort_day" : "cohort_week", {
      subject: q.start,
      from,
      to: range.to,
    });
    const retained = await readCounts(c.env.DB, appId, q.by === "day" ? "ret_day" : "ret_week", {
      subject: `${q.start}|${q.return}`,
      from,
      to: range.to,
    });
    return c.json(
      {
        by: q.by,
        start: q.start,
        return: q.return,
        from,
        to: range.to,
        cohorts: retentionTable(q.by, cohorts, retained, utcDay(now), q.periods),
      },
      200,
    );
  },
);

// ───────────── lifecycle flow ─────────────

const FlowView = z
  .object({
    by: z.enum(["day", "week"]),
    from: z.string(),
    to: z.string(),
    periods: z.array(
      z.object({
        period: z.string(),
        moves: z.array(
          z.object({
            from: z.string().openapi({ description: "`*` for became loyal" }),
            to: z.string(),
            n: z.number().int(),
          }),
        ),
      }),
    ),
    totals: z.array(z.object({ from: z.string(), to: z.string(), n: z.number().int() })),
  })
  .openapi("LifecycleFlow");

lifecycleAnalyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/lifecycle",
    operationId: "getLifecycleFlow",
    tags: ["analytics"],
    summary:
      "Lifecycle flow: moves between new / active / dormant / churned (and became loyal) per UTC day or ISO week, as the objects made them",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        by: z.enum(["day", "week"]).default("day"),
        from: Day.optional().openapi({ description: "default: 30 days ago" }),
        to: Day.optional(),
      }),
    },
    responses: responses(FlowView, "The transition matrix over time"),
  }),
  async (c) => {
    const q = c.req.valid("query");
    const range = dayRange(q, c.get("now"), 30, 800);
    const from = q.by === "week" ? weekOf(range.from) : range.from;
    const rows = await readCounts(c.env.DB, c.get("app").appId, "lifecycle", { subject: "", from, to: range.to });
    return c.json(
      {
        by: q.by,
        from,
        to: range.to,
        periods: flowTable(q.by, rows),
        totals: flowTable(
          "day",
          rows.map((r) => ({ ...r, day: from })),
        ).flatMap((p) => p.moves),
      },
      200,
    );
  },
);

const IntervalView = z.object({ low: z.number(), high: z.number() });
const CampaignFlowView = z
  .object({
    campaignId: z.string(),
    move: z.string(),
    attributionDays: z.number().int(),
    treatment: z.object({
      entered: z.number().int(),
      moved: z.number().int(),
      rate: z.number().nullable(),
      ci: IntervalView.nullable(),
    }),
    control: z.object({
      entered: z.number().int(),
      moved: z.number().int(),
      rate: z.number().nullable(),
      ci: IntervalView.nullable(),
    }),
    difference: z.number().nullable().openapi({ description: "treatment rate − control rate" }),
    relative: z.number().nullable(),
    ci: IntervalView.nullable().openapi({
      description: "Newcombe hybrid score interval of the difference (src/domain/campaigns/uplift.ts)",
    }),
    significant: z.boolean(),
    confidence: z.number(),
  })
  .openapi("CampaignLifecycleEffect");

lifecycleAnalyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/lifecycle/campaigns/{campaignId}",
    operationId: "getCampaignLifecycleEffect",
    tags: ["analytics"],
    summary:
      "A campaign's difference on one lifecycle move (e.g. dormant>active after a win-back): share of entrants making it within 30 days of entry, treatment vs control, with a confidence interval",
    security: [{ admin: [] }],
    request: {
      params: z.object({
        campaignId: z
          .string()
          .min(1)
          .max(64)
          .openapi({ param: { name: "campaignId", in: "path" } }),
      }),
      query: z.object({
        move: z
          .string()
          .regex(
            /^(new|active|dormant|churned|\*)>(new|active|dormant|churned|loyal)$/,
            "expected from>to, e.g. dormant>active (or *>loyal)",
          )
          .default("dormant>active"),
        confidence: z.coerce.number().gt(0).lt(1).default(0.95),
      }),
    },
    responses: responses(CampaignFlowView, "The difference"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { campaignId } = c.req.valid("param");
    const q = c.req.valid("query");
    const exists = await c.env.DB.prepare(`SELECT 1 AS x FROM campaigns WHERE app_id = ? AND id = ?`)
      .bind(appId, campaignId)
      .first();
    if (!exists) throw notFound("campaign", campaignId);
    const entered = await c.env.DB.prepare(
      `SELECT variant = ?3 AS control, count(DISTINCT user_id) AS n FROM campaign_stats WHERE app_id = ?1 AND campaign_id = ?2 AND kind = 'entered' GROUP BY 1`,
    )
      .bind(appId, campaignId, CONTROL_ARM)
      .all<{ control: number; n: number }>();
    const moved = await c.env.DB.prepare(
      `SELECT dim, SUM(n) AS n FROM analytics_counts WHERE app_id = ? AND kind = 'lc_campaign' AND subject = ? AND value = ? GROUP BY dim`,
    )
      .bind(appId, campaignId, q.move)
      .all<{ dim: string; n: number }>();
    const e = {
      treatment: entered.results.find((r) => !r.control)?.n ?? 0,
      control: entered.results.find((r) => r.control)?.n ?? 0,
    };
    const m = {
      treatment: moved.results.find((r) => r.dim === "treatment")?.n ?? 0,
      control: moved.results.find((r) => r.dim === "control")?.n ?? 0,
    };
    const u = transitionUplift(e, m, q.confidence);
    return c.json(
      {
        campaignId,
        move: q.move,
        attributionDays: ATTRIBUTION_DAYS,
        treatment: { entered: e.treatment, moved: m.treatment, rate: u.treatmentRate, ci: u.treatmentCi },
        control: { entered: e.control, moved: m.control, rate: u.controlRate, ci: u.controlCi },
        difference: u.absoluteUplift,
        relative: u.relativeUplift,
        ci: u.ci,
        significant: u.significant,
        confidence: u.confidence,
      },
      200,
    );
  },
);

// ───────────── KPIs over time ─────────────
