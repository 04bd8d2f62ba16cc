import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { campaignReport } from "../../domain/campaigns/campaign-report";
import { SUPPRESSION_COUNTER } from "../../domain/analytics/suppression-counts";
import { suppressionReport } from "../../domain/campaigns/suppression";
import { DAY } from "../../kernel/clock";
import { readCounts } from "../../stores/analytics/analytics-store";
import { CampaignStore } from "../../stores/campaigns/campaign-store";
import { campaignDaily, campaignFunnel } from "../../stores/campaigns/stats";
import { CampaignStats } from "../openapi/admin-views";
import { adminRouter, responses } from "../openapi/openapi";
import { dayRange } from "./analytics/range";
import { IdParam } from "./campaign-views";

const IsoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD")
  .optional();
/** The UTC days a campaign's per-day reports cover (dayRange: 30 by default, at most 366). */
const CampaignDaysQuery = z.object({
  from: IsoDay.openapi({ description: "first UTC day (default: 29 days before to)" }),
  to: IsoDay.openapi({ description: "last UTC day (default: today)" }),
});

/** How a campaign did: facts per day, the reasons it did not send, the funnel and uplift per variant. */
export const campaignReportRoutes = adminRouter();

const DAILY_KINDS = ["entered", "sent", "delivered", "opened", "clicked", "converted", "suppressed", "failed"] as const;
const CampaignDaily = z
  .object({
    campaignId: z.string(),
    from: z.string(),
    to: z.string(),
    days: z.array(
      z.object({
        day: z.string().openapi({ description: "UTC day" }),
        entered: z.number().int(),
        sent: z.number().int(),
        delivered: z.number().int(),
        opened: z.number().int(),
        clicked: z.number().int(),
        converted: z.number().int(),
        suppressed: z.number().int(),
        failed: z.number().int(),
        controlEntered: z.number().int().openapi({ description: "the control group's entrants (no message)" }),
        controlConverted: z.number().int(),
      }),
    ),
  })
  .openapi("CampaignDailyStats");

campaignReportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}/stats/daily",
    operationId: "getCampaignDailyStats",
    tags: ["campaigns"],
    summary:
      "A campaign's facts per UTC day (entered, sent, delivered, opened, clicked, converted, suppressed, failed; control apart): conversions over time",
    security: [{ admin: [] }],
    request: {
      params: IdParam,
      query: CampaignDaysQuery,
    },
    responses: responses(CampaignDaily, "Per day"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await new CampaignStore(c.env.DB).require(c.get("app").appId, id);
    const { from, to } = dayRange(c.req.valid("query"), c.get("now"), 30, 366);
    const start = Date.parse(`${from}T00:00:00Z`);
    const end = Date.parse(`${to}T00:00:00Z`) + DAY;
    const rows = await campaignDaily(c.env.DB, id, start, end);
    const days = [];
    for (let t = start; t < end; t += DAY) {
      const day = new Date(t).toISOString().slice(0, 10);
      const of = (kind: string, control: boolean) =>
        rows.find((r) => r.day === day && r.kind === kind && !!r.control === control)?.n ?? 0;
      days.push({
        day,
        ...(Object.fromEntries(DAILY_KINDS.map((k) => [k, of(k, false)])) as Record<
          (typeof DAILY_KINDS)[number],
          number
        >),
        controlEntered: of("entered", true),
        controlConverted: of("converted", true),
      });
    }
    return c.json({ campaignId: id, from, to, days }, 200);
  },
);

const CampaignSuppressions = z
  .object({
    campaignId: z.string(),
    from: z.string(),
    to: z.string(),
    total: z.number().int(),
    reasons: z.array(
      z.object({
        reason: z.string().openapi({ description: "reason code", example: "frequency_cap" }),
        label: z.string().openapi({ example: "frequency cap" }),
        n: z.number().int(),
        byVariant: z.record(z.string(), z.number().int()).openapi({
          description: "per A/B arm (`control` for the control group; empty: decided before an arm, e.g. not entered)",
        }),
      }),
    ),
    days: z.array(
      z.object({ day: z.string().openapi({ description: "UTC day" }), reason: z.string(), n: z.number().int() }),
    ),
  })
  .openapi("CampaignSuppressions");

campaignReportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}/suppressions",
    operationId: "getCampaignSuppressions",
    tags: ["campaigns"],
    summary:
      "Why the campaign did not send, counted per reason (control group, not in the audience, re-entry, quiet hours, frequency cap, no consent or channel, template error…), per variant and UTC day",
    security: [{ admin: [] }],
    request: {
      params: IdParam,
      query: CampaignDaysQuery,
    },
    responses: responses(CampaignSuppressions, "Suppressions by reason"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const appId = c.get("app").appId;
    await new CampaignStore(c.env.DB).require(appId, id);
    const { from, to } = dayRange(c.req.valid("query"), c.get("now"), 30, 366);
    const rows = await readCounts(c.env.DB, appId, SUPPRESSION_COUNTER, { subject: id, from, to });
    return c.json({ campaignId: id, from, to, ...suppressionReport(rows) }, 200);
  },
);

campaignReportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}/stats",
    tags: ["campaigns"],
    summary:
      "Funnel per variant and control (entered → sent → delivered → opened/clicked → converted), uplift vs control with a confidence interval",
    security: [{ admin: [] }],
    request: { params: IdParam, query: z.object({ confidence: z.coerce.number().min(0.5).max(0.999).default(0.95) }) },
    responses: responses(CampaignStats, "Stats"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await new CampaignStore(c.env.DB).require(c.get("app").appId, id);
    const report = campaignReport(await campaignFunnel(c.env.DB, id), c.req.valid("query").confidence);
    const simulated = !!(await c.env.DB.prepare(
      `SELECT 1 AS x FROM delivery_events e JOIN deliveries d ON d.provider = 'sandbox' AND d.provider_message_id = e.provider_message_id WHERE e.provider = 'sandbox' AND d.campaign_id = ? LIMIT 1`,
    )
      .bind(id)
      .first());
    return c.json(
      {
        campaignId: id,
        confidence: c.req.valid("query").confidence,
        ...report,
        ...(simulated ? { simulated } : {}),
      } as never,
      200,
    );
  },
);
