import type { LocationFix, LocationSource } from "./options";
import { post, type Session, session, started } from "./session";

/**
 * Location for server-side geofencing: fixes from the app's location source go to
 * `POST /v1/location`, where Beckon evaluates every fence (no OS region limit). At most one
 * fix per `locationIntervalMs` (default a minute) is sent: the radio costs more battery than
 * the GPS fix, and geofence dwell times are minutes, not seconds. A fix that could not be
 * sent is kept and goes with the next one (the route takes batches in time order).
 */
const MAX_KEPT = 50;
let waiting: LocationFix[] = [];
let lastSentAt = 0;

export function startLocation(s: Session, source: LocationSource): void {
  const off = source.watch((fix) => void reportLocation(fix));
  s.subscriptions.push(off);
}

/** Reports a fix now (or with the next one, inside the interval). Resolves to whether it was sent. */
export async function reportLocation(fix: LocationFix, o: { force?: boolean } = {}): Promise<boolean> {
  if (!started()) return false;
  const interval = session().opts.locationIntervalMs ?? 60_000;
  waiting.push({ ...fix, timestamp: fix.timestamp ?? Date.now() });
  if (waiting.length > MAX_KEPT) waiting = waiting.slice(-MAX_KEPT);
  const now = Date.now();
  if (!o.force && now - lastSentAt < interval) return false;
  const fixes = waiting;
  waiting = [];
  lastSentAt = now;
  try {
    const res = await post("/v1/location", { fixes });
    if (res.ok) return true;
    // 400: the server refused these fixes (a bad device clock): they would fail again.
    if (res.status !== 400) waiting = [...fixes, ...waiting].slice(-MAX_KEPT);
  } catch {
    waiting = [...fixes, ...waiting].slice(-MAX_KEPT);
  }
  return false;
}

// ───────────────────────── OS region monitoring ─────────────────────────

/** A circle for the OS to monitor (iOS: 20 at most per app; Android: 100). */
export interface MonitoredRegion {
  /** The fence id, or `REFRESH_REGION` for the region whose exit re-syncs. */
  identifier: string;
  latitude: number;
  longitude: number;
  radius: number;
}

/** The OS's region monitoring (e.g. `expoGeofencingMonitor`): replaces the monitored set. */
export interface RegionMonitor {
  monitor(regions: MonitoredRegion[]): Promise<void>;
}

/** The region around the last sync: leaving it means nearer fences may exist, so Beckon is asked again. */
export const REFRESH_REGION = "beckon:refresh";

interface Nearby {
  geofences: Array<{ id: string; latitude: number; longitude: number; radius: number }>;
  refreshDistance: number | null;
}

/**
 * Hands the OS the nearest fences from `GET /v1/geofences/nearby` plus a refresh region
 * around `fix` (the server's `refreshDistance`: how far the device can move before a nearer
 * fence could exist). The OS wakes the app on crossing any of them, at the cost of cell and
 * Wi-Fi positioning only, not GPS: far cheaper than a continuous watch. `limit` is the OS
 * budget less the refresh region (default 19, for iOS's 20).
 */
export async function syncRegions(
  monitor: RegionMonitor,
  fix: LocationFix,
  o: { limit?: number } = {},
): Promise<MonitoredRegion[]> {
  const s = session();
  const q = `lat=${fix.lat}&lng=${fix.lng}&limit=${o.limit ?? 19}&writeKey=${encodeURIComponent(s.opts.writeKey)}`;
  const res = await fetch(`${s.opts.host}/v1/geofences/nearby?${q}`);
  if (!res.ok) throw new Error(`/v1/geofences/nearby: ${res.status}`);
  const nearby = (await res.json()) as Nearby;
  const regions: MonitoredRegion[] = nearby.geofences.map((g) => ({
    identifier: g.id,
    latitude: g.latitude,
    longitude: g.longitude,
    radius: g.radius,
  }));
  // null: every fence of the app was returned, so moving cannot bring a new one into range.
  if (nearby.refreshDistance !== null)
    regions.push({ identifier: REFRESH_REGION, latitude: fix.lat, longitude: fix.lng, radius: nearby.refreshDistance });
  await monitor.monitor(regions);
  return regions;
}

/**
 * The OS reported a region crossing (call it from your geofencing task with a fresh fix):
 * the fix goes to Beckon at once, which decides enter/exit/dwell against all fences; leaving
 * the refresh region re-syncs the monitored set around the new position.
 */
export async function regionEvent(
  monitor: RegionMonitor,
  event: { identifier: string; exited: boolean; fix: LocationFix },
): Promise<void> {
  await reportLocation(event.fix, { force: true });
  if (event.identifier === REFRESH_REGION && event.exited) await syncRegions(monitor, event.fix);
}

/** The part of expo-location's geofencing used here (with expo-task-manager defining `taskName`). */
export interface ExpoGeofencingLike {
  startGeofencingAsync(
    taskName: string,
    regions: Array<{
      identifier?: string;
      latitude: number;
      longitude: number;
      radius: number;
      notifyOnEnter?: boolean;
      notifyOnExit?: boolean;
    }>,
  ): Promise<void>;
}

/** Region monitoring through expo-location (`startGeofencingAsync` replaces the task's regions). */
export function expoGeofencingMonitor(Location: ExpoGeofencingLike, taskName: string): RegionMonitor {
  return {
    monitor: (regions) =>
      Location.startGeofencingAsync(
        taskName,
        regions.map((r) => ({ ...r, notifyOnEnter: true, notifyOnExit: true })),
      ),
  };
}

/** Shutdown: the next session starts with nothing waiting. */
export function resetLocation(): void {
  waiting = [];
  lastSentAt = 0;
}

/** The part of `expo-location` used here (an optional peer); ask for permission first. */
export interface ExpoLocationLike {
  watchPositionAsync(
    options: { accuracy?: number; distanceInterval?: number; timeInterval?: number },
    callback: (p: {
      coords: { latitude: number; longitude: number; accuracy: number | null };
      timestamp: number;
    }) => void,
  ): Promise<{ remove(): void }>;
}

/**
 * Fixes from expo-location, at most one per `distanceInterval` metres moved (default 100):
 * a coarse, low-power watch; geofences here are tens of metres and up.
 */
export function expoLocationSource(
  Location: ExpoLocationLike,
  o: { accuracy?: number; distanceInterval?: number } = {},
): LocationSource {
  return {
    watch(listener) {
      let sub: { remove(): void } | null = null;
      let stopped = false;
      void Location.watchPositionAsync({ accuracy: o.accuracy, distanceInterval: o.distanceInterval ?? 100 }, (p) =>
        listener({
          lat: p.coords.latitude,
          lng: p.coords.longitude,
          accuracy: p.coords.accuracy ?? 100,
          timestamp: p.timestamp,
        }),
      ).then((s) => (stopped ? s.remove() : (sub = s)));
      return () => {
        stopped = true;
        sub?.remove();
      };
    },
  };
}
