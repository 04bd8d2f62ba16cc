import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { ok } from "../api/client";
import { useApi } from "../session";
import { useDebounced } from "./useDebounced";

/** Choose a real person to preview for: search by user id prefix, email or phone (GET /admin/users?q=). */
export function PersonPicker({ value, onChange }: { value: string | null; onChange(userId: string): void }) {
  const api = useApi();
  const id = useId();
  const [q, setQ] = useState("");
  const settled = useDebounced(q.trim(), 300);
  const found = useQuery({
    queryKey: ["users", "picker", settled],
    queryFn: () => ok(api.GET("/admin/users", { params: { query: { q: settled || undefined, limit: 8 } } })),
    staleTime: 0, // someone identified a moment ago should show up on the next keystroke
  });
  return (
    <div className="person-picker">
      <label htmlFor={id}>Preview for person</label>
      <input
        id={id}
        type="search"
        value={q}
        placeholder="user id, email or phone"
        onChange={(e) => setQ(e.target.value)}
      />
      <ul className="picker-results" aria-label="Matching people">
        {found.data?.people.map((p) => (
          <li key={p.userId}>
            <button type="button" aria-pressed={p.userId === value} onClick={() => onChange(p.userId)}>
              {p.userId}
            </button>
          </li>
        ))}
        {found.data && found.data.people.length === 0 && <li className="muted">no one matches</li>}
      </ul>
    </div>
  );
}
