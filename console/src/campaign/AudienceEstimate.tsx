import { useQuery } from "@tanstack/react-query";
import type { components } from "../../../openapi/beckon";
import { ok } from "../api/client";
import { count } from "../components/Format";
import { useDebounced } from "../composer/useDebounced";
import { useApi } from "../session";

type Estimate = components["schemas"]["AudienceEstimate"];
type DefinitionInput = components["schemas"]["CampaignDefinitionInput"];

const range = (r: { min: number; max: number }) => (r.min === r.max ? count(r.max) : `${count(r.min)}–${count(r.max)}`);
const ESTIMATED_CHANNELS = ["push", "email", "sms", "whatsapp"] as const;

/** "reach: N people — push X, email Y, SMS Z", for the channels the campaign uses. */
export function reachLine(e: Estimate): string {
  const used = ESTIMATED_CHANNELS.filter((ch) => e.campaignChannels.includes(ch));
  const parts = (used.length ? used : ESTIMATED_CHANNELS).map(
    (ch) => `${ch === "sms" ? "SMS" : ch === "whatsapp" ? "WhatsApp" : ch} ${range(e.channels[ch])}`,
  );
  return `reach: ${range(e.audience)} people — ${parts.join(", ")}`;
}

function EstimateText({ estimate }: { estimate: Estimate }) {
  return (
    <>
      <span>{reachLine(estimate)}</span>
      {estimate.estimated.length > 0 && (
        <span className="muted"> (bounds: the index cannot evaluate {estimate.estimated.join(", ")})</span>
      )}
      {estimate.note && <span className="muted"> — {estimate.note}</span>}
    </>
  );
}

/** The saved campaign's estimate, for the campaigns list. */
export function SavedEstimate({ id }: { id: string }) {
  const api = useApi();
  const q = useQuery({
    queryKey: ["campaign-estimate", id],
    queryFn: () => ok(api.GET("/admin/campaigns/{id}/estimate", { params: { path: { id } } })),
    staleTime: 60_000,
  });
  if (!q.data) return <span className="muted">{q.error ? "no estimate" : "…"}</span>;
  return <span>{reachLine(q.data)}</span>;
}

/** The definition being edited, estimated as the marketer changes it (debounced). */
export function LiveEstimate({ definition }: { definition: unknown }) {
  const api = useApi();
  const settled = useDebounced(definition, 600);
  const q = useQuery({
    queryKey: ["campaign-estimate-draft", settled],
    queryFn: () => ok(api.POST("/admin/campaigns/estimate", { body: settled as DefinitionInput })),
    placeholderData: (prev) => prev,
    retry: false,
  });
  return (
    <p className="estimate" role="status" aria-live="polite">
      <strong>Audience estimate:</strong>{" "}
      {q.data ? (
        <EstimateText estimate={q.data} />
      ) : q.error ? (
        <span className="error">{q.error.message}</span>
      ) : (
        <span className="muted">estimating…</span>
      )}
    </p>
  );
}
