import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { ok } from "../api/client";
import { count, When } from "../components/Format";
import { EmptyState, PageHeader, QueryView } from "../components/States";
import { useGate, useMe } from "../roles/permissions";
import { useApi } from "../session";

/**
 * Pending approvals (settings.approvals): an activation over the audience threshold waits here for
 * a person with the approver right other than the requester. The server enforces both; its
 * refusal is shown as it says it.
 */
export default function Approvals() {
  const api = useApi();
  const queries = useQueryClient();
  const me = useMe();
  const gate = useGate("approve");
  const list = useQuery({
    queryKey: ["approvals", "pending"],
    queryFn: () => ok(api.GET("/admin/approvals", { params: { query: { status: "pending" } } })),
  });
  const campaigns = useQuery({
    queryKey: ["campaigns", undefined],
    queryFn: () => ok(api.GET("/admin/campaigns", { params: { query: {} } })),
  });
  const nameOf = (id: string) => campaigns.data?.campaigns.find((c) => c.id === id)?.name ?? id;
  const decide = useMutation({
    mutationFn: ({ id, verdict }: { id: string; verdict: "approve" | "reject" }) =>
      ok(
        api.POST(`/admin/approvals/{id}/${verdict}` as "/admin/approvals/{id}/approve", {
          params: { path: { id } },
          body: {},
        }),
      ),
    onSuccess: () =>
      Promise.all([
        queries.invalidateQueries({ queryKey: ["approvals"] }),
        queries.invalidateQueries({ queryKey: ["campaigns"] }),
        queries.invalidateQueries({ queryKey: ["campaign"] }),
      ]),
  });
  return (
    <>
      <PageHeader title="Approvals" />
      <p className="muted">
        Activations whose estimated audience is over the app's threshold wait for someone with the approver right — not
        the person who asked.
      </p>
      {decide.error && (
        <p className="error" role="alert">
          {decide.error.message}
        </p>
      )}
      {decide.isSuccess && (
        <p role="status">
          {decide.data.approval.status === "approved" ? "Approved: the campaign is active." : "Rejected."}
        </p>
      )}
      <QueryView query={list} what="approvals">
        {({ approvals }) =>
          approvals.length === 0 ? (
            <EmptyState title="Nothing waits for approval">
              <p>Requests appear here when an activation needs a second person.</p>
            </EmptyState>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Pending approvals</caption>
              <thead>
                <tr>
                  <th scope="col">Campaign</th>
                  <th scope="col">Action</th>
                  <th scope="col">Audience</th>
                  <th scope="col">Requested by</th>
                  <th scope="col">Requested</th>
                  <th scope="col">Decision</th>
                </tr>
              </thead>
              <tbody>
                {approvals.map((a) => {
                  const own = me.data?.identity === a.requestedBy;
                  const title = gate.title ?? (own ? "You asked for this: another approver must decide" : undefined);
                  return (
                    <tr key={a.id}>
                      <th scope="row">
                        <Link to={`/campaigns/${encodeURIComponent(a.campaignId)}`}>{nameOf(a.campaignId)}</Link> v
                        {a.campaignVersion}
                      </th>
                      <td>{a.action}</td>
                      <td>
                        up to {count(a.audience)} (threshold {count(a.threshold)})
                      </td>
                      <td>{a.requestedBy}</td>
                      <td>
                        <When at={a.requestedAt} />
                      </td>
                      <td className="actions">
                        {(["approve", "reject"] as const).map((verdict) => (
                          <button
                            key={verdict}
                            type="button"
                            className={verdict === "reject" ? "danger" : undefined}
                            disabled={gate.disabled || decide.isPending}
                            title={title}
                            onClick={() => decide.mutate({ id: a.id, verdict })}
                          >
                            {verdict === "approve" ? "Approve" : "Reject"}
                          </button>
                        ))}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </>
  );
}
