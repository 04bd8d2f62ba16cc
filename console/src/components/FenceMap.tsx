import { WorldInset } from "./WorldInset";

/**
 * Fences drawn over their own bounding box (equirectangular, metres scaled by latitude): an
 * honest offline map — no tile server is needed or reachable. Each shape is labelled and listed.
 */
interface Fence {
  id: string;
  name: string;
  kind: "circle" | "polygon";
  geometry: { [k: string]: unknown };
  radius: number | null;
  enabled: boolean;
}

const M_PER_DEG = 111_320;

function ringsOf(f: Fence): [number, number][][] {
  const g = f.geometry as { type?: string; coordinates?: unknown };
  if (g.type === "Polygon") return (g.coordinates as [number, number][][]) ?? [];
  if (g.type === "MultiPolygon") return ((g.coordinates as [number, number][][][]) ?? []).flat();
  return [];
}
function centreOf(f: Fence): [number, number] | null {
  const g = f.geometry as { type?: string; coordinates?: unknown };
  return g.type === "Point" ? (g.coordinates as [number, number]) : null;
}

export function FenceMap({ fences, width = 640, height = 360 }: { fences: Fence[]; width?: number; height?: number }) {
  const pts: [number, number][] = [];
  for (const f of fences) {
    const c = centreOf(f);
    if (c && f.radius) {
      const dLat = f.radius / M_PER_DEG;
      const dLng = dLat / Math.max(Math.cos((c[1] * Math.PI) / 180), 0.01);
      pts.push([c[0] - dLng, c[1] - dLat], [c[0] + dLng, c[1] + dLat]);
    }
    for (const ring of ringsOf(f)) pts.push(...ring);
  }
  if (!pts.length) return null;
  const lngs = pts.map((p) => p[0]);
  const lats = pts.map((p) => p[1]);
  const [minX, maxX, minY, maxY] = [Math.min(...lngs), Math.max(...lngs), Math.min(...lats), Math.max(...lats)];
  const kx = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxX - minX) * kx, 1e-6);
  const spanY = Math.max(maxY - minY, 1e-6);
  const pad = 20;
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const x = (lng: number) => pad + (lng - minX) * kx * scale;
  const y = (lat: number) => height - pad - (lat - minY) * scale;
  // A scale bar of a round length close to a fifth of the view's width.
  const metresAcross = ((width - 2 * pad) / scale) * M_PER_DEG;
  const nice =
    [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000].find(
      (m) => m >= metresAcross / 5,
    ) ?? 1_000_000;
  const barPx = (nice / M_PER_DEG) * scale;
  return (
    <div className="fence-maps">
      <svg
        className="fence-map"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`Map of ${fences.length} fences`}
      >
        <rect width={width} height={height} className="map-bg" />
        {fences.map((f) => {
          const c = centreOf(f);
          const cls = f.enabled ? "fence" : "fence disabled";
          return (
            <g key={f.id} className={cls}>
              <title>{f.name}</title>
              {c && f.radius ? (
                <circle cx={x(c[0])} cy={y(c[1])} r={Math.max((f.radius / M_PER_DEG) * scale, 3)} />
              ) : null}
              {ringsOf(f).map((ring, i) => (
                <polygon key={i} points={ring.map((p) => `${x(p[0])},${y(p[1])}`).join(" ")} />
              ))}
              {c && (
                <text x={x(c[0]) + 6} y={y(c[1]) - 6}>
                  {f.name}
                </text>
              )}
              {!c && ringsOf(f)[0] && (
                <text x={x(ringsOf(f)[0]![0]![0])} y={y(ringsOf(f)[0]![0]![1]) - 4}>
                  {f.name}
                </text>
              )}
            </g>
          );
        })}
        <g className="scale-bar" transform={`translate(${pad}, ${height - 8})`}>
          <line x1={0} x2={barPx} y1={0} y2={0} />
          <text x={barPx + 6} y={4}>
            {nice >= 1000 ? `${nice / 1000} km` : `${nice} m`}
          </text>
        </g>
      </svg>
      <WorldInset lng={(minX + maxX) / 2} lat={(minY + maxY) / 2} label={`${fences.length} fences`} />
    </div>
  );
}
