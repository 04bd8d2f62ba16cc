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

/** Shutdown: the next session starts with nothing waiting. */
export function resetLocation(): void {
  waiting = [];
  lastSentAt = 0;
}

/** The part of `expo-location` used here (an optional peer); ask for permission first. */
export interface ExpoLocationLike {
  watchPositionAsync(
    options: { accuracy?: number; distanceInterval?: number; timeInterval?: number },
    callback: (p: { coords: { latitude: number; longitude: number; accuracy: number | null }; timestamp: number }) => void,
  ): Promise<{ remove(): void }>;
}

/**
 * Fixes from expo-location, at most one per `distanceInterval` metres moved (default 100):
 * a coarse, low-power watch; geofences here are tens of metres and up.
 */
export function expoLocationSource(Location: ExpoLocationLike, o: { accuracy?: number; distanceInterval?: number } = {}): LocationSource {
  return {
    watch(listener) {
      let sub: { remove(): void } | null = null;
      let stopped = false;
      void Location.watchPositionAsync({ accuracy: o.accuracy, distanceInterval: o.distanceInterval ?? 100 }, (p) =>
        listener({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy ?? 100, timestamp: p.timestamp }),
      ).then((s) => (stopped ? s.remove() : (sub = s)));
      return () => {
        stopped = true;
        sub?.remove();
      };
    },
  };
}
