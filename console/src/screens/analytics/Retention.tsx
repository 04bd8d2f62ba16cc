import { useQuery } from "@tanstack/react-query";
import { ok } from "../../api/client";
import { count, percent } from "../../components/Format";
import { EmptyState, PageHeader, QueryView } from "../../components/States";
import { useApi } from "../../session";
import { useParam } from "./params";

/** A cell's background: darker blue for a higher rate; text stays legible (white on the darkest). */
function heat(rate: number | null): React.CSSProperties {
  if (rate == null) return {};
  const l = 96 - Math.round(rate * 60);
  return { background: `hsl(221 83% ${l}%)`, color: l < 60 ? "#fff" : "#1f2933" };
}

export function Retention() {
  const api = useApi();
  const [by, setBy] = useParam("by", "week");
  const [start, setStart] = useParam("start", "firstSeen");
  const [ret, setRet] = useParam("return", "any");
  const table = useQuery({
    queryKey: ["retention", by, start, ret],
    queryFn: () =>
      ok(
        api.GET("/admin/analytics/retention", {
          params: { query: { by: by as "day" | "week", start, return: ret, periods: by === "day" ? 14 : 12 } },
        }),
      ),
  });
  const unit = by === "day" ? "Day" : "Week";
  return (
    <>
      <PageHeader title="Retention" />
      <div className="filters">
        <label>
          Cohorts by{" "}
          <select value={by} onChange={(e) => setBy(e.target.value)}>
            <option value="week">week</option>
            <option value="day">day</option>
          </select>
        </label>
        <label>
          Cohort starts with{" "}
          <input
            value={start}
            onChange={(e) => setStart(e.target.value)}
            list="retention-events"
            placeholder="firstSeen"
          />
        </label>
        <label>
          Returning with{" "}
          <input value={ret} onChange={(e) => setRet(e.target.value)} list="retention-events" placeholder="any" />
        </label>
        <datalist id="retention-events">
          <option value="firstSeen" />
          <option value="any" />
        </datalist>
      </div>
      <p className="muted">
        A cohort is everyone first seen (or first doing the chosen event) in the same {unit.toLowerCase()}; each column
        is the share who came back in the {unit.toLowerCase()}s after. Events other than the purchase event are tracked
        once listed in the app's <code>settings.retentionEvents</code>.
      </p>
      <QueryView query={table} what="retention">
        {(r) => {
          const width = Math.max(0, ...r.cohorts.map((c) => c.retained.length));
          return r.cohorts.every((c) => c.size === 0) ? (
            <EmptyState title="No cohorts yet">
              <p>Cohorts fill as people are first seen: send events from the app (or the demo page) first.</p>
            </EmptyState>
          ) : (
            <div className="scroll-x">
              <table className="table heatmap">
                <caption>
                  Retention by {by}: {r.start} → {r.return}, cohorts {r.from} to {r.to}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Cohort</th>
                    <th scope="col">People</th>
                    {Array.from({ length: width }, (_, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: columns are periods
                      <th key={i} scope="col">
                        {unit} {i}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {r.cohorts.map((c) => (
                    <tr key={c.cohort}>
                      <th scope="row">{c.cohort}</th>
                      <td>{count(c.size)}</td>
                      {Array.from({ length: width }, (_, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: columns are periods
                        <td key={i} style={heat(c.rates[i] ?? null)} title={`${c.retained[i] ?? "–"} of ${c.size}`}>
                          {i < c.rates.length ? percent(c.rates[i], 0) : ""}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
