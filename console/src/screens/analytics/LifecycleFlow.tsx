import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { ok } from "../../api/client";
import { count, percent } from "../../components/Format";
import { EmptyState, PageHeader, QueryView } from "../../components/States";
import { TimeSeries } from "../../components/TimeSeries";
import { useApi } from "../../session";
import { DateRange } from "./DateRange";
import { daysAgo, useParam, utcDay } from "./params";

const COLORS = ["#2563eb", "#16a34a", "#d97706", "#dc2626", "#9333ea", "#0891b2", "#4b5563", "#db2777"];
const MOVES = ["dormant>active", "churned>active", "new>active", "active>dormant", "dormant>churned", "*>loyal"];
const moveLabel = (m: string) => (m.startsWith("*>") ? "became loyal" : m.replace(">", " → "));

/** A campaign's effect on one move: treatment vs control rate, and the difference with its interval. */
function CampaignEffect() {
  const api = useApi();
  const [campaign, setCampaign] = useParam("campaign", "");
  const [move, setMove] = useParam("move", "dormant>active");
  const campaigns = useQuery({ queryKey: ["campaigns"], queryFn: () => ok(api.GET("/admin/campaigns")) });
  const effect = useQuery({
    queryKey: ["lifecycle-effect", campaign, move],
    enabled: !!campaign,
    queryFn: () =>
      ok(
        api.GET("/admin/analytics/lifecycle/campaigns/{campaignId}", {
          params: { path: { campaignId: campaign }, query: { move } },
        }),
      ),
  });
  const list = (campaigns.data as unknown as { campaigns?: { id: string; name: string }[] } | undefined)?.campaigns;
  return (
    <section className="card" aria-labelledby="effect-h">
      <h2 id="effect-h">A campaign's effect on a move</h2>
      <p className="muted">
        For a campaign with a control group: the share of entrants who made the move within 30 days of entry, with and
        without the campaign.
      </p>
      <div className="filters">
        <label>
          Campaign{" "}
          <select value={campaign} onChange={(e) => setCampaign(e.target.value)}>
            <option value="">Choose a campaign</option>
            {list?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Move{" "}
          <select value={move} onChange={(e) => setMove(e.target.value)}>
            {MOVES.map((m) => (
              <option key={m} value={m}>
                {moveLabel(m)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {campaign && (
        <QueryView query={effect} what="effect">
          {(e) => (
            <>
              <table className="table">
                <caption className="visually-hidden">Treatment and control</caption>
                <thead>
                  <tr>
                    <th scope="col">Group</th>
                    <th scope="col">Entered</th>
                    <th scope="col">Made the move</th>
                    <th scope="col">Rate</th>
                    <th scope="col">Interval</th>
                  </tr>
                </thead>
                <tbody>
                  {(["treatment", "control"] as const).map((g) => (
                    <tr key={g}>
                      <th scope="row">{g}</th>
                      <td>{count(e[g].entered)}</td>
                      <td>{count(e[g].moved)}</td>
                      <td>{percent(e[g].rate)}</td>
                      <td>{e[g].ci ? `${percent(e[g].ci.low)} – ${percent(e[g].ci.high)}` : "–"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p>
                Difference: <strong>{e.difference == null ? "–" : `${(e.difference * 100).toFixed(1)} points`}</strong>
                {e.ci
                  ? ` (${Math.round(e.confidence * 100)}% interval ${(e.ci.low * 100).toFixed(1)} to ${(e.ci.high * 100).toFixed(1)} points)`
                  : ""}
                {e.control.entered === 0
                  ? ": the campaign has no control group yet, so there is nothing to compare with."
                  : e.significant
                    ? ": a real difference."
                    : ": not distinguishable from no effect yet."}
              </p>
            </>
          )}
        </QueryView>
      )}
    </section>
  );
}

export function LifecycleFlow() {
  const api = useApi();
  const [by, setBy] = useParam("by", "day");
  const [from, setFrom] = useParam("from", daysAgo(29));
  const [to, setTo] = useParam("to", utcDay(Date.now()));
  const flow = useQuery({
    queryKey: ["lifecycle-flow", by, from, to],
    queryFn: () =>
      ok(api.GET("/admin/analytics/lifecycle", { params: { query: { by: by as "day" | "week", from, to } } })),
  });
  const chart = useMemo(() => {
    if (!flow.data) return null;
    const moves = [...flow.data.totals].sort((a, b) => b.n - a.n).slice(0, COLORS.length);
    return {
      days: flow.data.periods.map((p) => p.period),
      series: moves.map((m, i) => ({
        label: moveLabel(`${m.from}>${m.to}`),
        color: COLORS[i]!,
        values: flow.data.periods.map((p) => p.moves.find((x) => x.from === m.from && x.to === m.to)?.n ?? 0),
      })),
    };
  }, [flow.data]);
  return (
    <>
      <PageHeader title="Lifecycle flow" />
      <div className="filters">
        <label>
          Per{" "}
          <select value={by} onChange={(e) => setBy(e.target.value)}>
            <option value="day">day</option>
            <option value="week">week</option>
          </select>
        </label>
        <DateRange from={from} to={to} onFrom={setFrom} onTo={setTo} />
      </div>
      <QueryView query={flow} what="lifecycle flow">
        {(f) =>
          f.totals.length === 0 ? (
            <EmptyState title="No moves yet">
              <p>
                People move between new, active, dormant and churned as their objects see them come and go; send events
                first, and moves appear here from then on.
              </p>
            </EmptyState>
          ) : (
            <>
              {chart && <TimeSeries title={`Moves per ${by}`} days={chart.days} series={chart.series} />}
              <table className="table">
                <caption>
                  Moves {f.from} to {f.to}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Move</th>
                    <th scope="col">People</th>
                  </tr>
                </thead>
                <tbody>
                  {f.totals.map((m) => (
                    <tr key={`${m.from}>${m.to}`}>
                      <th scope="row">{moveLabel(`${m.from}>${m.to}`)}</th>
                      <td>{count(m.n)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </QueryView>
      <CampaignEffect />
    </>
  );
}
