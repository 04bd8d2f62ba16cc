import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { ok } from "../api/client";
import { StatusBadge, When } from "../components/Format";
import { EmptyState, PageHeader, QueryView } from "../components/States";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";

type SendStatus = "queued" | "sending" | "unknown" | "sent" | "delivered" | "opened" | "clicked" | "failed" | "bounced";
const STATUSES: SendStatus[] = [
  "queued",
  "sending",
  "sent",
  "delivered",
  "opened",
  "clicked",
  "failed",
  "bounced",
  "unknown",
];

function SendsLog() {
  const api = useApi();
  const [status, setStatus] = useState<SendStatus | "">("");
  const [pages, setPages] = useState<string[]>([]);
  const cursor = pages.at(-1);
  const sends = useQuery({
    queryKey: ["sends", { status, cursor }],
    queryFn: () =>
      ok(
        api.GET("/admin/sends", {
          params: { query: { limit: 50, ...(status ? { status } : {}), ...(cursor ? { before: cursor } : {}) } },
        }),
      ),
  });
  return (
    <section className="card" aria-labelledby="log-h">
      <h2 id="log-h">Sends</h2>
      <label htmlFor="send-status">Status</label>{" "}
      <select
        id="send-status"
        value={status}
        onChange={(e) => (setStatus(e.target.value as SendStatus | ""), setPages([]))}
      >
        <option value="">any</option>
        {STATUSES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <QueryView query={sends} what="sends">
        {(r) =>
          r.sends.length === 0 ? (
            <p className="muted">No sends{status ? ` with status ${status}` : ""} yet.</p>
          ) : (
            <>
              <table className="table">
                <caption className="visually-hidden">Sends, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Person</th>
                    <th scope="col">Campaign</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Provider</th>
                    <th scope="col">Status</th>
                    <th scope="col">Attempts</th>
                  </tr>
                </thead>
                <tbody>
                  {r.sends.map((s) => (
                    <tr key={s.idempotencyKey}>
                      <td>
                        <When at={s.createdAt} />
                      </td>
                      <td>
                        <Link to={`/people/${encodeURIComponent(s.userId)}`}>{s.userId}</Link>
                      </td>
                      <td>
                        <Link to={`/campaigns/${encodeURIComponent(s.campaignId)}`}>{s.campaignId}</Link>
                      </td>
                      <td>{s.channel}</td>
                      <td>{s.provider}</td>
                      <td>
                        <StatusBadge status={s.status} />
                        {s.error && <span className="muted"> {s.error}</span>}
                      </td>
                      <td>{s.attempts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div className="actions">
                {pages.length > 0 && (
                  <button type="button" onClick={() => setPages(pages.slice(0, -1))}>
                    Newer
                  </button>
                )}
                {r.next && (
                  <button type="button" onClick={() => setPages([...pages, r.next!])}>
                    Older
                  </button>
                )}
              </div>
            </>
          )
        }
      </QueryView>
    </section>
  );
}

function DeadLetters() {
  const api = useApi();
  const gate = useGate("replayDeadLetters");
  const queries = useQueryClient();
  const letters = useQuery({
    queryKey: ["dead-letters"],
    queryFn: () => ok(api.GET("/admin/dead-letters", { params: { query: {} } })),
  });
  const replay = useMutation({
    mutationFn: (id: number) => ok(api.POST("/admin/dead-letters/{id}/replay", { params: { path: { id } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["dead-letters"] }),
  });
  return (
    <section className="card" aria-labelledby="dlq-h">
      <h2 id="dlq-h">Dead letters</h2>
      {replay.error && (
        <p className="error" role="alert">
          {(replay.error as Error).message}
        </p>
      )}
      <QueryView query={letters} what="dead letters">
        {(r) => {
          const list = r.deadLetters;
          return list.length === 0 ? (
            <EmptyState title="No dead letters">
              <p>Sends that failed every retry land here, to be replayed once the cause is fixed.</p>
            </EmptyState>
          ) : (
            <table className="table">
              <caption className="visually-hidden">Dead letters</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Person</th>
                  <th scope="col">Campaign</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Error</th>
                  <th scope="col">Replay</th>
                </tr>
              </thead>
              <tbody>
                {list.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <When at={d.createdAt} />
                    </td>
                    <td>{d.userId}</td>
                    <td>{d.campaignId}</td>
                    <td>{d.channel}</td>
                    <td>{d.error}</td>
                    <td>
                      {d.replayedAt ? (
                        <>
                          replayed <When at={d.replayedAt} />
                        </>
                      ) : (
                        <button
                          type="button"
                          onClick={() => replay.mutate(d.id)}
                          disabled={replay.isPending || gate.disabled}
                          title={gate.title}
                        >
                          Replay
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </QueryView>
    </section>
  );
}

export default function Delivery() {
  return (
    <>
      <PageHeader title="Delivery" />
      <SendsLog />
      <DeadLetters />
    </>
  );
}
