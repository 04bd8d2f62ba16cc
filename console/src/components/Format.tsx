/** Dates as the person's locale shows them; epoch ms or ISO strings alike. */
export function When({ at }: { at: number | string | null | undefined }) {
  if (at == null) return <span className="muted">–</span>;
  const d = new Date(at);
  return <time dateTime={d.toISOString()}>{d.toLocaleString()}</time>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export const count = (n: number | null | undefined) => (n == null ? "–" : n.toLocaleString());
export const percent = (x: number | null | undefined, digits = 1) =>
  x == null || !Number.isFinite(x) ? "–" : `${(x * 100).toFixed(digits)}%`;
