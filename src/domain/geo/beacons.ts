import type { Millis } from "../../kernel/clock";
import type { JsonObject } from "../../kernel/json";
import { catchUpDwell, enter, exit, type GeoEffect, type GeoState, type Place } from "./transition";

/**
 * Beacon regions: iBeacon (proximity UUID, optional major, optional minor — a
 * missing one matches any value, as in CLBeaconRegion) and Eddystone-UID
 * (10-byte namespace, optional 6-byte instance). The SDK reports sightings as
 * `Beacon Entered` / `Beacon Exited` track events; Beckon maps them to the
 * matching regions and emits `Beacon Region Entered` / `Exited` / `Dwelled`.
 */
export type BeaconSpec =
  | { type: "ibeacon"; uuid: string; major: number | null; minor: number | null }
  | { type: "eddystone"; namespace: string; instance: string | null };

export interface BeaconRegion extends Place {
  beacon: BeaconSpec;
}

/** One physical beacon as the SDK saw it. */
export type BeaconSighting =
  | { type: "ibeacon"; uuid: string; major: number; minor: number }
  | { type: "eddystone"; namespace: string; instance: string };

export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const NAMESPACE_RE = /^[0-9a-fA-F]{20}$/;
export const INSTANCE_RE = /^[0-9a-fA-F]{12}$/;

export const BEACON_REGION_ID_PREFIX = "bcn_";

/** A stable key for one physical beacon (several may hold a wildcard region open). */
export function sightingKey(s: BeaconSighting): string {
  return s.type === "ibeacon"
    ? `ibeacon:${s.uuid.toUpperCase()}:${s.major}:${s.minor}`
    : `eddystone:${s.namespace.toLowerCase()}:${s.instance.toLowerCase()}`;
}

const isUint16 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 65535;

/**
 * Reads a sighting from `Beacon Entered` / `Beacon Exited` properties:
 * {uuid, major, minor} or {namespace, instance}. Major/minor may arrive as
 * numeric strings (some SDKs stringify them). Returns the field at fault otherwise.
 */
export function parseSighting(
  p: JsonObject,
): { ok: true; sighting: BeaconSighting } | { ok: false; field: string; message: string } {
  const num = (v: unknown) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v);
  if (p.uuid !== undefined) {
    if (typeof p.uuid !== "string" || !UUID_RE.test(p.uuid))
      return { ok: false, field: "properties.uuid", message: "expected an iBeacon proximity UUID" };
    const major = num(p.major),
      minor = num(p.minor);
    if (!isUint16(major)) return { ok: false, field: "properties.major", message: "expected an integer 0–65535" };
    if (!isUint16(minor)) return { ok: false, field: "properties.minor", message: "expected an integer 0–65535" };
    return { ok: true, sighting: { type: "ibeacon", uuid: p.uuid.toUpperCase(), major, minor } };
  }
  if (p.namespace !== undefined) {
    if (typeof p.namespace !== "string" || !NAMESPACE_RE.test(p.namespace))
      return {
        ok: false,
        field: "properties.namespace",
        message: "expected a 10-byte Eddystone namespace (20 hex digits)",
      };
    if (typeof p.instance !== "string" || !INSTANCE_RE.test(p.instance))
      return {
        ok: false,
        field: "properties.instance",
        message: "expected a 6-byte Eddystone instance (12 hex digits)",
      };
    return {
      ok: true,
      sighting: { type: "eddystone", namespace: p.namespace.toLowerCase(), instance: p.instance.toLowerCase() },
    };
  }
  return {
    ok: false,
    field: "properties.uuid",
    message: "expected iBeacon {uuid, major, minor} or Eddystone {namespace, instance}",
  };
}

/** The app's beacon regions, looked up by UUID / namespace. */
export class BeaconMatcher {
  private readonly byKey = new Map<string, BeaconRegion[]>();
  private readonly byIdMap: Map<string, BeaconRegion>;

  constructor(readonly regions: readonly BeaconRegion[]) {
    this.byIdMap = new Map(regions.map((r) => [r.id, r]));
    for (const r of regions) {
      const key =
        r.beacon.type === "ibeacon" ? `i:${r.beacon.uuid.toUpperCase()}` : `e:${r.beacon.namespace.toLowerCase()}`;
      const list = this.byKey.get(key) ?? [];
      list.push(r);
      this.byKey.set(key, list);
    }
  }

  byId(id: string): BeaconRegion | undefined {
    return this.byIdMap.get(id);
  }

  /** Every region the sighting falls in (a specific region and a wildcard one can both match). */
  match(s: BeaconSighting): BeaconRegion[] {
    if (s.type === "ibeacon") {
      return (this.byKey.get(`i:${s.uuid.toUpperCase()}`) ?? []).filter(
        (r) =>
          r.beacon.type === "ibeacon" &&
          (r.beacon.major === null || r.beacon.major === s.major) &&
          (r.beacon.minor === null || r.beacon.minor === s.minor),
      );
    }
    return (this.byKey.get(`e:${s.namespace.toLowerCase()}`) ?? []).filter(
      (r) =>
        r.beacon.type === "eddystone" && (r.beacon.instance === null || r.beacon.instance.toLowerCase() === s.instance),
    );
  }
}

/** Region id → keys of the beacons currently seen in it. */
export type BeaconPresence = Map<string, Set<string>>;

/**
 * Applies one sighting. A region is entered with its first beacon and left when
 * its last beacon is gone, so walking between two beacons of one store is one
 * stay. Cooldown and dwell work as for geofences.
 */
export function applySighting(
  matcher: BeaconMatcher,
  state: GeoState,
  presence: BeaconPresence,
  s: BeaconSighting,
  action: "enter" | "exit",
  t: Millis,
): GeoEffect[] {
  const effects: GeoEffect[] = [];
  // Regions deleted or disabled while the person was inside end silently.
  for (const id of [...state.visits.keys()]) {
    if (!id.startsWith(BEACON_REGION_ID_PREFIX) || matcher.byId(id)) continue;
    state.visits.delete(id);
    presence.delete(id);
    effects.push({ type: "dropped", fenceId: id, at: t }, { type: "cancel_dwell", fenceId: id });
  }
  const key = sightingKey(s);
  for (const region of matcher.match(s)) {
    const seen = presence.get(region.id) ?? new Set<string>();
    const visit = state.visits.get(region.id);
    if (visit) catchUpDwell(region, visit, t, effects);
    if (action === "enter") {
      seen.add(key);
      presence.set(region.id, seen);
      if (!visit) enter(region, state, t, effects);
    } else {
      seen.delete(key);
      if (seen.size > 0) continue;
      presence.delete(region.id);
      if (visit) {
        effects.push({ type: "cancel_dwell", fenceId: region.id });
        exit(region, visit, state, t, effects);
      }
    }
  }
  return effects;
}
