import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { DAY } from "../../kernel/clock";
import { loadAppConfig } from "../../stores/config/app-config";
import { readCounts } from "../../stores/analytics/analytics-store";
import { BREAKDOWNS, FunnelDefinition, MAX_FUNNEL_STEPS } from "../../domain/analytics/funnel";
import { funnelReport } from "../../domain/analytics/funnel-report";
import {
  countFunnels,
  deleteFunnel,
  getFunnel,
  insertFunnel,
  listFunnels,
  MAX_FUNNELS_PER_APP,
  type SavedFunnel,
  updateFunnel,
} from "../../stores/analytics/funnel-store";
import { bumpConfigVersion, currentConfigVersion } from "../../stores/config/config-version";
import { adminAuth } from "../middleware/auth";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";
import { retentionEvents } from "../../engine/features/analytics/analytics-feature";
import { ANY, FIRST_SEEN, retentionTable, weekOf } from "../../domain/analytics/retention";
import { ATTRIBUTION_DAYS, flowTable, transitionUplift } from "../../domain/analytics/lifecycle-flow";
import { CONTROL_ARM } from "../../domain/campaigns/policy/assignment";
import { gaugeLevels, monthOf } from "../../domain/analytics/kpi";
import { CONSENT_CHANNELS } from "../../domain/delivery/channel";
import { EXPORT_PREFIXES } from "../../domain/analytics/export";

/**
 * Product analytics admin API (docs/analytics.md "Analytics"): funnel definitions and reports, retention
 * cohorts, lifecycle flow. Figures come from the counters each person's object adds to
 * (src/domain/analytics/counters.ts); days are UTC.
 */
export const analyticsRoutes = adminRouter();
analyticsRoutes.use("/admin/funnels", adminAuth);
analyticsRoutes.use("/admin/funnels/*", adminAuth);
analyticsRoutes.use("/admin/analytics/*", adminAuth);

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** from/to defaults (the last `days` days, today included) and checks, errors naming the field. */
export function dayRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: number,
  days: number,
  maxDays = 366,
): { from: string; to: string } {
  const to = q.to ?? utcDay(now);
  const from = q.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY);
  for (const [field, v] of [
    ["from", from],
    ["to", to],
  ] as const)
    if (Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
      throw new DomainError(400, "invalid_input", `${field}: not a date`, [{ field, message: "not a date" }]);
  if (from > to)
    throw new DomainError(400, "invalid_input", "from: must not be after to", [
      { field: "from", message: "must not be after to" },
    ]);
  if ((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY + 1 > maxDays)
    throw new DomainError(400, "invalid_input", `to: at most ${maxDays} days from from`, [
      { field: "to", message: `at most ${maxDays} days from from` },
    ]);
  return { from, to };
}

async function publish(d1: D1Database, appId: string): Promise<void> {
  await bumpConfigVersion(d1, appId);
  await loadAppConfig(d1, appId, await currentConfigVersion(d1, appId));
}

// ───────────── funnels ─────────────

const Loose = z.record(z.string(), z.unknown());
const FunnelStepView = z.object({ event: z.string(), where: z.array(Loose), label: z.string().optional() });
const FunnelView = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    steps: z.array(FunnelStepView),
    windowHours: z.number().int(),
    sameProperty: z.string().nullable(),
    armCampaignId: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    countsFrom: z.string().openapi({
      description: "UTC day counting began: a funnel counts events from its creation on, never earlier ones",
    }),
  })
  .openapi("Funnel");
const FunnelBody = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    steps: z.array(
      z.object({ event: z.string(), where: z.array(Loose).optional(), label: z.string().optional() }).loose(),
    ),
    windowHours: z.number().optional(),
    sameProperty: z.string().optional(),
    armCampaignId: z.string().optional(),
  })
  .loose()
  .openapi("FunnelDefinition", {
    description: `2–${MAX_FUNNEL_STEPS} ordered steps (an event and property filters, as in campaign triggers), a conversion window in hours (1–2160, default 168), an optional property every step must share (e.g. \`cart_id\`), and optionally the campaign whose A/B arm \`breakdown=arm\` splits by. Validated on save.`,
  });
const FunnelIdParam = z.object({
  funnelId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "funnelId", in: "path" }, example: "fun_3f9a…" }),
});

