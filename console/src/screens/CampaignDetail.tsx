import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { type ApiError, ok } from "../api/client";
import type { paths } from "../../../openapi/beckon";
import { count, percent, StatusBadge, When } from "../components/Format";
import { CampaignEditor } from "../journey/CampaignEditor";
import type { Definition as JourneyDefinition } from "../journey/model";
import { PageHeader, QueryView } from "../components/States";
import { LiveEstimate } from "../campaign/AudienceEstimate";
import { VersionHistory } from "../campaign/VersionHistory";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";
import { CampaignOverTime } from "../components/CampaignOverTime";
import { SuppressionsByReason } from "../campaign/Suppressions";

type Definition = paths["/admin/campaigns/{id}"]["put"]["requestBody"]["content"]["application/json"];
const FUNNEL = ["entered", "sent", "delivered", "impression", "opened", "clicked", "converted"] as const;
const OUTCOMES = ["suppressed", "failed", "bounced", "dismissed", "answered"] as const;

interface Interval {
  low: number;
  high: number;
}
/** GET /admin/campaigns/{id}/stats (src/domain/campaigns/campaign-report.ts). */
interface Stats {
  confidence: number;
  variants: {
    variant: string;
    counts: Record<(typeof FUNNEL)[number] | (typeof OUTCOMES)[number], number>;
    conversionRate: number | null;
    uplift: {
      absoluteUplift: number | null;
      relativeUplift: number | null;
      ci: Interval | null;
      significant: boolean;
    } | null;
  }[];
  control: { entered: number; converted: number; conversionRate: number | null } | null;
}

