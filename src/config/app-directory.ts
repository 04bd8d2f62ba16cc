import { type AppSettings, parseSettings } from "./app-settings";
import { hashKey, type KeyKind } from "./keys";
import { and, eq, isNull } from "drizzle-orm";
import { database } from "../db/client";
import { apiKeys, apps } from "../db/schema";

/** What an authenticated request knows about its app. */
export interface AppContext {
  appId: string;
  configVersion: number;
  settings: AppSettings;
}

interface Entry {
  value: AppContext | null;
  fetchedAt: number;
  refreshing?: Promise<void>;
}

/**
 * Resolves API keys to apps with an isolate-wide cache, so the steady-state
 * event path reads no D1: a cached entry is served at once, and one older than
 * REVALIDATE_MS is refreshed in the background (stale-while-revalidate), which is
 * how a new config version reaches the edge within seconds. An entry older than
 * MAX_STALE_MS (an isolate that saw no traffic for a while) is refreshed before it
 * is used: otherwise the first event after a quiet spell would still carry the old
 * config version, e.g. miss a campaign activated meanwhile.
 */
export const REVALIDATE_MS = 3_000;
export const MAX_STALE_MS = 30_000;
/** Unknown keys are remembered briefly so a client with a wrong key cannot hammer D1. */
const NEGATIVE_TTL_MS = 10_000;
const cache = new Map<string, Entry>();

/** Cache ages are wall-clock time (an isolate's concern), never a request's virtual clock. */
export async function resolveKey(db: D1Database, kind: KeyKind, key: string, waitUntil: (p: Promise<unknown>) => void, wallClock: () => number = Date.now): Promise<AppContext | null> {
  const id = `${kind}:${await hashKey(key)}`;
  const now = wallClock();
  const hit = cache.get(id);
  if (hit) {
    const age = now - hit.fetchedAt;
    if (hit.value === null) {
      if (age < NEGATIVE_TTL_MS) return null;
    } else {
      if (age >= MAX_STALE_MS) {
        try {
          const value = await load(db, kind, id.slice(kind.length + 1));
          cache.set(id, { value, fetchedAt: now });
          return value;
        } catch {
          return hit.value; // D1 unavailable: the cached key still answers
        }
      }
      if (age >= REVALIDATE_MS && !hit.refreshing) {
        hit.refreshing = load(db, kind, id.slice(kind.length + 1))
          .then((value) => void cache.set(id, { value, fetchedAt: wallClock() }))
          .catch(() => void (hit.refreshing = undefined));
        waitUntil(hit.refreshing);
      }
      return hit.value;
    }
  }
  const value = await load(db, kind, id.slice(kind.length + 1));
  cache.set(id, { value, fetchedAt: now });
  return value;
}

async function load(db: D1Database, kind: KeyKind, keyHash: string): Promise<AppContext | null> {
  const [row] = await database(db)
    .select({ id: apps.id, configVersion: apps.configVersion, settings: apps.settings })
    .from(apiKeys)
    .innerJoin(apps, eq(apps.id, apiKeys.appId))
    .where(and(eq(apiKeys.keyHash, keyHash), eq(apiKeys.kind, kind), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  return { appId: row.id, configVersion: row.configVersion, settings: parseSettings(row.settings) };
}

/** Forget cached keys (after a key is revoked, or between tests). */
export function clearKeyCache(): void {
  cache.clear();
}
