/** A stacked bar with its legend (the legend holds the numbers, so nothing is only in the picture). */
export function StackedBar({
  parts,
  label,
}: {
  parts: { label: string; value: number; color: string }[];
  label: string;
}) {
  const total = parts.reduce((n, p) => n + p.value, 0);
  return (
    <figure className="stacked">
      <figcaption>{label}</figcaption>
      <div className="stacked-bar" aria-hidden="true">
        {parts.map(
          (p) =>
            p.value > 0 && (
              <span key={p.label} style={{ flexGrow: p.value, background: p.color }} title={`${p.label}: ${p.value}`} />
            ),
        )}
      </div>
      <ul className="legend">
        {parts.map((p) => (
          <li key={p.label}>
            <span className="swatch" style={{ background: p.color }} aria-hidden="true" />
            {p.label} <strong>{p.value.toLocaleString()}</strong>{" "}
            <span className="muted">{total ? `${Math.round((p.value / total) * 100)}%` : ""}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Horizontal bars for a few named values (share of a whole). */
export function BarList({
  rows,
  label,
  format = (n) => n.toLocaleString(),
}: {
  rows: { label: string; value: number; of: number }[];
  label: string;
  format?: (n: number) => string;
}) {
  return (
    <figure className="barlist">
      <figcaption>{label}</figcaption>
      <dl>
        {rows.map((r) => (
          <div key={r.label} className="barlist-row">
            <dt>{r.label}</dt>
            <dd>
              <span className="bar" aria-hidden="true">
                <span style={{ width: `${r.of ? (100 * r.value) / r.of : 0}%` }} />
              </span>
              <span>
                {format(r.value)}
                {r.of ? ` (${Math.round((100 * r.value) / r.of)}%)` : ""}
              </span>
            </dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}
