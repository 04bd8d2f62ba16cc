import { geoEquirectangular, geoPath } from "d3-geo";
import type { FeatureCollection, MultiPolygon, Polygon } from "geojson";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import land from "world-atlas/land-110m.json";

const W = 240;
const H = 124;
const projection = geoEquirectangular().fitSize([W, H], { type: "Sphere" });
const path = geoPath(projection);
// The world's coastlines (Natural Earth 1:110m, bundled with the console: no tile server needed).
const topology = land as unknown as Topology<{ land: GeometryCollection }>;
const coast = path(feature(topology, topology.objects.land) as FeatureCollection<Polygon | MultiPolygon>) ?? "";

/** Where on Earth the fences are: a locator inset beside the detailed, outline-only fence map. */
export function WorldInset({ lng, lat, label }: { lng: number; lat: number; label: string }) {
  const [x, y] = projection([lng, lat]) ?? [W / 2, H / 2];
  return (
    <svg
      className="world-inset"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`World map locating ${label} at ${lat.toFixed(3)}, ${lng.toFixed(3)}`}
    >
      <rect width={W} height={H} className="sea" />
      <path d={coast} className="land" />
      <circle cx={x} cy={y} r={4} className="here" />
    </svg>
  );
}