function view(f: SavedFunnel) {
  const d = f.definition;
  return {
    id: f.id,
    name: d.name,
    description: d.description,
    steps: d.steps.map((s) => ({
      event: s.event,
      where: s.where as unknown as Array<Record<string, unknown>>,
      ...(s.label !== undefined ? { label: s.label } : {}),
    })),
    windowHours: d.windowHours,
    sameProperty: d.sameProperty ?? null,
    armCampaignId: d.armCampaignId ?? null,
    version: f.version,
    createdAt: new Date(f.createdAt).toISOString(),
    updatedAt: new Date(f.updatedAt).toISOString(),
    countsFrom: utcDay(f.createdAt),
  };
}

function definitionOf(body: unknown): FunnelDefinition {
  const parsed = FunnelDefinition.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/funnels",
    operationId: "listFunnels",
    tags: ["analytics"],
    summary: "The app's funnels",
    security: [{ admin: [] }],
    responses: responses(z.object({ funnels: z.array(FunnelView) }), "The funnels"),
  }),
  async (c) => c.json({ funnels: (await listFunnels(c.env.DB, c.get("app").appId)).map(view) }, 200),
);

analyticsRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/funnels",
    operationId: "createFunnel",
    tags: ["analytics"],
    summary: "Define a funnel; every person's object counts it from now on",
    security: [{ admin: [] }],
    request: jsonBody(FunnelBody),
    responses: responses(FunnelView, "The new funnel"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const def = definitionOf(c.req.valid("json"));
    if ((await countFunnels(c.env.DB, appId)) >= MAX_FUNNELS_PER_APP)
      throw new DomainError(409, "conflict", `at most ${MAX_FUNNELS_PER_APP} funnels per app`);
    const saved = await insertFunnel(c.env.DB, appId, def, c.get("now"));
    await publish(c.env.DB, appId);
    return c.json(view(saved), 200);
  },
);

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/funnels/{funnelId}",
    operationId: "getFunnel",
    tags: ["analytics"],
    summary: "One funnel",
    security: [{ admin: [] }],
    request: { params: FunnelIdParam },
    responses: responses(FunnelView, "The funnel"),
  }),
  async (c) => {
    const { funnelId } = c.req.valid("param");
    const f = await getFunnel(c.env.DB, c.get("app").appId, funnelId);
    if (!f) throw new DomainError(404, "not_found", `no funnel ${funnelId}`);
    return c.json(view(f), 200);
  },
);

/** What was counted depends on these: changing them would mix two funnels in one report. */
const COUNTED = ["steps", "windowHours", "sameProperty", "armCampaignId"] as const;

analyticsRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/funnels/{funnelId}",
    operationId: "updateFunnel",
    tags: ["analytics"],
    summary:
      "Rename or re-describe a funnel (steps, window, same property and arm campaign are fixed once counting began: define a new funnel)",
    security: [{ admin: [] }],
    request: { params: FunnelIdParam, ...jsonBody(FunnelBody) },
    responses: responses(FunnelView, "The updated funnel"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { funnelId } = c.req.valid("param");
    const def = definitionOf(c.req.valid("json"));
    const current = await getFunnel(c.env.DB, appId, funnelId);
    if (!current) throw new DomainError(404, "not_found", `no funnel ${funnelId}`);
    const changed = COUNTED.filter(
      (k) => JSON.stringify(def[k] ?? null) !== JSON.stringify(current.definition[k] ?? null),
    );
    if (changed.length > 0)
      throw new DomainError(
        400,
        "invalid_input",
        `${changed[0]}: cannot change once the funnel counts; define a new funnel`,
        changed.map((field) => ({ field, message: "cannot change once the funnel counts; define a new funnel" })),
      );
    const saved = await updateFunnel(c.env.DB, appId, funnelId, def, c.get("now"));
    if (!saved) throw new DomainError(404, "not_found", `no funnel ${funnelId}`);
    await publish(c.env.DB, appId);
    return c.json(view(saved), 200);
  },
);

analyticsRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/admin/funnels/{funnelId}",
    operationId: "deleteFunnel",
    tags: ["analytics"],
    summary: "Delete a funnel and its counts",
    security: [{ admin: [] }],
    request: { params: FunnelIdParam },
    responses: responses(z.object({ deleted: z.boolean() }), "Deleted"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { funnelId } = c.req.valid("param");
    if (!(await deleteFunnel(c.env.DB, appId, funnelId)))
      throw new DomainError(404, "not_found", `no funnel ${funnelId}`);
    await publish(c.env.DB, appId);
    return c.json({ deleted: true }, 200);
  },
);

