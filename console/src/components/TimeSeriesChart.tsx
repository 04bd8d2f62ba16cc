import { useEffect, useRef } from "react";
import uPlot from "uplot";

import { chartLabel, type Series } from "./series";

/**
 * A line chart over days (uPlot: small and fast). The figure's caption and the legend carry the
 * numbers for people who do not see the chart.
 */
export default function TimeSeriesChart({
  days,
  series,
  title,
  height = 200,
}: {
  days: string[];
  series: Series[];
  title: string;
  height?: number;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const plot = new uPlot(
      {
        width: Math.max(node.clientWidth, 280),
        height,
        series: [
          {},
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: days.length < 2 } })),
        ],
        axes: [{ stroke: "#555" }, { stroke: "#555", size: 50 }],
        // A single day would stretch over years: show a week around it instead.
        scales: {
          x: { time: true, range: (_u, min, max) => (min === max ? [min - 3 * 86_400, max + 3 * 86_400] : [min, max]) },
        },
        legend: { live: false },
      },
      [xs, ...series.map((s) => s.values)] as uPlot.AlignedData,
      node,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(node.clientWidth, 280), height }));
    resize.observe(node);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, series, height]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={el} role="img" aria-label={chartLabel(title, days, series)} />
    </figure>
  );
}
