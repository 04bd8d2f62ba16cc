import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { DAY } from "../../../kernel/clock";
import { adminRouter, responses } from "../../openapi/openapi";
import { weekOf } from "../../../domain/analytics/retention";
import { gaugeLevels, monthOf } from "../../../domain/analytics/kpi";
import { CONSENT_CHANNELS } from "../../../domain/delivery/channel";
import { dayRange, utcDay, Day } from "./range";

/** KPIs over time: active people, stickiness, opt-in, uninstalls, engagement and conversion per channel. */
export const kpiRoutes = adminRouter();

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10000) / 10000 : null);

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

kpiRoutes.openapi(
  createRoute({
    method: "get",
    path: "/kpis",
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