const StepReportView = z
  .object({
    step: z.number().int(),
    event: z.string(),
    label: z.string().nullable(),
    entries: z.number().int().openapi({ description: "entries (begun in the range) that reached this step" }),
    conversion: z.number().nullable().openapi({ description: "entries here / entries at step 1" }),
    fromPrevious: z.number().nullable().openapi({ description: "entries here / entries at the step before" }),
    medianFromPreviousMs: z
      .number()
      .nullable()
      .openapi({ description: "median time from the step before (ms), from log buckets: within ±6 %" }),
  })
  .openapi("FunnelStepReport");
const FunnelReportView = z
  .object({
    funnelId: z.string(),
    from: z.string(),
    to: z.string(),
    countsFrom: z.string(),
    breakdown: z.enum(BREAKDOWNS).nullable(),
    steps: z.array(StepReportView),
    values: z
      .array(z.object({ value: z.string(), steps: z.array(StepReportView) }))
      .optional()
      .openapi({ description: "per breakdown value (its value when the entry began), largest first" }),
  })
  .openapi("FunnelReport");

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/funnels/{funnelId}/report",
    operationId: "getFunnelReport",
    tags: ["analytics"],
    summary:
      "Entries per step, conversion, median time between steps, over entries begun from..to (UTC days), optionally broken down by one dimension",
    security: [{ admin: [] }],
    request: {
      params: FunnelIdParam,
      query: z.object({
        from: Day.optional().openapi({ description: "first UTC day of entry (default: 30 days ago)" }),
        to: Day.optional().openapi({ description: "last UTC day of entry (default: today)" }),
        breakdown: z.enum(BREAKDOWNS).optional().openapi({
          description:
            "os, appVersion (from the profile's last-known context), firstCampaign (first-touch UTM campaign name), lifecycle (state at entry), arm (the funnel's armCampaignId's A/B arm or control)",
        }),
      }),
    },
    responses: responses(FunnelReportView, "The report"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { funnelId } = c.req.valid("param");
    const q = c.req.valid("query");
    const f = await getFunnel(c.env.DB, appId, funnelId);
    if (!f) throw new DomainError(404, "not_found", `no funnel ${funnelId}`);
    if (q.breakdown === "arm" && !f.definition.armCampaignId)
      throw new DomainError(400, "invalid_input", "breakdown: arm needs the funnel's armCampaignId", [
        { field: "breakdown", message: "arm needs the funnel's armCampaignId" },
      ]);
    const { from, to } = dayRange(q, c.get("now"), 30);
    const total = await readCounts(c.env.DB, appId, "funnel", { subject: funnelId, from, to, dim: "" });
    const split = q.breakdown
      ? await readCounts(c.env.DB, appId, "funnel", { subject: funnelId, from, to, dim: q.breakdown })
      : null;
    const report = funnelReport(f.definition.steps, total, split);
    return c.json(
      {
        funnelId,
        from,
        to,
        countsFrom: utcDay(f.createdAt),
        breakdown: q.breakdown ?? null,
        steps: report.steps,
        ...(report.breakdown ? { values: report.breakdown } : {}),
      },
      200,
    );
  },
);

// ───────────── retention cohorts ─────────────

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

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/analytics/retention",
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

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/analytics/lifecycle",
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

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/analytics/lifecycle/campaigns/{campaignId}",
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
    if (!exists) throw new DomainError(404, "not_found", `no campaign ${campaignId}`);
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

