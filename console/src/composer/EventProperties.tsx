import { useState } from "react";

export type Properties = Record<string, unknown>;

/** A number, true/false or text, as a marketer would type it: what `event.*` templates receive. */
function typedValue(text: string): unknown {
  if (text === "true" || text === "false") return text === "true";
  if (text.trim() !== "" && Number.isFinite(Number(text))) return Number(text);
  return text;
}

/** The trigger event's properties as name/value rows (no JSON). */
export function EventProperties({ onChange }: { onChange(p: Properties): void }) {
  const [rows, setRows] = useState<[string, string][]>([["", ""]]);
  const update = (next: [string, string][]) => {
    setRows(next);
    onChange(Object.fromEntries(next.filter(([k]) => k.trim()).map(([k, v]) => [k.trim(), typedValue(v)])));
  };
  return (
    <fieldset className="event-props">
      <legend>Trigger event properties</legend>
      {rows.map(([k, v], i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
        <div key={i} className="prop-row">
          <input
            aria-label={`Property ${i + 1} name`}
            value={k}
            placeholder="name"
            onChange={(e) => update(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}
          />
          <input
            aria-label={`Property ${i + 1} value`}
            value={v}
            placeholder="value"
            onChange={(e) => update(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))}
          />
          <button
            type="button"
            className="link"
            aria-label={`Remove property ${i + 1}`}
            onClick={() => update(rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => update([...rows, ["", ""]])}>
        + Property
      </button>
    </fieldset>
  );
}
