import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { ok } from "../../api/client";
import { count, percent } from "../../components/Format";
import { EmptyState, PageHeader, QueryView } from "../../components/States";
import { TimeSeries } from "../../components/TimeSeries";
import { useApi } from "../../session";
import { DateRange } from "./DateRange";
import { daysAgo, useParam, utcDay } from "./params";

const CHANNEL_COLORS: Record<string, string> = {
  push: "#2563eb",
  email: "#16a34a",
  sms: "#d97706",
  whatsapp: "#059669",
  in_app: "#9333ea",
  content_card: "#db2777",
  webhook: "#4b5563",
};
const pct = (x: number | null | undefined) => (x == null ? null : Math.round(x * 1000) / 10);

export function Kpis() {
  const api = useApi();
  const [from, setFrom] = useParam("from", daysAgo(29));
  const [to, setTo] = useParam("to", utcDay(Date.now()));
  const kpis = useQuery({
    queryKey: ["kpis", from, to],
    queryFn: () => ok(api.GET("/admin/analytics/kpis", { params: { query: { from, to } } })),
  });
  const charts = useMemo(() => {
    const k = kpis.data;
    if (!k) return null;
    const days = k.days.map((d) => d.day);
    const channels = [...new Set(k.channels.map((c) => c.channel))];
    const perChannel = (field: "conversionRate" | "openRate") =>
      channels.map((ch) => ({
        label: ch,
        color: CHANNEL_COLORS[ch] ?? "#4b5563",
        values: days.map((d) => pct(k.channels.find((c) => c.day === d && c.channel === ch)?.[field])),
      }));
    return {
      days,
      channels,
      dau: [{ label: "DAU", color: "#2563eb", values: k.days.map((d) => d.dau) }],
      optIn: Object.keys(k.days[0]?.optIn ?? {}).map((ch) => ({
        label: `${ch} opt-in %`,
        color: CHANNEL_COLORS[ch] ?? "#4b5563",
        values: k.days.map((d) => pct(d.optIn[ch]?.rate)),
      })),
      uninstall: [
        { label: "push uninstall %", color: "#dc2626", values: k.days.map((d) => pct(d.push.uninstallRate)) },
      ],
      conversion: perChannel("conversionRate"),
      open: perChannel("openRate"),
    };
  }, [kpis.data]);
  return (
    <>
      <PageHeader title="KPIs" />
      <div className="filters">
        <DateRange from={from} to={to} onFrom={setFrom} onTo={setTo} />
      </div>
      <QueryView query={kpis} what="KPIs">
        {(k) =>
          k.days.every((d) => d.people === 0 && d.dau === 0) ? (
            <EmptyState title="No activity yet">
              <p>KPIs count from the first event: send events from the app (or the demo page) first.</p>
            </EmptyState>
          ) : (
            <>
              <div className="kpis">
                <div className="kpi">
                  <div className="kpi-label">DAU (latest day)</div>
                  <div className="kpi-value">{count(k.days.at(-1)?.dau)}</div>
                </div>
                <div className="kpi">
                  <div className="kpi-label">WAU (latest week)</div>
                  <div className="kpi-value">{count(k.weeks.at(-1)?.wau)}</div>
                </div>
                <div className="kpi">
                  <div className="kpi-label">MAU (latest month)</div>
                  <div className="kpi-value">{count(k.months.at(-1)?.mau)}</div>
                </div>
                <div className="kpi">
                  <div className="kpi-label">Stickiness (DAU ÷ MAU)</div>
                  <div className="kpi-value">{percent(k.months.at(-1)?.stickiness)}</div>
                </div>
              </div>
              {charts && (
                <div className="charts">
                  <TimeSeries title="Daily active people" days={charts.days} series={charts.dau} />
                  <TimeSeries title="Opt-in per channel (% of people)" days={charts.days} series={charts.optIn} />
                  <TimeSeries title="Push uninstall rate (%)" days={charts.days} series={charts.uninstall} />
                  {charts.channels.length > 0 && (
                    <>
                      <TimeSeries title="Open rate per channel (%)" days={charts.days} series={charts.open} />
                      <TimeSeries
                        title="Conversion rate per channel (%)"
                        days={charts.days}
                        series={charts.conversion}
                      />
                    </>
                  )}
                </div>
              )}
              <table className="table">
                <caption>Months</caption>
                <thead>
                  <tr>
                    <th scope="col">Month</th>
                    <th scope="col">MAU</th>
                    <th scope="col">Average DAU</th>
                    <th scope="col">Stickiness</th>
                  </tr>
                </thead>
                <tbody>
                  {k.months.map((m) => (
                    <tr key={m.month}>
                      <th scope="row">{m.month}</th>
                      <td>{count(m.mau)}</td>
                      <td>{m.avgDau ?? "–"}</td>
                      <td>{percent(m.stickiness)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <ChannelTotals channels={k.channels} />
            </>
          )
        }
      </QueryView>
    </>
  );
}

type ChannelDay = {
  channel: string;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  converted: number;
  simulated: boolean;
};

/** Engagement and conversion per channel over the range. */
function ChannelTotals({ channels }: { channels: ChannelDay[] }) {
  const totals = new Map<string, ChannelDay>();
  for (const c of channels) {
    const t = totals.get(c.channel) ?? {
      ...c,
      sent: 0,
      delivered: 0,
      opened: 0,
      clicked: 0,
      converted: 0,
      simulated: false,
    };
    totals.set(c.channel, {
      ...t,
      sent: t.sent + c.sent,
      delivered: t.delivered + c.delivered,
      opened: t.opened + c.opened,
      clicked: t.clicked + c.clicked,
      converted: t.converted + c.converted,
      simulated: t.simulated || c.simulated,
    });
  }
  if (totals.size === 0) return <p className="muted">No messages sent in this range.</p>;
  const rate = (a: number, b: number) => percent(b ? a / b : null);
  return (
    <table className="table">
      <caption>Engagement and conversion per channel</caption>
      <thead>
        <tr>
          <th scope="col">Channel</th>
          <th scope="col">Sent</th>
          <th scope="col">Delivered</th>
          <th scope="col">Opened</th>
          <th scope="col">Clicked</th>
          <th scope="col">Converted</th>
          <th scope="col">Conversion rate</th>
        </tr>
      </thead>
      <tbody>
        {[...totals.values()].map((t) => (
          <tr key={t.channel}>
            <th scope="row">
              {t.channel}
              {t.simulated ? " (includes simulated sandbox receipts)" : ""}
            </th>
            <td>{count(t.sent)}</td>
            <td>{count(t.delivered)}</td>
            <td>{count(t.opened)}</td>
            <td>{count(t.clicked)}</td>
            <td>{count(t.converted)}</td>
            <td>{rate(t.converted, t.delivered)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
