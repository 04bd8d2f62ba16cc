import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { type ApiError, ok } from "../api/client";
import { When } from "../components/Format";
import { JsonEditor, parseJson } from "../components/JsonEditor";
import { PageHeader, QueryView } from "../components/States";
import { useAppInfo } from "../components/Shell";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";

function IdentityKeys() {
  const api = useApi();
  const keys = useQuery({ queryKey: ["identity-keys"], queryFn: () => ok(api.GET("/admin/app/identity-keys")) });
  return (
    <section className="card" aria-labelledby="idk-h">
      <h2 id="idk-h">Identity verification keys</h2>
      <QueryView query={keys} what="identity keys">
        {(r) => {
          const list =
            (r as unknown as { keys: { id: string; alg: string; label?: string | null; createdAt: string | number }[] })
              .keys ?? [];
          return list.length === 0 ? (
            <p className="muted">
              No keys: user tokens cannot be verified until your backend's secret or public key is registered (POST
              /admin/app/identity-keys).
            </p>
          ) : (
            <ul>
              {list.map((k) => (
                <li key={k.id}>
                  <code>{k.id}</code> {k.alg} {k.label ?? ""}{" "}
                  <span className="muted">
                    created <When at={k.createdAt} />
                  </span>
                </li>
              ))}
            </ul>
          );
        }}
      </QueryView>
    </section>
  );
}

export default function Settings() {
  const api = useApi();
  const gate = useGate("editSettings");
  const queries = useQueryClient();
  const app = useAppInfo();
  const [text, setText] = useState("");
  const [parseError, setParseError] = useState<SyntaxError | null>(null);
  useEffect(() => {
    if (app.data) setText(JSON.stringify(app.data.settings, null, 2));
  }, [app.data]);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) => ok(api.PATCH("/admin/app/settings", { body: body as never })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["app"] }),
  });
  return (
    <>
      <PageHeader title="Settings" />
      <QueryView query={app} what="app settings">
        {(a) => (
          <section className="card" aria-labelledby="settings-h">
            <h2 id="settings-h">App settings</h2>
            <p className="muted">
              App <code>{a.appId}</code> · config version {a.configVersion}. Lifecycle thresholds, frequency caps, quiet
              hours, identity verification and in-app limits; saving merges into the current settings.
            </p>
            <JsonEditor
              label="Settings (JSON)"
              value={text}
              onChange={setText}
              rows={20}
              error={parseError ?? (save.error as ApiError | null)}
            />
            <div className="actions">
              <button
                type="button"
                disabled={save.isPending || gate.disabled}
                title={gate.title}
                onClick={() => {
                  try {
                    setParseError(null);
                    save.mutate(parseJson(text) as Record<string, unknown>);
                  } catch (e) {
                    setParseError(e as SyntaxError);
                  }
                }}
              >
                Save settings
              </button>
              {save.isSuccess && <span role="status">Saved.</span>}
            </div>
          </section>
        )}
      </QueryView>
      <IdentityKeys />
    </>
  );
}
