import { type AppConfig, configPart, type ConfigPart, registerConfigPart } from "../config/app-config";
import { BeaconMatcher } from "../../domain/geo/beacons";
import { compileFence } from "../../domain/geo/fence";
import { FenceIndex } from "../../domain/geo/fence-index";
import { loadEnabledBeacons, loadEnabledFences } from "./geofence-store";

/** The app's geofences and beacon regions as the event path uses them. */
export interface GeoConfig {
  fences: FenceIndex;
  beacons: BeaconMatcher;
  /** When it was compiled and how long it took (ms), for the admin view and the bench. */
  compiledMs: number;
}

/**
 * Compiled once per app and config version per isolate (see app-config.ts): the
 * D1 read and the index build happen when an admin change bumps the version,
 * never per location update.
 */
export const geoConfigPart: ConfigPart<GeoConfig> = {
  name: "geofences",
  async load(db, appId) {
    const [fenceDefs, beaconRegions] = await Promise.all([loadEnabledFences(db, appId), loadEnabledBeacons(db, appId)]);
    const started = performance.now();
    const fences = new FenceIndex(fenceDefs.map(compileFence));
    return { fences, beacons: new BeaconMatcher(beaconRegions), compiledMs: performance.now() - started };
  },
};
registerConfigPart(geoConfigPart);

const EMPTY: GeoConfig = { fences: new FenceIndex([]), beacons: new BeaconMatcher([]), compiledMs: 0 };

export function geoConfig(config: AppConfig): GeoConfig {
  return configPart(config, geoConfigPart) ?? EMPTY;
}
