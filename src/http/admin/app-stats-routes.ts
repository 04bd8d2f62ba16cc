import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { DAY } from "../../kernel/clock";
import { ATTR } from "../../domain/segments/index-attrs";
import { indexShards } from "../../stores/d1/index-shards";
import { adminRouter, responses } from "../openapi/openapi";

/**
 * App-wide figures the console's overview charts: message outcomes per day over all campaigns
 * (counted from `campaign_stats`, the same facts the per-campaign report counts) and consent
 * per channel (from the users index, which each person's object keeps current).
 */
export const appStatsRoutes = adminRouter();

/** The funnel kinds worth a daily line; the rest (suppressed, failed…) stay in the campaign report. */
const KINDS = ["entered", "sent", "delivered", "opened", "clicked", "converted"] as const;
const DailyRow = z.object({ day: z.string(), ...Object.fromEntries(KINDS.map((k) => [k, z.number().int()])) } as {
  day: z.ZodString;
} & Record<(typeof KINDS)[number], z.ZodNumber>);
const DailyStats = z
  .object({
    from: z.string().openapi({ example: "2026-11-04" }),
    to: z.string().openapi({ example: "2026-12-03" }),
    days: z.array(DailyRow),
  })
  .openapi("DailyMessageStats", {
    description: "One entry per UTC day from `from` to `to` (days without activity count 0).",
  });

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

appStatsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/daily",
    operationId: "getDailyMessageStats",
    tags: ["stats"],
    summary: "Entered, sent, delivered, opened, clicked and converted per UTC day, over all campaigns",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        days: z.coerce
          .number()
          .int()
          .min(1)
          .max(366)
          .default(30)
          .openapi({ description: "how many days back, today included (1–366, default 30)" }),
      }),
    },
    responses: responses(DailyStats, "Daily totals"),
  }),
  async (c) => {
    const { days } = c.req.valid("query");
    const now = c.get("now");
    const to = dayOf(now);
    const start = Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY;
    const rows = await c.env.DB.prepare(
      `SELECT date(at / 1000, 'unixepoch') AS day, kind, count(*) AS n FROM campaign_stats WHERE app_id = ?1 AND at >= ?2 AND kind IN (${KINDS.map((k) => `'${k}'`).join(",")}) GROUP BY day, kind`,
    )
      .bind(c.get("app").appId, start)
      .all<{ day: string; kind: (typeof KINDS)[number]; n: number }>();
    const byDay = new Map<string, Record<string, number>>();
    for (let i = 0; i < days; i++) byDay.set(dayOf(start + i * DAY), Object.fromEntries(KINDS.map((k) => [k, 0])));
    for (const r of rows.results) {
      const d = byDay.get(r.day);
      if (d) d[r.kind] = r.n;
    }
    return c.json(
      { from: dayOf(start), to, days: [...byDay].map(([day, counts]) => ({ day, ...counts })) } as z.infer<
        typeof DailyStats
      >,
      200,
    );
  },
);

const CHANNELS = ["push", "email", "sms", "whatsapp"] as const;
const ConsentCounts = z.object({ opted_in: z.number().int(), opted_out: z.number().int(), unknown: z.number().int() });
const ConsentStats = z
  .object({
    total: z.number().int().openapi({ description: "identified and anonymous people in the users index" }),
    channels: z.object(
      Object.fromEntries(CHANNELS.map((ch) => [ch, ConsentCounts])) as Record<
        (typeof CHANNELS)[number],
        typeof ConsentCounts
      >,
    ),
    pushReachable: z.number().int().openapi({ description: "opted in to push and with at least one live push device" }),
  })
  .openapi("ConsentStats");

appStatsRoutes.openapi(
  createRoute({
    method: "get",
    path: "/consent",
    operationId: "getConsentStats",
    tags: ["stats"],
    summary: "People per consent status on each channel, and how many can receive push now",
    security: [{ admin: [] }],
    responses: responses(ConsentStats, "Consent per channel"),
  }),
  async (c) => {
    const status = (ch: string) => `COALESCE(json_extract(attrs, '$.${ATTR.consent}.${ch}'), 'unknown')`;
    const cols = CHANNELS.flatMap((ch) => [
      `SUM(${status(ch)} = 'opted_in') AS ${ch}_in`,
      `SUM(${status(ch)} = 'opted_out') AS ${ch}_out`,
    ]);
    const query = `SELECT count(*) AS total, ${cols.join(", ")}, SUM(${status("push")} = 'opted_in' AND json_array_length(COALESCE(json_extract(attrs, '$.${ATTR.platforms}'), '[]')) > 0) AS push_reachable FROM users WHERE app_id = ?1`;
    const parts = await indexShards(c.env).across((db) =>
      db.prepare(query).bind(c.get("app").appId).first<Record<string, number | null>>(),
    );
    // Every column is a count or a sum, so the shards' rows add up.
    const n = (k: string) => parts.reduce((a, row) => a + Number(row?.[k] ?? 0), 0);
    const total = n("total");
    const channels = Object.fromEntries(
      CHANNELS.map((ch) => [
        ch,
        { opted_in: n(`${ch}_in`), opted_out: n(`${ch}_out`), unknown: total - n(`${ch}_in`) - n(`${ch}_out`) },
      ]),
    );
    return c.json({ total, channels, pushReachable: n("push_reachable") } as z.infer<typeof ConsentStats>, 200);
  },
);
