import { registerConfigPart } from "../config/app-config";
import { FunnelDefinition, type LiveFunnel, liveFunnel } from "../../domain/analytics/funnel";

/** A saved funnel as stored and served by the admin API. */
export interface SavedFunnel {
  id: string;
  definition: FunnelDefinition;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** Every funnel is evaluated on each of a person's events that names one of its steps; the admin API refuses more. */
export const MAX_FUNNELS_PER_APP = 50;

interface Row {
  id: string;
  definition: string;
  version: number;
  created_at: number;
  updated_at: number;
}

const toSaved = (r: Row): SavedFunnel => ({
  id: r.id,
  definition: FunnelDefinition.parse(JSON.parse(r.definition)),
  version: r.version,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listFunnels(d1: D1Database, appId: string): Promise<SavedFunnel[]> {
  const rows = await d1
    .prepare(
      `SELECT id, definition, version, created_at, updated_at FROM funnels WHERE app_id = ? ORDER BY created_at, id`,
    )
    .bind(appId)
    .all<Row>();
  return rows.results.map(toSaved);
}

export async function getFunnel(d1: D1Database, appId: string, id: string): Promise<SavedFunnel | null> {
  const row = await d1
    .prepare(`SELECT id, definition, version, created_at, updated_at FROM funnels WHERE app_id = ? AND id = ?`)
    .bind(appId, id)
    .first<Row>();
  return row ? toSaved(row) : null;
}

export async function countFunnels(d1: D1Database, appId: string): Promise<number> {
  return (
    (await d1.prepare(`SELECT count(*) AS n FROM funnels WHERE app_id = ?`).bind(appId).first<{ n: number }>())?.n ?? 0
  );
}

export async function insertFunnel(
  d1: D1Database,
  appId: string,
  def: FunnelDefinition,
  now: number,
): Promise<SavedFunnel> {
  const id = `fun_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  await d1
    .prepare(
      `INSERT INTO funnels (id, app_id, name, description, definition, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)`,
    )
    .bind(id, appId, def.name, def.description, JSON.stringify(def), now, now)
    .run();
  return { id, definition: def, version: 1, createdAt: now, updatedAt: now };
}

export async function updateFunnel(
  d1: D1Database,
  appId: string,
  id: string,
  def: FunnelDefinition,
  now: number,
): Promise<SavedFunnel | null> {
  const row = await d1
    .prepare(
      `UPDATE funnels SET name = ?, description = ?, definition = ?, version = version + 1, updated_at = ? WHERE app_id = ? AND id = ? RETURNING id, definition, version, created_at, updated_at`,
    )
    .bind(def.name, def.description, JSON.stringify(def), now, appId, id)
    .first<Row>();
  return row ? toSaved(row) : null;
}

export async function deleteFunnel(d1: D1Database, appId: string, id: string): Promise<boolean> {
  const res = await d1.batch([
    d1.prepare(`DELETE FROM funnels WHERE app_id = ? AND id = ?`).bind(appId, id),
    d1.prepare(`DELETE FROM analytics_counts WHERE app_id = ? AND kind = 'funnel' AND subject = ?`).bind(appId, id),
    // Its backfill runs go too: a run still under way finds itself gone and stops.
    d1.prepare(`DELETE FROM funnel_backfills WHERE app_id = ? AND funnel_id = ?`).bind(appId, id),
  ]);
  return (res[0]?.meta.changes ?? 0) > 0;
}

/** What the UserObject evaluates live: the app's funnels, compiled with the config. */
export const funnelsConfigPart = {
  name: "funnels",
  load: async (d1: D1Database, appId: string): Promise<LiveFunnel[]> =>
    (await listFunnels(d1, appId)).map((f) => liveFunnel(f.id, f.definition)),
};
registerConfigPart<LiveFunnel[]>(funnelsConfigPart);
