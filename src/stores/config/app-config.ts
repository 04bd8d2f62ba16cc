import { eq } from "drizzle-orm";
import { database } from "../d1/client";
import { apps } from "../d1/schema";
import { type AppSettings, parseSettings } from "../../domain/settings/app-settings";
import { getTouched, setBounded } from "../../kernel/bounded-map";

/**
 * Everything a UserObject needs to decide, compiled once per app and config
 * version and shared by every object in the isolate (module scope). The event
 * path passes the version it saw; only a newer version costs a D1 read.
 */
export interface AppConfig {
  appId: string;
  version: number;
  settings: AppSettings;
  /** When this isolate compiled it (wall clock), to bound staleness where no request carries a version. */
  loadedAt: number;
  /** Filled by the feature modules that register a part below. */
  parts: Record<string, unknown>;
}

/** A feature's slice of the compiled config (campaigns, geofences, segments…). */
export interface ConfigPart<T> {
  name: string;
  load(db: D1Database, appId: string, settings: AppSettings): Promise<T>;
}

const registeredParts: ConfigPart<unknown>[] = [];
export function registerConfigPart<T>(part: ConfigPart<T>): void {
  if (!registeredParts.some((p) => p.name === part.name)) registeredParts.push(part as ConfigPart<unknown>);
}
export function configPart<T>(config: AppConfig, part: ConfigPart<T>): T {
  return config.parts[part.name] as T;
}

/** Apps whose compiled config one isolate keeps; the least recently used is dropped beyond this. */
export const MAX_CACHED_CONFIGS = 500;
const cache = new Map<string, Promise<AppConfig>>();

/** The app's config at `minVersion` or newer. */
export async function loadAppConfig(d1: D1Database, appId: string, minVersion: number): Promise<AppConfig> {
  const cached = getTouched(cache, appId);
  if (cached) {
    const config = await cached;
    if (config.version >= minVersion) return config;
  }
  const loading = compile(d1, appId);
  setBounded(cache, appId, loading, MAX_CACHED_CONFIGS);
  try {
    return await loading;
  } catch (err) {
    if (cache.get(appId) === loading) cache.delete(appId);
    throw err;
  }
}

/** The newest config this isolate already holds for the app, if any (no I/O). */
export function cachedAppConfig(appId: string): Promise<AppConfig> | undefined {
  return cache.get(appId);
}

async function compile(d1: D1Database, appId: string): Promise<AppConfig> {
  const [row] = await database(d1).select().from(apps).where(eq(apps.id, appId)).limit(1);
  if (!row) throw new Error(`app ${appId} does not exist`);
  const settings = parseSettings(row.settings);
  const parts: Record<string, unknown> = {};
  await Promise.all(registeredParts.map(async (p) => void (parts[p.name] = await p.load(d1, appId, settings))));
  return { appId, version: row.configVersion, settings, loadedAt: Date.now(), parts };
}

/** Forget compiled configs (tests). */
export function clearAppConfigCache(): void {
  cache.clear();
}