const Rate = z.number().nullable();
const KpiView = z
  .object({
    from: z.string(),
    to: z.string(),
    days: z.array(
      z.object({
        day: z.string(),
        dau: z.number().int().openapi({ description: "people with an event that UTC day" }),
        people: z.number().int().openapi({ description: "people known at the end of the day" }),
        optIn: z.record(
          z.string(),
          z.object({
            optedIn: z.number().int(),
            optedOut: z.number().int(),
            rate: Rate.openapi({ description: "opted in ÷ people" }),
          }),
        ),
        push: z.object({
          installed: z.number().int(),
          uninstalled: z.number().int(),
          uninstallRate: Rate.openapi({
            description: "uninstalled (had a push token, none live) ÷ people who ever had one",
          }),
        }),
      }),
    ),
    weeks: z.array(z.object({ week: z.string(), wau: z.number().int() })),
    months: z.array(
      z.object({
        month: z.string(),
        mau: z.number().int(),
        avgDau: z.number().nullable(),
        stickiness: Rate.openapi({ description: "average DAU over the month's days in range ÷ MAU" }),
      }),
    ),
    channels: z.array(
      z.object({
        day: z.string(),
        channel: z.string(),
        sent: z.number().int(),
        delivered: z.number().int(),
        opened: z.number().int(),
        clicked: z.number().int(),
        converted: z.number().int(),
        openRate: Rate,
        clickRate: Rate,
        conversionRate: Rate,
        simulated: z.boolean().openapi({
          description: "some of the day's delivered/opened/clicked are simulated sandbox receipts (SANDBOX_RECEIPTS)",
        }),
      }),
    ),
  })
  .openapi("Kpis");

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : null);

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/analytics/kpis",
    operationId: "getKpis",
    tags: ["analytics"],
    summary:
      "KPIs per UTC day: DAU, people, opt-in per channel, uninstalls; WAU per ISO week; MAU and stickiness per calendar month; engagement and conversion per channel",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        from: Day.optional().openapi({ description: "default: 30 days ago" }),
        to: Day.optional().openapi({ description: "default: today" }),
      }),
    },
    responses: responses(KpiView, "The KPIs"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { from, to } = dayRange(c.req.valid("query"), c.get("now"), 30, 400);
    const d1 = c.env.DB;
    const days: string[] = [];
    for (let t = Date.parse(`${from}T00:00:00Z`); utcDay(t) <= to; t += DAY) days.push(utcDay(t));
    const active = await d1
      .prepare(
        `SELECT subject, day, n FROM analytics_counts WHERE app_id = ?1 AND kind = 'active' AND day >= ?2 AND day <= ?3`,
      )
      .bind(appId, monthOf(weekOf(from)), to)
      .all<{ subject: string; day: string; n: number }>();
    const gauges = await d1
      .prepare(
        `SELECT subject, value, day, SUM(n) AS n FROM analytics_counts WHERE app_id = ?1 AND kind = 'gauge' AND day <= ?2 GROUP BY subject, value, day`,
      )
      .bind(appId, to)
      .all<{ subject: string; value: string; day: string; n: number }>();
    const levels = gaugeLevels(gauges.results, days);
    const level = (k: string, i: number) => levels.get(k)?.[i] ?? 0;
    const dau = new Map(active.results.filter((r) => r.subject === "day").map((r) => [r.day, r.n]));
    const dayRows = days.map((day, i) => {
      const people = level("people=", i);
      const installed = level("push=installed", i);
      const uninstalled = level("push=uninstalled", i);
      return {
        day,
        dau: dau.get(day) ?? 0,
        people,
        optIn: Object.fromEntries(
          CONSENT_CHANNELS.map((ch) => [
            ch,
            {
              optedIn: level(`consent.${ch}=opted_in`, i),
              optedOut: level(`consent.${ch}=opted_out`, i),
              rate: ratio(level(`consent.${ch}=opted_in`, i), people),
            },
          ]),
        ),
        push: { installed, uninstalled, uninstallRate: ratio(uninstalled, installed + uninstalled) },
      };
    });
    const weeks = [...new Set(days.map(weekOf))].map((week) => ({
      week,
      wau: active.results.find((r) => r.subject === "week" && r.day === week)?.n ?? 0,
    }));
    const months = [...new Set(days.map(monthOf))].map((month) => {
      const inMonth = dayRows.filter((r) => monthOf(r.day) === month);
      const mau = active.results.find((r) => r.subject === "month" && r.day === month)?.n ?? 0;
      const avgDau = inMonth.length
        ? Math.round((inMonth.reduce((s, r) => s + r.dau, 0) / inMonth.length) * 100) / 100
        : null;
      return { month: month.slice(0, 7), mau, avgDau, stickiness: avgDau === null ? null : ratio(avgDau, mau) };
    });

    const start = Date.parse(`${from}T00:00:00Z`);
    const end = Date.parse(`${to}T00:00:00Z`) + DAY;
    const byColumn = (col: string, kind: string) =>
      `SELECT channel, '${kind}' AS kind, strftime('%Y-%m-%d', ${col} / 1000, 'unixepoch') AS day, count(*) AS n FROM deliveries WHERE app_id = ?1 AND ${col} >= ?2 AND ${col} < ?3 GROUP BY 1, 3`;
    const sends = await d1
      .prepare(
        [
          byColumn("sent_at", "sent"),
          byColumn("delivered_at", "delivered"),
          byColumn("opened_at", "opened"),
          byColumn("clicked_at", "clicked"),
        ].join(" UNION ALL "),
      )
      .bind(appId, start, end)
      .all<{ channel: string; kind: string; day: string; n: number }>();
    // A conversion is credited to each channel its journey sent a message on (send keys are `<instance>:<step>`, the conversion's `<instance>:converted`).
    const conversions = await d1
      .prepare(
        `SELECT d.channel AS channel, 'converted' AS kind, strftime('%Y-%m-%d', s.at / 1000, 'unixepoch') AS day, count(DISTINCT s.dedupe_key) AS n
         FROM campaign_stats s JOIN deliveries d ON d.app_id = s.app_id AND d.campaign_id = s.campaign_id AND d.user_id = s.user_id
           AND substr(d.idempotency_key, 1, length(s.dedupe_key) - 9) = substr(s.dedupe_key, 1, length(s.dedupe_key) - 9) AND d.sent_at IS NOT NULL
         WHERE s.app_id = ?1 AND s.kind = 'converted' AND s.at >= ?2 AND s.at < ?3 GROUP BY 1, 3`,
      )
      .bind(appId, start, end)
      .all<{ channel: string; kind: string; day: string; n: number }>();
    const simulatedRows = await d1
      .prepare(
        `SELECT DISTINCT d.channel AS channel, strftime('%Y-%m-%d', e.at / 1000, 'unixepoch') AS day FROM delivery_events e JOIN deliveries d ON d.provider = 'sandbox' AND d.provider_message_id = e.provider_message_id WHERE e.provider = 'sandbox' AND d.app_id = ?1 AND e.at >= ?2 AND e.at < ?3`,
      )
      .bind(appId, start, end)
      .all<{ channel: string; day: string }>();
    const simulated = new Set(simulatedRows.results.map((r) => `${r.day}\u0000${r.channel}`));
    const cells = new Map<string, Record<string, number>>();
    for (const r of [...sends.results, ...conversions.results]) {
      const k = `${r.day}\u0000${r.channel}`;
      const cell = cells.get(k) ?? { sent: 0, delivered: 0, opened: 0, clicked: 0, converted: 0 };
      cell[r.kind] = (cell[r.kind] ?? 0) + r.n;
      cells.set(k, cell);
    }
    const channels = [...cells]
      .map(([k, v]) => {
        const [day, channel] = k.split("\u0000") as [string, string];
        return {
          day,
          channel,
          sent: v.sent!,
          delivered: v.delivered!,
          opened: v.opened!,
          clicked: v.clicked!,
          converted: v.converted!,
          openRate: ratio(v.opened!, v.delivered!),
          clickRate: ratio(v.clicked!, v.delivered!),
          conversionRate: ratio(v.converted!, v.delivered!),
          simulated: simulated.has(k),
        };
      })
      .sort((a, b) => a.day.localeCompare(b.day) || a.channel.localeCompare(b.channel));
    return c.json({ from, to, days: dayRows, weeks, months, channels }, 200);
  },
);

