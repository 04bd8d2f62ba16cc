import { eq, sql } from "drizzle-orm";
import { database } from "../d1/client";
import { apps } from "../d1/schema";

/** Bumps the app's config version so edges and objects pick up changed campaigns, fences or segments. */
export async function bumpConfigVersion(d1: D1Database, appId: string) {
  const db = database(d1);
  return db
    .update(apps)
    .set({ configVersion: sql`${apps.configVersion} + 1` })
    .where(eq(apps.id, appId));
}

/** The app's config version as stored now (admin paths read it; the event path uses the edge's cache). */
export async function currentConfigVersion(d1: D1Database, appId: string): Promise<number> {
  const [row] = await database(d1).select({ v: apps.configVersion }).from(apps).where(eq(apps.id, appId));
  return row?.v ?? 0;
}
