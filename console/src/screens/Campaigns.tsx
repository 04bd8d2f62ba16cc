import { useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { ok } from "../api/client";
import { count, StatusBadge, When } from "../components/Format";
import { EmptyState, PageHeader, QueryView } from "../components/States";
import { SavedEstimate } from "../campaign/AudienceEstimate";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";

const STATUSES = ["draft", "active", "paused", "archived"] as const;
type Status = (typeof STATUSES)[number];

/** Headline numbers of one campaign (entered, sent, converted), loaded per row. */
function Headline({ id }: { id: string }) {
  const api = useApi();
  const stats = useQuery({
    queryKey: ["campaign-stats", id],
    queryFn: async () =>
      (await ok(api.GET("/admin/campaigns/{id}/stats", { params: { path: { id }, query: {} } }))) as unknown as {
        totals?: { entered: number; sent: number; converted: number };
      },
  });
  const total = stats.data?.totals;
  if (!total) return <span className="muted">–</span>;
  return (
    <span>
      {count(total.entered)} entered · {count(total.sent)} sent · {count(total.converted)} converted
    </span>
  );
}

export default function Campaigns() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const status = STATUSES.includes(params.get("status") as Status) ? (params.get("status") as Status) : undefined;
  const gate = useGate("editCampaigns");
  const list = useQuery({
    queryKey: ["campaigns", status],
    queryFn: () => ok(api.GET("/admin/campaigns", { params: { query: status ? { status } : {} } })),
  });
  return (
    <>
      <PageHeader title="Campaigns">
        {gate.disabled ? (
          <button type="button" disabled title={gate.title}>
            New campaign
          </button>
        ) : (
          <Link className="button" to="/campaigns/new">
            New campaign
          </Link>
        )}
      </PageHeader>
      <div className="filters" role="group" aria-label="Filter by status">
        {[undefined, ...STATUSES].map((s) => (
          <button
            key={s ?? "all"}
            type="button"
            aria-pressed={s === status}
            onClick={() => setParams(s ? { status: s } : {})}
          >
            {s ?? "all"}
          </button>
        ))}
      </div>
      <QueryView query={list} what="campaigns">
        {({ campaigns }) =>
          campaigns.length === 0 ? (
            <EmptyState title={status ? `No ${status} campaigns` : "No campaigns yet"}>
              <p>
                A campaign is a trigger, an audience, a journey of steps and a goal.{" "}
                <Link to="/campaigns/new">Create the first one</Link> from a template: onboarding, cart abandonment,
                win-back…
              </p>
            </EmptyState>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Campaigns</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Version</th>
                  <th scope="col">Results</th>
                  <th scope="col">Audience</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {campaigns.map((c) => (
                  <tr key={c.id}>
                    <th scope="row">
                      <Link to={`/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                    </th>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                    <td>{c.definition.trigger.type}</td>
                    <td>v{c.version}</td>
                    <td>
                      <Headline id={c.id} />
                    </td>
                    <td>
                      <SavedEstimate id={c.id} />
                    </td>
                    <td>
                      <When at={c.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </>
  );
}
