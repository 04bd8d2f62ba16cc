import { and, asc, eq, sql } from "drizzle-orm";
import { registerConfigPart } from "../config/app-config";
import { database } from "../d1/client";
import { segments } from "../d1/schema";
import { SegmentFilter } from "../../domain/segments/segment-filter";

/** A saved segment as stored and served by the admin API. */
export interface SavedSegment {
  id: string;
  name: string;
  description: string;
  filter: SegmentFilter;
  version: number;
  createdAt: number;
  updatedAt: number;
}

/** Live evaluation cost grows with the number of segments; the admin API refuses more. */
export const MAX_SEGMENTS_PER_APP = 200;

function toSaved(row: typeof segments.$inferSelect): SavedSegment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    filter: SegmentFilter.parse(JSON.parse(row.filter)),
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function listSegments(d1: D1Database, appId: string): Promise<SavedSegment[]> {
  const rows = await database(d1)
    .select()
    .from(segments)
    .where(eq(segments.appId, appId))
    .orderBy(asc(segments.createdAt), asc(segments.id));
  return rows.map(toSaved);
}

export async function getSegment(d1: D1Database, appId: string, id: string): Promise<SavedSegment | null> {
  const [row] = await database(d1)
    .select()
    .from(segments)
    .where(and(eq(segments.appId, appId), eq(segments.id, id)));
  return row ? toSaved(row) : null;
}

export async function countSegments(d1: D1Database, appId: string): Promise<number> {
  const [row] = await database(d1).select({ n: sql<number>`count(*)` }).from(segments).where(eq(segments.appId, appId));
  return row?.n ?? 0;
}

export async function insertSegment(
  d1: D1Database,
  appId: string,
  s: { name: string; description: string; filter: SegmentFilter },
  now: number,
): Promise<SavedSegment> {
  const id = `seg_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const [row] = await database(d1)
    .insert(segments)
    .values({
      id,
      appId,
      name: s.name,
      description: s.description,
      filter: JSON.stringify(s.filter),
      version: 1,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return toSaved(row!);
}

export async function updateSegment(
  d1: D1Database,
  appId: string,
  id: string,
  s: { name: string; description: string; filter: SegmentFilter },
  now: number,
): Promise<SavedSegment | null> {
  const [row] = await database(d1)
    .update(segments)
    .set({
      name: s.name,
      description: s.description,
      filter: JSON.stringify(s.filter),
      version: sql`${segments.version} + 1`,
      updatedAt: now,
    })
    .where(and(eq(segments.appId, appId), eq(segments.id, id)))
    .returning();
  return row ? toSaved(row) : null;
}

export async function deleteSegment(d1: D1Database, appId: string, id: string): Promise<boolean> {
  const rows = await database(d1)
    .delete(segments)
    .where(and(eq(segments.appId, appId), eq(segments.id, id)))
    .returning({ id: segments.id });
  return rows.length > 0;
}

/** What the UserObject evaluates live: the app's segments, compiled with the config. */
export interface LiveSegment {
  id: string;
  version: number;
  filter: SegmentFilter;
}

export const segmentsConfigPart = {
  name: "savedSegments",
  load: async (d1: D1Database, appId: string): Promise<LiveSegment[]> =>
    (await listSegments(d1, appId)).map((s) => ({ id: s.id, version: s.version, filter: s.filter })),
};
registerConfigPart<LiveSegment[]>(segmentsConfigPart);
