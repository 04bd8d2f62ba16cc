import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { type ApiError, ok } from "../../api/client";
import { FilterInputs } from "../../conditions/ConditionRow";
import type { Filter } from "../../conditions/model";
import { EmptyState, PageHeader, QueryView } from "../../components/States";
import { useApi } from "../../session";

interface StepDraft {
  event: string;
  where: Filter[];
}
const MAX_STEPS = 8;

function FunnelForm() {
  const api = useApi();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("Browse to purchase");
  const [steps, setSteps] = useState<StepDraft[]>([
    { event: "Product Viewed", where: [] },
    { event: "Product Added", where: [] },
    { event: "Order Completed", where: [] },
  ]);
  const [windowHours, setWindowHours] = useState(168);
  const [sameProperty, setSameProperty] = useState("");
  const create = useMutation({
    mutationFn: () =>
      ok(
        api.POST("/admin/funnels", {
          body: {
            name,
            steps: steps.map((s) => ({ event: s.event, where: s.where as unknown as Record<string, unknown>[] })),
            windowHours,
            ...(sameProperty ? { sameProperty } : {}),
          },
        }),
      ),
    onSuccess: (f) => {
      queries.invalidateQueries({ queryKey: ["funnels"] });
      navigate(`/analytics/funnels/${(f as { id: string }).id}`);
    },
  });
  const setStep = (i: number, s: StepDraft) => setSteps(steps.map((x, j) => (j === i ? s : x)));
  const problems = (create.error as ApiError | null)?.problems ?? [];
  return (
    <section className="card" aria-labelledby="new-funnel-h">
      <h2 id="new-funnel-h">New funnel</h2>
      <p className="muted">A funnel counts from when it is defined: events before that are not in it.</p>
      <div className="form-grid">
        <label>
          Funnel name <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Conversion window (hours){" "}
          <input
            type="number"
            min={1}
            max={2160}
            value={windowHours}
            onChange={(e) => setWindowHours(Number(e.target.value))}
          />
        </label>
        <label>
          Same property on every step (optional){" "}
          <input value={sameProperty} placeholder="cart_id" onChange={(e) => setSameProperty(e.target.value)} />
        </label>
      </div>
      <ol className="funnel-steps">
        {steps.map((s, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: steps are identified by their place
          <li key={i} className="cond-row">
            <label>
              Step {i + 1} event <input value={s.event} onChange={(e) => setStep(i, { ...s, event: e.target.value })} />
            </label>
            {s.where.map((f, k) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: filters are identified by their place
              <span key={k} className="cond-where">
                <span>where</span>
                <FilterInputs
                  what={`Step ${i + 1} filter ${k + 1}`}
                  filter={f}
                  onChange={(nf) => setStep(i, { ...s, where: s.where.map((x, j) => (j === k ? nf : x)) })}
                />
              </span>
            ))}
            <button
              type="button"
              className="cond-link"
              onClick={() => setStep(i, { ...s, where: [...s.where, { property: "", op: "eq", value: "" }] })}
            >
              Add filter to step {i + 1}
            </button>
            {steps.length > 2 && (
              <button type="button" className="cond-link" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>
                Remove step {i + 1}
              </button>
            )}
          </li>
        ))}
      </ol>
      {create.error && (
        <div className="error" role="alert">
          <p>{create.error.message}</p>
          {problems.length > 0 && (
            <ul>
              {problems.map((p) => (
                <li key={p.field + p.message}>
                  <code>{p.field}</code>: {p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="actions">
        {steps.length < MAX_STEPS && (
          <button type="button" onClick={() => setSteps([...steps, { event: "", where: [] }])}>
            Add step
          </button>
        )}
        <button type="button" disabled={create.isPending} onClick={() => create.mutate()}>
          Save funnel
        </button>
      </div>
    </section>
  );
}

export function Funnels() {
  const api = useApi();
  const list = useQuery({ queryKey: ["funnels"], queryFn: () => ok(api.GET("/admin/funnels")) });
  return (
    <>
      <PageHeader title="Funnels" />
      <QueryView query={list} what="funnels">
        {(r) => {
          const funnels = (
            r as unknown as { funnels: { id: string; name: string; steps: unknown[]; countsFrom: string }[] }
          ).funnels;
          return funnels.length === 0 ? (
            <EmptyState title="No funnels yet">
              <p>
                Define one below: 2–8 events in order. A funnel counts from when it is defined, so define it before the
                traffic you want to measure.
              </p>
            </EmptyState>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Funnels</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Steps</th>
                  <th scope="col">Counting since</th>
                </tr>
              </thead>
              <tbody>
                {funnels.map((f) => (
                  <tr key={f.id}>
                    <th scope="row">
                      <Link to={`/analytics/funnels/${f.id}`}>{f.name}</Link>
                    </th>
                    <td>{f.steps.length}</td>
                    <td>{f.countsFrom}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </QueryView>
      <FunnelForm />
    </>
  );
}
