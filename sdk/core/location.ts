/**
 * Location for server-side geofencing, platform-free: fixes go to `POST /v1/location`, where
 * Beckon evaluates every fence (no OS region limit). At most one request per interval (the
 * radio costs more battery than the fix, and dwell times are minutes); fixes in between, or
 * that could not be sent, are kept and go with the next request (the route takes batches in
 * time order). And the regions to hand the OS: the nearest fences plus a refresh region.
 */

/** One position fix, as `POST /v1/location` takes it. */
export interface LocationFix {
  lat: number;
  lng: number;
  /** Metres (the radius of 68 % confidence). */
  accuracy: number;
  /** Milliseconds since the epoch. */
  timestamp?: number;
}

const MAX_KEPT = 50;

export class LocationReporter {
  private waiting: LocationFix[] = [];
  private lastSentAt = 0;
  private readonly o: {
    send: (fixes: LocationFix[]) => Promise<Response>;
    intervalMs: () => number;
    now?: () => number;
  };

  constructor(options: LocationReporter["o"]) {
    this.o = options;
  }

  /** Reports a fix now (or with the next one, inside the interval). Resolves to whether it was sent. */
  async report(fix: LocationFix, force = false): Promise<boolean> {
    const now = this.o.now?.() ?? Date.now();
    this.waiting.push({ ...fix, timestamp: fix.timestamp ?? now });
    if (this.waiting.length > MAX_KEPT) this.waiting = this.waiting.slice(-MAX_KEPT);
    if (!force && now - this.lastSentAt < this.o.intervalMs()) return false;
    const fixes = this.waiting;
    this.waiting = [];
    this.lastSentAt = now;
    try {
      const res = await this.o.send(fixes);
      if (res.ok) return true;
      // 400: the server refused these fixes (a bad device clock): they would fail again.
      if (res.status !== 400) this.keep(fixes);
    } catch {
      this.keep(fixes);
    }
    return false;
  }

  private keep(fixes: LocationFix[]): void {
    this.waiting = [...fixes, ...this.waiting].slice(-MAX_KEPT);
  }
}

/** A circle for the OS to monitor (iOS: 20 at most per app; Android: 100). */
export interface MonitoredRegion {
  /** The fence id, or `REFRESH_REGION` for the region whose exit re-syncs. */
  identifier: string;
  latitude: number;
  longitude: number;
  radius: number;
}

/** The region around the last sync: leaving it means nearer fences may exist, so Beckon is asked again. */
export const REFRESH_REGION = "beckon:refresh";

interface Nearby {
  geofences: Array<{ id: string; latitude: number; longitude: number; radius: number }>;
  refreshDistance: number | null;
}

/**
 * The nearest `limit` fences from `GET /v1/geofences/nearby` plus a refresh region around `fix`
 * (the server's `refreshDistance`: how far the device can move before a nearer fence could exist).
 */
export async function nearbyRegions(host: string, writeKey: string, fix: LocationFix, limit: number) {
  const q = `lat=${fix.lat}&lng=${fix.lng}&limit=${limit}&writeKey=${encodeURIComponent(writeKey)}`;
  const res = await fetch(`${host}/v1/geofences/nearby?${q}`);
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
  return regions;
}
