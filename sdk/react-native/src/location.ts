import {
  type LocationFix,
  LocationReporter,
  type MonitoredRegion,
  nearbyRegions,
  REFRESH_REGION,
} from "../../core/location";
import type { LocationSource } from "./options";
import { post, type Session, session, started } from "./session";

export { REFRESH_REGION, type MonitoredRegion };

/**
 * Location on React Native: fixes from the app's location source go through the core's
 * LocationReporter to `POST /v1/location` (at most one request per `locationIntervalMs`,
 * default a minute; fixes in between and unsent ones go with the next), and the OS monitors
 * the nearest regions the core asks Beckon for.
 */
let reporter: LocationReporter | null = null;
const current = (): LocationReporter =>
  (reporter ??= new LocationReporter({
    send: (fixes) => post("/v1/location", { fixes }),
    intervalMs: () => session().opts.locationIntervalMs ?? 60_000,
  }));

export function startLocation(s: Session, source: LocationSource): void {
  const off = source.watch((fix) => void reportLocation(fix));
  s.subscriptions.push(off);
}

/** Reports a fix now (or with the next one, inside the interval). Resolves to whether it was sent. */
export function reportLocation(fix: LocationFix, o: { force?: boolean } = {}): Promise<boolean> {
  if (!started()) return Promise.resolve(false);
  return current().report(fix, o.force);
}

// ───────────────────────── OS region monitoring ─────────────────────────

/** The OS's region monitoring (e.g. `expoGeofencingMonitor`): replaces the monitored set. */
export interface RegionMonitor {
  monitor(regions: MonitoredRegion[]): Promise<void>;
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
  const regions = await nearbyRegions(s.opts.host, s.opts.writeKey, fix, o.limit ?? 19);
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
  reporter = null;
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
