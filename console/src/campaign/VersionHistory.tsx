import { useQuery } from "@tanstack/react-query";
import { create } from "jsondiffpatch";
import { format } from "jsondiffpatch/formatters/html";
import "jsondiffpatch/formatters/styles/html.css";
import { useMemo, useState } from "react";
import { ok } from "../api/client";
import { When } from "../components/Format";
import { useApi } from "../session";

// Steps and variants are matched by id, so a moved step reads as a move, not a rewrite.
const differ = create({
  objectHash: (item: object, index?: number) => (item as { id?: string }).id ?? `$$index:${index}`,
  arrays: { detectMove: true },
});

/** Version history: choose two versions, see what changed between their definitions. */
export function VersionHistory({ id, versions }: { id: string; versions: { version: number; createdAt: number }[] }) {
  const api = useApi();
  const latest = versions.at(-1)?.version ?? 1;
  const [from, setFrom] = useState(Math.max(1, latest - 1));
  const [to, setTo] = useState(latest);
  const fetchVersion = (version: number) => ({
    queryKey: ["campaign-version", id, version],
    queryFn: () => ok(api.GET("/admin/campaigns/{id}/versions/{version}", { params: { path: { id, version } } })),
    staleTime: Number.POSITIVE_INFINITY, // a version never changes
  });
  const a = useQuery(fetchVersion(from));
  const b = useQuery(fetchVersion(to));
  const html = useMemo(() => {
    if (!a.data || !b.data) return null;
    const delta = differ.diff(a.data.definition, b.data.definition);
    return delta ? (format(delta, a.data.definition) ?? "") : "";
  }, [a.data, b.data]);
  const picker = (label: string, value: number, set: (v: number) => void) => (
    <label>
      {label}{" "}
      <select value={value} onChange={(e) => set(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version} ({new Date(v.createdAt).toLocaleString()})
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <>
      <ol reversed>
        {[...versions].reverse().map((v) => (
          <li key={v.version}>
            v{v.version}, <When at={v.createdAt} />
          </li>
        ))}
      </ol>
      {versions.length > 1 && (
        <>
          <div className="filters" role="group" aria-label="Compare versions">
            {picker("Compare", from, setFrom)}
            {picker("with", to, setTo)}
          </div>
          {(a.error || b.error) && (
            <p className="error" role="alert">
              {(a.error ?? b.error)?.message}
            </p>
          )}
          {html === null ? (
            <p className="muted">Loading versions…</p>
          ) : html === "" ? (
            <p className="muted">
              v{from} and v{to} have the same definition.
            </p>
          ) : (
            // jsondiffpatch's HTML formatter escapes every value it prints.
            <div
              className="version-diff jsondiffpatch-unchanged-hidden"
              aria-label={`Changes from v${from} to v${to}`}
              role="region"
              // biome-ignore lint/security/noDangerouslySetInnerHtml: formatter output, values escaped
              dangerouslySetInnerHTML={{ __html: html }}
            />
          )}
          <p className="hint">
            Removed values are struck through in red, added ones in green; unchanged parts are hidden.
          </p>
        </>
      )}
    </>
  );
}
