import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Link } from "react-router";
import { ok } from "../api/client";
import { BarList, StackedBar } from "../components/Bars";
import { RfmGridView } from "../components/RfmGridView";
import { EmptyState, PageHeader, QueryView } from "../components/States";
import { TimeSeries } from "../components/TimeSeries";
import { useApi } from "../session";

export const LIFECYCLE_COLORS: Record<string, string> = {
  new: "#0ea5e9",
  active: "#16a34a",
  dormant: "#d97706",
  churned: "#dc2626",
};
const FUNNEL_COLORS = { sent: "#2563eb", delivered: "#0891b2", opened: "#16a34a", converted: "#9333ea" };
const pct = (x: number | null | undefined) => (x == null ? "–" : `${Math.round(x * 1000) / 10}%`);

function Kpi({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value">{value}</div>
      {hint && <div className="kpi-hint">{hint}</div>}
    </div>
  );
}

export function Overview() {
  const api = useApi();
  const activity = useQuery({
    queryKey: ["activity"],
    queryFn: () => ok(api.GET("/admin/segments/activity", { params: { query: {} } })),
  });
  const lifecycle = useQuery({ queryKey: ["lifecycle"], queryFn: () => ok(api.GET("/admin/segments/lifecycle")) });
  const history = useQuery({
    queryKey: ["lifecycle-history"],
    queryFn: () => ok(api.GET("/admin/segments/lifecycle/history", { params: { query: {} } })),
  });
  const rfm = useQuery({
    queryKey: ["rfm"],
    queryFn: () => ok(api.GET("/admin/segments/rfm", { params: { query: {} } })),
  });
  const daily = useQuery({
    queryKey: ["daily"],
    queryFn: () => ok(api.GET("/admin/stats/daily", { params: { query: { days: 30 } } })),
  });
  const consent = useQuery({ queryKey: ["consent"], queryFn: () => ok(api.GET("/admin/stats/consent")) });

  const messageSeries = useMemo(
    () =>
      daily.data
        ? (Object.entries(FUNNEL_COLORS) as [keyof typeof FUNNEL_COLORS, string][]).map(([k, color]) => ({
            label: k,
            color,
            values: daily.data.days.map((d) => d[k]),
          }))
        : [],
    [daily.data],
  );
  const lifecycleSeries = useMemo(
    () =>
      history.data
        ? Object.entries(LIFECYCLE_COLORS).map(([state, color]) => ({
            label: state,
            color,
            values: history.data.days.map((d) => d.states[state] ?? 0),
          }))
        : [],
    [history.data],
  );
  const activitySeries = useMemo(
    () =>
      activity.data
        ? [
            { label: "DAU", color: "#2563eb", values: activity.data.history.map((h) => h.dau) },
            { label: "WAU", color: "#0891b2", values: activity.data.history.map((h) => h.wau) },
            { label: "MAU", color: "#9333ea", values: activity.data.history.map((h) => h.mau) },
          ]
        : [],
    [activity.data],
  );

  return (
    <>
      <PageHeader title="Overview" />
      <QueryView query={activity} what="activity">
        {(a) =>
          a.total === 0 ? (
            <EmptyState title="No people yet">
              <p>
                Beckon has not seen anyone in this app. Send a first event from your app or server (Segment and
                RudderStack clients work unchanged), or open the demo shop that <code>npm start</code> printed and add
                something to the cart.
              </p>
              <p>
                Then create a <Link to="/campaigns/new">first campaign</Link>.
              </p>
            </EmptyState>
          ) : (
            <section aria-labelledby="kpis" className="kpis">
              <h2 id="kpis" className="visually-hidden">
                Key figures
              </h2>
              <Kpi label="People" value={a.total.toLocaleString()} />
              <Kpi label="DAU" value={a.dau.toLocaleString()} hint="seen in the last 24 h" />
              <Kpi label="WAU" value={a.wau.toLocaleString()} hint="last 7 days" />
              <Kpi label="MAU" value={a.mau.toLocaleString()} hint="last 30 days" />
              <Kpi label="Stickiness" value={pct(a.stickiness)} hint="DAU / MAU" />
            </section>
          )
        }
      </QueryView>

      <div className="grid-2">
        <section className="card" aria-labelledby="lifecycle-h">
          <h2 id="lifecycle-h">Lifecycle</h2>
          <QueryView query={lifecycle} what="lifecycle">
            {(l) => (
              <>
                <StackedBar
                  label={`${l.total.toLocaleString()} people by lifecycle state; ${l.loyal.toLocaleString()} loyal`}
                  parts={Object.entries(LIFECYCLE_COLORS).map(([state, color]) => ({
                    label: state,
                    value: l.states[state] ?? 0,
                    color,
                  }))}
                />
              </>
            )}
          </QueryView>
          <QueryView query={history} what="lifecycle history">
            {(h) =>
              h.days.length ? (
                <TimeSeries
                  title="Lifecycle movement (daily snapshots)"
                  days={h.days.map((d) => d.day)}
                  series={lifecycleSeries}
                />
              ) : (
                <p className="muted">
                  Lifecycle movement appears after the first nightly snapshot (03:00 UTC, or POST
                  /admin/segments/recompute).
                </p>
              )
            }
          </QueryView>
        </section>

        <section className="card" aria-labelledby="messages-h">
          <h2 id="messages-h">Messages, last 30 days</h2>
          <QueryView query={daily} what="message stats">
            {(d) => {
              const sum = (k: keyof typeof FUNNEL_COLORS) => d.days.reduce((n, x) => n + x[k], 0);
              return (
                <>
                  <p className="funnel-line">
                    {(Object.keys(FUNNEL_COLORS) as (keyof typeof FUNNEL_COLORS)[]).map((k) => (
                      <span key={k}>
                        {k} <strong>{sum(k).toLocaleString()}</strong>
                      </span>
                    ))}
                  </p>
                  <TimeSeries
                    title="Sent, delivered, opened and converted per day"
                    days={d.days.map((x) => x.day)}
                    series={messageSeries}
                  />
                </>
              );
            }}
          </QueryView>
        </section>
      </div>

      <div className="grid-2">
        <section className="card" aria-labelledby="rfm-h">
          <h2 id="rfm-h">RFM</h2>
          <QueryView query={rfm} what="RFM grid">
            {(g) => (g.model ? <RfmGridView grid={g} /> : <p className="muted">{g.message}</p>)}
          </QueryView>
        </section>
        <section className="card" aria-labelledby="churn-h">
          <h2 id="churn-h">Churn risk and reach</h2>
          <QueryView query={rfm} what="churn bands">
            {(g) => {
              const bands = ["high", "medium", "low"].map((b) => ({
                label: `${b} risk`,
                value: g.churnBands[b]?.users ?? 0,
              }));
              const of = bands.reduce((n, b) => n + b.value, 0);
              return of ? (
                <BarList label="Purchasers by churn-risk band (BG/NBD)" rows={bands.map((b) => ({ ...b, of }))} />
              ) : (
                <p className="muted">Churn bands appear once the nightly model has been fitted on enough purchasers.</p>
              );
            }}
          </QueryView>
          <QueryView query={consent} what="consent">
            {(c) => (
              <BarList
                label="Opted in, per channel"
                rows={[
                  { label: "push (reachable)", value: c.pushReachable, of: c.total },
                  { label: "email (opted in)", value: c.channels.email.opted_in, of: c.total },
                  { label: "SMS", value: c.channels.sms.opted_in, of: c.total },
                  { label: "WhatsApp", value: c.channels.whatsapp.opted_in, of: c.total },
                ]}
              />
            )}
          </QueryView>
          {activity.data && activity.data.history.length > 0 && (
            <TimeSeries
              title="Active people"
              days={activity.data.history.map((h) => h.day)}
              series={activitySeries}
              height={160}
            />
          )}
        </section>
      </div>
    </>
  );
}
