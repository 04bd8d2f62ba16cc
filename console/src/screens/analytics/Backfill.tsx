import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ok } from "../../api/client";
import { count } from "../../components/Format";
import { useApi } from "../../session";
import { utcDay } from "./params";

/**
 * Earlier days of a funnel from the export (docs/analytics.md "Funnel backfill"): the runs so far, and a form
 * to count the days before the funnel was defined. The server refuses a range it replayed already (409) or
 * a bad day (400); its message is shown as it says it.
 */
export function Backfill({ funnelId, countsFrom }: { funnelId: string; countsFrom: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const [from, setFrom] = useState(utcDay(Date.parse(`${countsFrom}T00:00:00Z`) - 30 * 86_400_000));
  const runs = useQuery({
    queryKey: ["funnel-backfills", funnelId],
    queryFn: () => ok(api.GET("/admin/funnels/{funnelId}/backfills", { params: { path: { funnelId } } })),
    // While a run is under way its progress moves: look again every 2 s.
    refetchInterval: (q) => (q.state.data?.backfills.some((b) => b.status === "running") ? 2000 : false),
  });
  const start = useMutation({
    mutationFn: () =>
      ok(api.POST("/admin/funnels/{funnelId}/backfill", { params: { path: { funnelId } }, body: { from } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["funnel-backfills", funnelId] }),
  });
  const running = runs.data?.backfills.some((b) => b.status === "running") ?? false;
  const done = start.isSuccess && !running && runs.data?.backfills.some((b) => b.id === start.data.id);
  // Once the run this page started is done, the report shows the days it counted.
  useEffect(() => {
    if (done) void queries.invalidateQueries({ queryKey: ["funnel-report", funnelId] });
  }, [done, funnelId, queries]);
  return (
    <section className="backfill" aria-labelledby="backfill-title">
      <h2 id="backfill-title">Earlier days</h2>
      <p className="muted">
        Count the days before {countsFrom} from the exported events (the export must have been on then). Each day is
        counted once; entries begun then have no breakdown values.
      </p>
      {runs.data && runs.data.backfills.length > 0 && (
        <ul className="backfill-runs">
          {runs.data.backfills.map((b) => (
            <li key={b.id}>
              {b.from} to {b.to}: {b.status === "done" ? "counted" : `counting (at ${b.cursor ?? "the end"})`} —{" "}
              {count(b.files)} files, {count(b.events)} events, {count(b.entries)} entries
            </li>
          ))}
        </ul>
      )}
      <div className="filters">
        <label>
          Count from <input type="date" value={from} max={countsFrom} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <button type="button" disabled={start.isPending} onClick={() => start.mutate()}>
          Count earlier days
        </button>
      </div>
      {start.error && (
        <p className="error" role="alert">
          {start.error.message}
        </p>
      )}
      {done && <p role="status">Counted: the report includes those days.</p>}
    </section>
  );
}
