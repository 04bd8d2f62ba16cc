import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import templates from "../../../demo/campaigns.json";
import { type ApiError, ok } from "../api/client";
import type { paths } from "../../../openapi/beckon";
import { PageHeader } from "../components/States";
import { CampaignEditor } from "../journey/CampaignEditor";
import type { Definition as JourneyDefinition } from "../journey/model";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";

type Definition = paths["/admin/campaigns"]["post"]["requestBody"]["content"]["application/json"];

const BLANK = {
  name: "New campaign",
  trigger: { type: "event", event: "Signed Up" },
  steps: [
    { type: "message", id: "hello", channels: ["push"], content: { push: { title: "Hello", body: "Welcome!" } } },
  ],
};

/** A new draft from a template of each use case of the brief, or from scratch. */
export default function CampaignNew() {
  const api = useApi();
  const gate = useGate("editCampaigns");
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [definition, setDefinition] = useState<JourneyDefinition>(BLANK as unknown as JourneyDefinition);
  // A template replaces the editor's content; the key resets its view (tab, selection).
  const [generation, setGeneration] = useState(0);
  const create = useMutation({
    mutationFn: (body: Definition) => ok(api.POST("/admin/campaigns", { body })),
    onSuccess: (c) => {
      void queries.invalidateQueries({ queryKey: ["campaigns"] });
      navigate(`/campaigns/${encodeURIComponent(c.id)}`);
    },
  });
  const save = () => create.mutate(definition as unknown as Definition);
  return (
    <>
      <PageHeader title="New campaign" />
      <section aria-labelledby="templates-h">
        <h2 id="templates-h">Start from a template</h2>
        <ul className="template-list">
          {templates.map((t) => (
            <li key={t.definition.name}>
              <button
                type="button"
                onClick={() => (
                  setDefinition(structuredClone(t.definition) as unknown as JourneyDefinition),
                  setGeneration((g) => g + 1)
                )}
              >
                <strong>{t.definition.name}</strong>{" "}
                <span className="muted">
                  {t.useCase} · {t.definition.trigger.type} trigger
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <CampaignEditor
        key={generation}
        definition={definition}
        onChange={setDefinition}
        error={create.error as ApiError | null}
      />
      <div className="actions">
        <button type="button" onClick={save} disabled={create.isPending || gate.disabled} title={gate.title}>
          {create.isPending ? "Saving…" : "Save as draft"}
        </button>
      </div>
    </>
  );
}
