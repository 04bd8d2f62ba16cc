import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { type ApiError, ok } from "../api/client";
import { count } from "../components/Format";
import { ConditionBuilder } from "../conditions/ConditionBuilder";
import { EmptyState, PageHeader, QueryView } from "../components/States";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";

const SAMPLE = {
  name: "Active repeat buyers",
  filter: {
    type: "and",
    filters: [
      { type: "lifecycle", in: ["active"] },
      { type: "counter", counter: "purchases", op: "gte", value: 2 },
    ],
  },
};

/** The live answer while the filter is edited: a count (or bounds) and who matches. */
function LivePreview({ value }: { value: unknown }) {
  const api = useApi();
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), 400);
    return () => clearTimeout(t);
  }, [value]);
  const filter = debounced && typeof debounced === "object" ? (debounced as Record<string, unknown>) : undefined;
  const preview = useQuery({
    queryKey: ["segment-preview", filter],
    enabled: !!filter,
    queryFn: () => ok(api.POST("/admin/segments/preview", { body: { filter: filter! } })),
  });
  if (!filter) return <p className="muted">The preview appears once the segment has a condition.</p>;
  return (
    <div className="live-preview" aria-live="polite">
      <QueryView query={preview} what="preview">
        {(p) => (
          <>
            <p>
              <strong>{p.exact ? count(p.count) : `${count(p.bounds.min)}–${count(p.bounds.max)}`}</strong> of{" "}
              {count(p.total)} people match
              {p.exact
                ? ""
                : ` (between the bounds: ${p.estimated.join(", ")} is evaluated by each person's object once saved)`}
              .
            </p>
            {p.sample.length > 0 && <p className="muted">For example: {p.sample.map((s) => s.userId).join(", ")}</p>}
          </>
        )}
      </QueryView>
    </div>
  );
}

function ProblemList({ error }: { error: ApiError }) {
  return (
    <div className="error" role="alert">
      <p>{error.message}</p>
      {error.problems.length > 0 && (
        <ul>
          {error.problems.map((p) => (
            <li key={p.field + p.message}>
              <code>{p.field}</code>: {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function SegmentCount({ id }: { id: string }) {
  const api = useApi();
  const c = useQuery({
    queryKey: ["segment-count", id],
    queryFn: async () =>
      (await ok(api.GET("/admin/segments/{segmentId}/count", { params: { path: { segmentId: id } } }))) as unknown as {
        count?: number;
        users?: number;
      },
  });
  return <span>{c.data ? count(c.data.count ?? c.data.users) : "…"}</span>;
}

export default function Segments() {
  const api = useApi();
  const gate = useGate("editSegments");
  const queries = useQueryClient();
  const list = useQuery({ queryKey: ["segments"], queryFn: () => ok(api.GET("/admin/segments")) });
  const [name, setName] = useState(SAMPLE.name);
  const [filter, setFilter] = useState<unknown>(SAMPLE.filter);
  const create = useMutation({
    mutationFn: (body: { name: string; filter: Record<string, unknown> }) => ok(api.POST("/admin/segments", { body })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["segments"] }),
  });
  return (
    <>
      <PageHeader title="Segments" />
      <QueryView query={list} what="segments">
        {(r) => {
          const segments = (
            r as unknown as { segments: { id: string; name: string; description: string; version: number }[] }
          ).segments;
          return segments.length === 0 ? (
            <EmptyState title="No saved segments">
              <p>
                A segment is a saved audience in the segment language; campaigns can trigger on entering it or target
                it. Write one below.
              </p>
            </EmptyState>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Saved segments</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Description</th>
                  <th scope="col">People</th>
                  <th scope="col">Version</th>
                </tr>
              </thead>
              <tbody>
                {segments.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{s.name}</th>
                    <td>{s.description || "–"}</td>
                    <td>
                      <SegmentCount id={s.id} />
                    </td>
                    <td>v{s.version}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </QueryView>
      <section className="card" aria-labelledby="new-seg-h">
        <h2 id="new-seg-h">New segment</h2>
        <label htmlFor="seg-name">Name</label>
        <input id="seg-name" value={name} onChange={(e) => setName(e.target.value)} />
        <ConditionBuilder label="Who is in the segment" dialect="segment" value={filter} onChange={setFilter} />
        <LivePreview value={filter} />
        {create.error && <ProblemList error={create.error as ApiError} />}
        <div className="actions">
          <button
            type="button"
            disabled={create.isPending || gate.disabled}
            title={gate.title}
            onClick={() => create.mutate({ name, filter: filter as Record<string, unknown> })}
          >
            Save segment
          </button>
        </div>
      </section>
    </>
  );
}