function Report({ id }: { id: string }) {
  const api = useApi();
  const stats = useQuery({
    queryKey: ["campaign-stats", id],
    queryFn: async () =>
      (await ok(api.GET("/admin/campaigns/{id}/stats", { params: { path: { id }, query: {} } }))) as unknown as Stats,
  });
  return (
    <QueryView query={stats} what="campaign report">
      {(s) => {
        if (!s.variants.length && !s.control) return <p className="muted">No one has entered this campaign yet.</p>;
        const withUplift = s.variants.filter((v) => v.uplift);
        return (
          <>
            <table className="table funnel">
              <caption>
                Funnel per variant; the control group gets no message and its conversions are the baseline
              </caption>
              <thead>
                <tr>
                  <th scope="col">Variant</th>
                  {FUNNEL.map((k) => (
                    <th key={k} scope="col">
                      {k}
                    </th>
                  ))}
                  <th scope="col">conversion rate</th>
                </tr>
              </thead>
              <tbody>
                {s.variants.map((v) => (
                  <tr key={v.variant}>
                    <th scope="row">{v.variant}</th>
                    {FUNNEL.map((k) => (
                      <td key={k}>{count(v.counts[k])}</td>
                    ))}
                    <td>{percent(v.conversionRate)}</td>
                  </tr>
                ))}
                {s.control && (
                  <tr>
                    <th scope="row">control</th>
                    <td>{count(s.control.entered)}</td>
                    {FUNNEL.slice(1, -1).map((k) => (
                      <td key={k} className="muted">
                        –
                      </td>
                    ))}
                    <td>{count(s.control.converted)}</td>
                    <td>{percent(s.control.conversionRate)}</td>
                  </tr>
                )}
              </tbody>
            </table>
            <p className="muted">
              Other outcomes:{" "}
              {OUTCOMES.map((k) => `${k} ${count(s.variants.reduce((n, v) => n + v.counts[k], 0))}`).join(" · ")}
            </p>
            {withUplift.length > 0 && (
              <table className="table">
                <caption>
                  Conversion uplift versus control ({Math.round(s.confidence * 100)}% confidence interval, Newcombe)
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Variant</th>
                    <th scope="col">absolute</th>
                    <th scope="col">relative</th>
                    <th scope="col">interval</th>
                    <th scope="col">significant</th>
                  </tr>
                </thead>
                <tbody>
                  {withUplift.map((v) => (
                    <tr key={v.variant}>
                      <th scope="row">{v.variant}</th>
                      <td>{percent(v.uplift!.absoluteUplift)}</td>
                      <td>{percent(v.uplift!.relativeUplift)}</td>
                      <td>{v.uplift!.ci ? `${percent(v.uplift!.ci.low)} to ${percent(v.uplift!.ci.high)}` : "–"}</td>
                      <td>{v.uplift!.significant ? "yes" : "no"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <CampaignOverTime id={id} />
            <SuppressionsByReason id={id} />
          </>
        );
      }}
    </QueryView>
  );
}

export default function CampaignDetail() {
  const { id = "" } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const campaign = useQuery({
    queryKey: ["campaign", id],
    queryFn: () => ok(api.GET("/admin/campaigns/{id}", { params: { path: { id } } })),
  });
  const [definition, setDefinition] = useState<JourneyDefinition | null>(null);
  const gate = useGate("editCampaigns");
  // An activation over the approval threshold waits (202): say so on the campaign.
  const pending = useQuery({
    queryKey: ["approvals", "pending"],
    queryFn: () => ok(api.GET("/admin/approvals", { params: { query: { status: "pending" } } })),
  });
  const waiting = pending.data?.approvals.find((a) => a.campaignId === id);
  useEffect(() => {
    if (campaign.data) setDefinition(structuredClone(campaign.data.definition) as unknown as JourneyDefinition);
  }, [campaign.data]);
  const refresh = () =>
    Promise.all([
      queries.invalidateQueries({ queryKey: ["campaign", id] }),
      queries.invalidateQueries({ queryKey: ["campaigns"] }),
    ]);
  const save = useMutation({
    mutationFn: (body: Definition) => ok(api.PUT("/admin/campaigns/{id}", { params: { path: { id } }, body })),
    onSuccess: refresh,
  });
  const act = useMutation({
    mutationFn: (action: "activate" | "pause" | "archive") =>
      ok(api.POST(`/admin/campaigns/{id}/${action}` as "/admin/campaigns/{id}/activate", { params: { path: { id } } })),
    onSuccess: () => Promise.all([refresh(), queries.invalidateQueries({ queryKey: ["approvals"] })]),
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/admin/campaigns/{id}", { params: { path: { id } } })),
    onSuccess: async () => (await refresh(), navigate("/campaigns")),
  });
  const duplicate = useMutation({
    mutationFn: (body: Definition) =>
      ok(api.POST("/admin/campaigns", { body: { ...body, name: `${body.name} (copy)` } })),
    onSuccess: async (c) => (await refresh(), navigate(`/campaigns/${encodeURIComponent(c.id)}`)),
  });

  return (
    <QueryView query={campaign} what="campaign">
      {(c) => (
        <>
          <PageHeader title={c.name}>
            <StatusBadge status={c.status} />
            {waiting && (
              <span className="badge badge-pending">
                pending approval (v{waiting.campaignVersion}, requested by {waiting.requestedBy})
              </span>
            )}
            {c.status !== "active" && c.status !== "archived" && (
              <button
                type="button"
                onClick={() => act.mutate("activate")}
                disabled={act.isPending || gate.disabled}
                title={gate.title}
              >
                Activate
              </button>
            )}
            {c.status === "active" && (
              <button
                type="button"
                onClick={() => act.mutate("pause")}
                disabled={act.isPending || gate.disabled}
                title={gate.title}
              >
                Pause
              </button>
            )}
            {c.status !== "archived" && c.status !== "draft" && (
              <button
                type="button"
                onClick={() => act.mutate("archive")}
                disabled={act.isPending || gate.disabled}
                title={gate.title}
              >
                Archive
              </button>
            )}
            <button
              type="button"
              onClick={() => duplicate.mutate(c.definition as Definition)}
              disabled={duplicate.isPending || gate.disabled}
              title={gate.title}
            >
              Duplicate
            </button>
            {c.status === "draft" && (
              <button
                type="button"
                className="danger"
                onClick={() =>
                  window.confirm(`Delete the draft “${c.name}”? This cannot be undone.`) && remove.mutate()
                }
                disabled={remove.isPending || gate.disabled}
                title={gate.title}
              >
                Delete draft
              </button>
            )}
          </PageHeader>
          {[act.error, remove.error, duplicate.error].filter(Boolean).map((e) => (
            <p key={(e as Error).message} className="error" role="alert">
              {(e as Error).message}
            </p>
          ))}
          {waiting && (
            <p role="status">
              Activation is waiting for approval: the estimated audience (up to {waiting.audience}) is over{" "}
              {waiting.threshold}. <Link to="/approvals">Approvals</Link>
            </p>
          )}
          <p className="muted">
            Version {c.version} · trigger <code>{c.definition.trigger.type}</code> · updated <When at={c.updatedAt} /> ·{" "}
            <Link to="/campaigns">all campaigns</Link>
          </p>

          <section aria-labelledby="report-h" className="card">
            <h2 id="report-h">Report</h2>
            <Report id={id} />
          </section>

          <section aria-labelledby="def-h" className="card">
            <h2 id="def-h">Definition</h2>
            {definition && (
              <CampaignEditor definition={definition} onChange={setDefinition} error={save.error as ApiError | null} />
            )}
            {definition && <LiveEstimate definition={definition} />}
            <div className="actions">
              <button
                type="button"
                disabled={save.isPending || !definition || gate.disabled}
                title={gate.title}
                onClick={() => definition && save.mutate(definition as unknown as Definition)}
              >
                {save.isPending ? "Saving…" : "Save new version"}
              </button>
              {save.isSuccess && <span role="status">Saved as version {save.data.version}.</span>}
            </div>
          </section>

          <section aria-labelledby="versions-h" className="card">
            <h2 id="versions-h">Version history</h2>
            {/* a new version resets the comparison to the two latest */}
            <VersionHistory key={c.version} id={id} versions={c.versions} />
          </section>
        </>
      )}
    </QueryView>
  );
}
