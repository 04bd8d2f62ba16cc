import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ok } from "../api/client";
import { count, When } from "../components/Format";
import { EmptyState, PageHeader, QueryView } from "../components/States";
import { useApi } from "../session";

export default function People() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const [draft, setDraft] = useState(q);
  const inputId = useId();
  const people = useQuery({
    queryKey: ["people", q],
    queryFn: () => ok(api.GET("/admin/users", { params: { query: q ? { q, limit: 50 } : { limit: 50 } } })),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Searching again for the same text asks the server again (new people arrive all the time).
    if (draft.trim() === q) void people.refetch();
    else setParams(draft.trim() ? { q: draft.trim() } : {});
  };
  return (
    <>
      <PageHeader title="People" />
      <form className="search" role="search" onSubmit={submit}>
        <label htmlFor={inputId}>User id, email or phone</label>
        <input
          id={inputId}
          type="search"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="ada, ada@example.com, +15550100"
        />
        <button type="submit">Search</button>
      </form>
      <QueryView query={people} what="people">
        {({ people: list }) =>
          list.length === 0 ? (
            <EmptyState title={q ? `No one matches “${q}”` : "No people yet"}>
              <p>
                {q
                  ? "Search matches the start of a user id, or an exact email or phone number Beckon has sent to."
                  : "People appear here once your app sends their first event."}
              </p>
            </EmptyState>
          ) : (
            <table className="table">
              <caption>{q ? `People matching “${q}”` : "Most recently seen"}</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Lifecycle</th>
                  <th scope="col">RFM</th>
                  <th scope="col">Churn risk</th>
                  <th scope="col">Purchases</th>
                  <th scope="col">Last seen</th>
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.userId + p.anonymous}>
                    <th scope="row">
                      <Link to={`/people/${encodeURIComponent(p.userId)}${p.anonymous ? "?anonymous=true" : ""}`}>
                        {p.userId}
                      </Link>
                      {p.anonymous && <span className="muted"> (anonymous)</span>}
                    </th>
                    <td>
                      {p.lifecycle}
                      {p.loyal ? " · loyal" : ""}
                    </td>
                    <td>{p.rfmSegment ?? "–"}</td>
                    <td>{p.churnBand ?? "–"}</td>
                    <td>{count(p.purchases)}</td>
                    <td>
                      <When at={p.lastSeen} />
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
