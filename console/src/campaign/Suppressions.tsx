import { useQuery } from "@tanstack/react-query";
import { ok } from "../api/client";
import { BarList } from "../components/Bars";
import { count } from "../components/Format";
import { QueryView } from "../components/States";
import { useApi } from "../session";

/** Why the campaign did not send, per reason over the last 30 days (GET /admin/campaigns/{id}/suppressions). */
export function SuppressionsByReason({ id }: { id: string }) {
  const api = useApi();
  const q = useQuery({
    queryKey: ["campaign-suppressions", id],
    queryFn: () => ok(api.GET("/admin/campaigns/{id}/suppressions", { params: { path: { id }, query: {} } })),
  });
  return (
    <section className="suppressions" aria-labelledby={`supp-${id}`}>
      <h3 id={`supp-${id}`}>Not sent, by reason (30 days)</h3>
      <QueryView query={q} what="suppressions by reason">
        {(s) =>
          s.total === 0 ? (
            <p className="muted">Nothing held back: everyone who entered was sent to, or no one has entered yet.</p>
          ) : (
            <>
              <BarList
                label={`${count(s.total)} decisions not to send, by reason (share of all)`}
                rows={s.reasons.map((r) => ({ label: r.label, value: r.n, of: s.total }))}
              />
              <p className="muted">Each decision, with its full reason, is also on the person's timeline (People).</p>
            </>
          )
        }
      </QueryView>
    </section>
  );
}
