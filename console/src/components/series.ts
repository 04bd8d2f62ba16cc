/** One line of a chart over days. */
export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

/** What a chart says, for people who do not see it (and while uPlot is still loading). */
export function chartLabel(title: string, days: string[], series: Series[]): string {
  const last = series.map((s) => `${s.label} ${s.values.at(-1) ?? "–"}`).join(", ");
  return `${title}: ${days.length} days from ${days[0] ?? "–"} to ${days.at(-1) ?? "–"}; latest ${last}`;
}
