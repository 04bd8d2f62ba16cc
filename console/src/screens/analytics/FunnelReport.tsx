import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { ok } from "../../api/client";
import { count, percent } from "../../components/Format";
import { EmptyState, PageHeader, QueryView } from "../../components/States";
import { useApi } from "../../session";
import { Backfill } from "./Backfill";
import { DateRange } from "./DateRange";
import { daysAgo, duration, useParam, utcDay } from "./params";

const BREAKDOWNS = [
  ["", "No breakdown"],
  ["os", "OS"],
  ["appVersion", "App version"],
  ["firstCampaign", "First-touch campaign"],
  ["lifecycle", "Lifecycle state at entry"],
  ["arm", "Campaign arm"],
] as const;
type Breakdown = Exclude<(typeof BREAKDOWNS)[number][0], "">;

interface StepRow {
  step: number;
  event: string;
  label: string | null;
  entries: number;
  conversion: number | null;
  fromPrevious: number | null;
  medianFromPreviousMs: number | null;
}

/** Bars per step: entries, conversion from step 1 and from the step before, median time from it. */
function StepBars({ steps, caption }: { steps: StepRow[]; caption: string }) {
  const first = steps[0]?.entries ?? 0;
  return (
    <table className="table funnel-report">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Entries</th>
          <th scope="col">Conversion</th>
          <th scope="col">From the step before</th>
          <th scope="col">Median time from the step before</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <tr key={s.step}>
            <th scope="row">
              {s.step}. {s.label ?? s.event}
            </th>
            <td>
              <span className="bar" aria-hidden="true">
                <span style={{ width: `${first ? (100 * s.entries) / first : 0}%` }} />
              </span>{" "}
              {count(s.entries)}
            </td>
            <td>{percent(s.conversion)}</td>
            <td>{s.step === 1 ? "–" : percent(s.fromPrevious)}</td>
            <td>{s.step === 1 ? "–" : duration(s.medianFromPreviousMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FunnelReport() {
  const api = useApi();
  const { funnelId = "" } = useParams();
  const [from, setFrom] = useParam("from", daysAgo(29));
  const [to, setTo] = useParam("to", utcDay(Date.now()));
  const [breakdown, setBreakdown] = useParam("breakdown", "");
  const funnel = useQuery({
    queryKey: ["funnel", funnelId],
    queryFn: () => ok(api.GET("/admin/funnels/{funnelId}", { params: { path: { funnelId } } })),
  });
  const report = useQuery({
    queryKey: ["funnel-report", funnelId, from, to, breakdown],
    queryFn: () =>
      ok(
        api.GET("/admin/funnels/{funnelId}/report", {
          params: {
            path: { funnelId },
            query: { from, to, ...(breakdown ? { breakdown: breakdown as Breakdown } : {}) },
          },
        }),
      ),
  });
  return (
    <>
      <PageHeader title={funnel.data?.name ?? "Funnel"}>
        <Link to="/analytics/funnels">All funnels</Link>
      </PageHeader>
      <div className="filters">
        <DateRange from={from} to={to} onFrom={setFrom} onTo={setTo} />
        <label>
          Breakdown{" "}
          <select value={breakdown} onChange={(e) => setBreakdown(e.target.value)}>
            {BREAKDOWNS.filter(([v]) => v !== "arm" || funnel.data?.armCampaignId).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
      </div>
      {funnel.data && (
        <p className="muted">
          Window {funnel.data.windowHours} h{funnel.data.sameProperty ? `, same ${funnel.data.sameProperty}` : ""};
          counting since {funnel.data.countsFrom} (a funnel counts from when it is defined; earlier days can be counted
          from the export below).
        </p>
      )}
      <QueryView query={report} what="funnel report">
        {(r) =>
          (r.steps[0]?.entries ?? 0) === 0 ? (
            <EmptyState title="No entries yet">
              <p>
                Nobody has done step 1 ({r.steps[0]?.event}) between {r.from} and {r.to} since the funnel was defined on{" "}
                {r.countsFrom}. Entries appear as the app sends events.
              </p>
            </EmptyState>
          ) : (
            <>
              <StepBars steps={r.steps} caption={`Entries begun ${r.from} to ${r.to}`} />
              {r.values?.map((v) => (
                <StepBars key={v.value} steps={v.steps} caption={`${r.breakdown}: ${v.value}`} />
              ))}
            </>
          )
        }
      </QueryView>
      {funnel.data && <Backfill funnelId={funnelId} countsFrom={funnel.data.countsFrom} />}
    </>
  );
}