// ───────────── export ─────────────

const EXPORT_KINDS = Object.keys(EXPORT_PREFIXES) as Array<keyof typeof EXPORT_PREFIXES>;

const ExportsView = z
  .object({
    configured: z.boolean().openapi({
      description:
        'whether rows are being exported (EXPORT_EVENTS="true" and the EXPORTS bucket bound); files written earlier are listed either way',
    }),
    kind: z.enum(EXPORT_KINDS),
    date: z.string(),
    partitions: z.array(
      z.object({
        partition: z.string().openapi({ example: "app_1/date=2026-03-02/hour=10" }),
        files: z.number().int(),
        rows: z.number().int(),
        bytes: z.number().int(),
        keys: z
          .array(z.string())
          .optional()
          .openapi({ description: "the object keys (with `keys=true`), for GET /admin/analytics/exports/file" }),
      }),
    ),
    cursor: z.string().nullable().openapi({
      description: "more files: pass as `cursor` (a partition may continue on the next page: add up by partition)",
    }),
  })
  .openapi("ExportPartitions");

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/analytics/exports",
    operationId: "listExportPartitions",
    tags: ["analytics"],
    summary:
      "The exported partitions of one kind (events, decisions, sends, delivery statuses) and UTC day, month or year: files, rows, bytes per hour",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        kind: z.enum(EXPORT_KINDS).optional().openapi({ description: "default `event`" }),
        date: z
          .string()
          .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, "expected YYYY-MM-DD, YYYY-MM or YYYY")
          .optional()
          .openapi({ description: "UTC day, month (YYYY-MM) or year (YYYY); default: today" }),
        keys: z.enum(["true", "false"]).optional().openapi({ description: "also list each partition's object keys" }),
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(1000)
          .optional()
          .openapi({ description: "files per page (default 1000)" }),
        cursor: z.string().max(1000).optional(),
      }),
    },
    responses: responses(ExportsView, "The partitions"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const q = c.req.valid("query");
    const kind = q.kind ?? "event";
    const date = q.date ?? utcDay(c.get("now"));
    const bucket = c.env.EXPORTS;
    if (!bucket) return c.json({ configured: false, kind, date, partitions: [], cursor: null }, 200);
    const prefix = EXPORT_PREFIXES[kind];
    const listed = await bucket.list({
      // A day is a whole prefix; a month or year is the start of its days' prefixes.
      prefix: `${prefix}/${appId}/date=${date}${date.length === 10 ? "/" : "-"}`,
      limit: q.limit ?? 1000,
      include: ["customMetadata"],
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
    const parts = new Map<string, { files: number; rows: number; bytes: number; keys: string[] }>();
    for (const o of listed.objects) {
      const partition = o.key.slice(prefix.length + 1, o.key.lastIndexOf("/"));
      const p = parts.get(partition) ?? { files: 0, rows: 0, bytes: 0, keys: [] };
      p.files++;
      p.rows += Number(o.customMetadata?.rows ?? 0);
      p.bytes += o.size;
      p.keys.push(o.key);
      parts.set(partition, p);
    }
    return c.json(
      {
        configured: c.env.EXPORT_EVENTS === "true",
        kind,
        date,
        partitions: [...parts]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([partition, { keys, ...p }]) => ({ partition, ...p, ...(q.keys === "true" ? { keys } : {}) })),
        cursor: listed.truncated ? listed.cursor : null,
      },
      200,
    );
  },
);

analyticsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/analytics/exports/file",
    operationId: "getExportFile",
    tags: ["analytics"],
    summary: "One exported file of this app, as stored (NDJSON, gzip)",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        key: z.string().max(1000).openapi({
          description: "an object key from listExportPartitions (`keys=true`)",
          example: "events/app_1/date=2026-03-02/hour=10/3f0c….ndjson.gz",
        }),
      }),
    },
    responses: {
      ...responses(z.object({}), "unused"),
      200: {
        description: "The file: gzip-compressed NDJSON, one row per line",
        content: { "application/gzip": { schema: z.string().openapi({ format: "binary" }) } },
      },
    },
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { key } = c.req.valid("query");
    // Only this app's files: `<kind prefix>/<appId>/date=…/hour=…/<name>.ndjson.gz`, nothing else in the bucket.
    const ok = Object.values(EXPORT_PREFIXES).some((p) =>
      new RegExp(
        `^${p}/${escapeRegExp(appId)}/date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/[A-Za-z0-9-]{1,64}\\.ndjson\\.gz$`,
      ).test(key),
    );
    if (!ok) {
      const message = "not an export file of this app (see listExportPartitions with keys=true)";
      throw new DomainError(400, "invalid_input", `key: ${message}`, [{ field: "key", message }]);
    }
    const object = c.env.EXPORTS ? await c.env.EXPORTS.get(key) : null;
    if (!object) throw new DomainError(404, "not_found", `no export file ${key}`);
    return new Response(object.body, {
      headers: { "content-type": "application/gzip", "content-length": String(object.size) },
    }) as never;
  },
);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
