import { lazy, Suspense } from "react";
import { chartLabel, type Series } from "./series";

export type { Series };

// uPlot and its CSS load with the first chart, not with the first screen (docs/console.md "Building").
const Chart = lazy(() => import("./TimeSeriesChart"));

/** A line chart over days; the figure and its label render at once, the plot when uPlot has loaded. */
export function TimeSeries(props: { days: string[]; series: Series[]; title: string; height?: number }) {
  const height = props.height ?? 200;
  // uPlot draws nothing at all for a chart without a single figure: say so instead.
  if (props.series.every((s) => s.values.every((v) => v == null)))
    return (
      <figure className="chart">
        <figcaption>{props.title}</figcaption>
        <p className="muted">No figures in this range yet.</p>
      </figure>
    );
  return (
    <Suspense
      fallback={
        <figure className="chart">
          <figcaption>{props.title}</figcaption>
          <div role="img" aria-label={chartLabel(props.title, props.days, props.series)} style={{ height }} />
        </figure>
      }
    >
      <Chart {...props} height={height} />
    </Suspense>
  );
}
