import { type AppSettings, parseSettings } from "../../domain/settings/app-settings";
import { hashKey, type KeyKind } from "./keys";
import { and, eq, isNull } from "drizzle-orm";
import { database } from "../d1/client";
import { apiKeys, apps } from "../d1/schema";
import { getTouched, setBounded } from "../../kernel/bounded-map";

/** What an authenticated request knows about its app. */
export interface AppContext {
  appId: string;
  configVersion: number;
  settings: AppSettings;
  /** The admin key that authenticated the request (admin keys only): who it is and what it may do. */
  key?: AdminKeyInfo;
}

export type AdminRole = "owner" | "editor" | "viewer";
export interface AdminKeyInfo {
  prefix: string;
  label: string;
  role: AdminRole;
  approver: boolean;
}

interface Entry {
  value: AppContext | null;
  fetchedAt: number;
  refreshing?: Promise<void>;
}

/**
 * Resolves API keys to apps with an isolate-wide cache, so the steady-state event path reads no
 * D1. An entry is served for at most `maxAgeMs` (CONFIG_PROPAGATION_MS, 3 s by default) after it
 * was read; past two thirds of that it is refreshed in the background, so a busy isolate rarely
 * waits, and past all of it (an isolate that was quiet) it is re-read before use. That bound is
 * what makes "activate" mean live: an admin change that bumps the config version answers only
 * once the bound has passed (src/http/middleware/config-propagation.ts), so every event received after the
 * answer carries the new version. A revoked key stops working within the same bound.
 */
export const DEFAULT_CONFIG_PROPAGATION_MS = 3_000;
/** Unknown keys are remembered briefly so a client with a wrong key cannot hammer D1. */
const NEGATIVE_TTL_MS = 10_000;
/** Keys remembered per isolate (valid and unknown ones alike: a client trying random keys must not grow it). */
export const MAX_CACHED_KEYS = 10_000;
const cache = new Map<string, Entry>();

/** Cache ages are wall-clock time (an isolate's concern), never a request's virtual clock. */
export async function resolveKey(
  db: D1Database,
  kind: KeyKind,
  key: string,
  waitUntil: (p: Promise<unknown>) => void,
  wallClock: () => number = Date.now,
  maxAgeMs: number = DEFAULT_CONFIG_PROPAGATION_MS,
): Promise<AppContext | null> {
  const id = `${kind}:${await hashKey(key)}`;
  const now = wallClock();
  const hit = getTouched(cache, id);
  if (hit) {
    const age = now - hit.fetchedAt;
    if (hit.value === null) {
      if (age < NEGATIVE_TTL_MS) return null;
    } else {
      if (age >= maxAgeMs) {
        try {
          const value = await load(db, kind, id.slice(kind.length + 1));
          setBounded(cache, id, { value, fetchedAt: now }, MAX_CACHED_KEYS);
          return value;
        } catch {
          return hit.value; // D1 unavailable: the cached key still answers (the bound does not hold then)
        }
      }
      if (age >= (maxAgeMs * 2) / 3 && !hit.refreshing) {
        const started = wallClock();
        hit.refreshing = load(db, kind, id.slice(kind.length + 1))
          .then((value) => void setBounded(cache, id, { value, fetchedAt: started }, MAX_CACHED_KEYS))
          .catch(() => void (hit.refreshing = undefined));
        waitUntil(hit.refreshing);
      }
      return hit.value;
    }
  }
  const value = await load(db, kind, id.slice(kind.length + 1));
  setBounded(cache, id, { value, fetchedAt: now }, MAX_CACHED_KEYS);
  return value;
}

/** How many keys this isolate holds (tests of the bound). */
export const cachedKeyCount = () => cache.size;

/** CONFIG_PROPAGATION_MS from the environment, else the default. */
export function configPropagationMs(env: { CONFIG_PROPAGATION_MS?: string }): number {
  const n = Number(env.CONFIG_PROPAGATION_MS);
  return env.CONFIG_PROPAGATION_MS !== undefined && Number.isFinite(n) && n >= 0 ? n : DEFAULT_CONFIG_PROPAGATION_MS;
}

async function load(db: D1Database, kind: KeyKind, keyHash: string): Promise<AppContext | null> {
  const [row] = await database(db)
    .select({
      id: apps.id,
      configVersion: apps.configVersion,
      settings: apps.settings,
      prefix: apiKeys.prefix,
      label: apiKeys.label,
      role: apiKeys.role,
      approver: apiKeys.approver,
    })
    .from(apiKeys)
    .innerJoin(apps, eq(apps.id, apiKeys.appId))
    .where(and(eq(apiKeys.keyHash, keyHash), eq(apiKeys.kind, kind), isNull(apiKeys.revokedAt)))
    .limit(1);
  if (!row) return null;
  const app: AppContext = { appId: row.id, configVersion: row.configVersion, settings: parseSettings(row.settings) };
  // An admin key stored without a role (created before migrations/0013 ran) is an owner.
  if (kind === "admin")
    app.key = {
      prefix: row.prefix,
      label: row.label,
      role: row.role ?? "owner",
      approver: row.approver || (row.role ?? "owner") === "owner",
    };
  return app;
}

/** Forget cached keys (after a key is revoked, or between tests). */
export function clearKeyCache(): void {
  cache.clear();
}

/** Who is asking, on the admin API: the key and its role, and the person approvals compare. */
export interface Principal extends AdminKeyInfo {
  /** `access:<email>` when signed in through Cloudflare Access, else `key:<prefix>`: the person approvals compare. */
  id: string;
  email?: string;
}
