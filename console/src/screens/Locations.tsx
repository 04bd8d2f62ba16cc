import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { type ApiError, ok } from "../api/client";
import type { paths } from "../../../openapi/beckon";
import { FenceMap } from "../components/FenceMap";
import { JsonEditor, parseJson } from "../components/JsonEditor";
import { EmptyState, PageHeader, QueryView } from "../components/States";
import { useGate } from "../roles/permissions";
import { useApi } from "../session";

type GeofenceImport = paths["/admin/geofences/import"]["post"]["requestBody"]["content"]["application/json"];
const SAMPLE = {
  type: "FeatureCollection",
  features: [
    {
      type: "Feature",
      properties: { name: "Flagship store", tags: ["store"], radius: 150 },
      geometry: { type: "Point", coordinates: [2.3522, 48.8566] },
    },
  ],
};

export default function Locations() {
  const api = useApi();
  const gate = useGate("editLocations");
  const queries = useQueryClient();
  const fences = useQuery({
    queryKey: ["geofences"],
    queryFn: () => ok(api.GET("/admin/geofences", { params: { query: {} } })),
  });
  const beacons = useQuery({ queryKey: ["beacons"], queryFn: () => ok(api.GET("/admin/beacons")) });
  const [text, setText] = useState(() => JSON.stringify(SAMPLE, null, 2));
  const [parseError, setParseError] = useState<SyntaxError | null>(null);
  const importFences = useMutation({
    mutationFn: (body: GeofenceImport) => ok(api.POST("/admin/geofences/import", { body })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["geofences"] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => ok(api.DELETE("/admin/geofences/{id}", { params: { path: { id } } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["geofences"] }),
  });
  return (
    <>
      <PageHeader title="Locations" />
      <section className="card" aria-labelledby="fences-h">
        <h2 id="fences-h">Geofences</h2>
        <QueryView query={fences} what="geofences">
          {({ geofences }) =>
            geofences.length === 0 ? (
              <EmptyState title="No geofences yet">
                <p>
                  Import stores or regions as GeoJSON below (points with a <code>radius</code> property, or polygons).
                  Campaigns with a geofence trigger fire on enter, exit or dwell.
                </p>
              </EmptyState>
            ) : (
              <>
                <FenceMap fences={geofences} />
                <table className="table">
                  <caption className="visually-hidden">Geofences</caption>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Shape</th>
                      <th scope="col">Tags</th>
                      <th scope="col">Dwell</th>
                      <th scope="col">Enabled</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {geofences.map((f) => (
                      <tr key={f.id}>
                        <th scope="row">{f.name}</th>
                        <td>
                          {f.kind}
                          {f.radius ? `, ${f.radius} m` : ""}
                        </td>
                        <td>{f.tags.join(", ") || "–"}</td>
                        <td>{f.dwellSeconds ? `${f.dwellSeconds} s` : "–"}</td>
                        <td>{f.enabled ? "yes" : "no"}</td>
                        <td>
                          <button
                            type="button"
                            className="danger"
                            disabled={gate.disabled}
                            title={gate.title}
                            onClick={() => window.confirm(`Delete the geofence “${f.name}”?`) && remove.mutate(f.id)}
                          >
                            Delete
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )
          }
        </QueryView>
      </section>
      <section className="card" aria-labelledby="import-h">
        <h2 id="import-h">Import GeoJSON</h2>
        <JsonEditor
          label="FeatureCollection"
          value={text}
          onChange={setText}
          rows={12}
          error={parseError ?? (importFences.error as ApiError | null)}
        />
        <div className="actions">
          <button
            type="button"
            disabled={importFences.isPending || gate.disabled}
            title={gate.title}
            onClick={() => {
              try {
                setParseError(null);
                importFences.mutate(parseJson(text) as GeofenceImport);
              } catch (e) {
                setParseError(e as SyntaxError);
              }
            }}
          >
            Import
          </button>
          {importFences.isSuccess && <span role="status">Imported.</span>}
        </div>
      </section>
      <section className="card" aria-labelledby="beacons-h">
        <h2 id="beacons-h">Beacon regions</h2>
        <QueryView query={beacons} what="beacon regions">
          {(r) => {
            const list =
              (r as unknown as { beacons?: { id: string; name: string; kind?: string; tags?: string[] }[] }).beacons ??
              [];
            return list.length === 0 ? (
              <p className="muted">
                No beacon regions (iBeacon or Eddystone-UID) yet: create them with POST /admin/beacons.
              </p>
            ) : (
              <ul>
                {list.map((b) => (
                  <li key={b.id}>
                    {b.name} {b.tags?.length ? <span className="muted">({b.tags.join(", ")})</span> : null}
                  </li>
                ))}
              </ul>
            );
          }}
        </QueryView>
      </section>
    </>
  );
}
