import type { JsonObject } from "../../../kernel/json";
import {
  BEACON_REGION_DWELLED,
  BEACON_REGION_ENTERED,
  BEACON_REGION_EXITED,
  GEOFENCE_DWELLED,
  GEOFENCE_ENTERED,
  GEOFENCE_EXITED,
} from "../../../kernel/internal-events";
import type { BeckonEvent } from "../../../domain/events/beckon-event";
import * as z from "zod";
import { command, defineFeature, noArgs, type UserContext } from "../../feature";
import type { LocationSummary } from "./geofence-commands";
import type { Timer } from "../../timers";
import {
  applySighting,
  BEACON_REGION_ID_PREFIX,
  type BeaconRegion,
  type BeaconSighting,
  parseSighting,
} from "../../../domain/geo/beacons";
import type { Fence } from "../../../domain/geo/fence";
import { geoConfig } from "../../../stores/geofences/geofence-config";
import { LocationUpdatedProperties } from "../../../domain/geo/geo-input";
import {
  bumpCounter,
  counters,
  GEO_SCHEMA,
  type LoadedGeoState,
  loadGeoState,
  saveGeoState,
  saveLastFix,
  snapshot,
} from "./geo-state-store";
import {
  applyDwellTimer,
  applyFix,
  DEFAULT_GEO_RULES,
  type Fix,
  type GeoEffect,
  type GeoRules,
  type Place,
} from "../../../domain/geo/transition";

/** Events Beckon emits (campaign triggers). Properties are documented in docs/geofences.md ("Events Beckon emits"). */

/** Events the SDK sends. */
export const LOCATION_UPDATED = "Location Updated";
export const BEACON_ENTERED = "Beacon Entered";
export const BEACON_EXITED = "Beacon Exited";

export const DWELL_TIMER = "geofence-dwell";
const dwellKey = (id: string) => `geo-dwell:${id}`;
const isBeaconId = (id: string) => id.startsWith(BEACON_REGION_ID_PREFIX);

function rulesOf(ctx: UserContext): GeoRules {
  return { ...DEFAULT_GEO_RULES, maxAccuracyM: ctx.config.settings.geofenceMaxAccuracyM };
}

const iso = (t: number) => new Date(t).toISOString();

function placeProps(p: Place): JsonObject {
  return { name: p.name, externalId: p.externalId, tags: p.tags, metadata: p.metadata };
}

function fenceProps(p: Place): JsonObject {
  const fence = p as Fence;
  return { fenceId: p.id, ...placeProps(p), kind: fence.shape?.type ?? "circle" };
}

function beaconProps(p: Place, sighting?: BeaconSighting): JsonObject {
  const region = p as BeaconRegion;
  return {
    regionId: p.id,
    ...placeProps(p),
    beaconType: region.beacon.type,
    ...(sighting ? { beacon: { ...sighting } } : {}),
  };
}

/** Turns the state machine's effects into events, timeline entries and timers — all inside the caller's transaction. */
function perform(
  ctx: UserContext,
  effects: GeoEffect[],
  context: { fix?: Fix; sighting?: BeaconSighting },
  summary?: LocationSummary,
): void {
  for (const e of effects) {
    switch (e.type) {
      case "entered": {
        const beacon = isBeaconId(e.fence.id);
        const props: JsonObject = beacon
          ? beaconProps(e.fence, context.sighting)
          : {
              ...fenceProps(e.fence),
              ...(context.fix
                ? { latitude: context.fix.lat, longitude: context.fix.lng, accuracy: context.fix.accuracy }
                : {}),
            };
        props.at = iso(e.at);
        ctx.emit(beacon ? BEACON_REGION_ENTERED : GEOFENCE_ENTERED, props);
        ctx.timeline.add(ctx.now, "geofence", {
          entered: e.fence.id,
          name: e.fence.name,
          at: iso(e.at),
          ...(context.fix ? { accuracy: context.fix.accuracy } : {}),
        });
        summary?.entered.push(e.fence.id);
        ctx.touchIndex(false);
        break;
      }
      case "exited": {
        const beacon = isBeaconId(e.fence.id);
        const durationSeconds = Math.round((e.at - e.visit.enteredAt) / 1000);
        const props: JsonObject = beacon
          ? beaconProps(e.fence, context.sighting)
          : {
              ...fenceProps(e.fence),
              ...(context.fix
                ? { latitude: context.fix.lat, longitude: context.fix.lng, accuracy: context.fix.accuracy }
                : {}),
            };
        Object.assign(props, { at: iso(e.at), enteredAt: iso(e.visit.enteredAt), durationSeconds });
        ctx.emit(beacon ? BEACON_REGION_EXITED : GEOFENCE_EXITED, props);
        ctx.timeline.add(ctx.now, "geofence", {
          exited: e.fence.id,
          name: e.fence.name,
          at: iso(e.at),
          durationSeconds,
          ...(e.distanceM !== undefined
            ? { outsideByM: Math.round(e.distanceM), bufferM: Math.round(e.bufferM ?? 0) }
            : {}),
        });
        summary?.exited.push(e.fence.id);
        ctx.touchIndex(false);
        break;
      }
      case "dwelled": {
        const beacon = isBeaconId(e.fence.id);
        const props: JsonObject = beacon ? beaconProps(e.fence) : fenceProps(e.fence);
        Object.assign(props, { dwellSeconds: e.fence.dwellSeconds, enteredAt: iso(e.visit.enteredAt), at: iso(e.at) });
        ctx.emit(beacon ? BEACON_REGION_DWELLED : GEOFENCE_DWELLED, props);
        ctx.timeline.add(ctx.now, "geofence", {
          dwelled: e.fence.id,
          name: e.fence.name,
          dwellSeconds: e.fence.dwellSeconds,
          at: iso(e.at),
        });
        summary?.dwelled.push(e.fence.id);
        break;
      }
      case "reentry_suppressed":
        ctx.timeline.add(ctx.now, "geofence", {
          suppressed: e.fence.id,
          name: e.fence.name,
          at: iso(e.at),
          reason: "re-entry within the fence's cooldown",
          cooldownUntil: iso(e.cooldownUntil),
        });
        break;
      case "dropped":
        ctx.timeline.add(ctx.now, "geofence", {
          dropped: e.fenceId,
          at: iso(e.at),
          reason: "fence or region deleted or disabled while inside",
        });
        ctx.touchIndex(false);
        break;
      case "schedule_dwell":
        ctx.timers.schedule({
          key: dwellKey(e.fenceId),
          dueAt: e.dueAt,
          kind: DWELL_TIMER,
          payload: { fenceId: e.fenceId, enteredAt: e.enteredAt },
        });
        break;
      case "cancel_dwell":
        ctx.timers.cancel(dwellKey(e.fenceId));
        break;
    }
  }
}

/**
 * Applies location fixes in timestamp order (a batch of history replays as it
 * happened). Each fix is judged by the accuracy rules; see transition.ts.
 */
export function applyFixes(ctx: UserContext, fixes: Fix[], summary: LocationSummary): void {
  const { fences } = geoConfig(ctx.config);
  const rules = rulesOf(ctx);
  const loaded = loadGeoState(ctx.sql);
  const before = snapshot(loaded);
  const order = fixes
    .map((fix, index) => ({ fix, index }))
    .sort((a, b) => a.fix.timestamp - b.fix.timestamp || a.index - b.index);
  let last: Fix | null = null;
  for (const { fix, index } of order) {
    const outcome = applyFix(fences, loaded.state, fix, rules, ctx.now, (id) => !isBeaconId(id));
    if (!outcome.applied) {
      summary.ignored.push({ index, reason: outcome.reason });
      bumpCounter(ctx.sql, `ignored_${outcome.reason}`);
      continue;
    }
    summary.applied++;
    last = { ...fix, timestamp: loaded.state.lastFixAt! };
    perform(ctx, outcome.effects, { fix }, summary);
  }
  if (summary.applied > 0) bumpCounter(ctx.sql, "applied", summary.applied);
  if (last) saveLastFix(ctx.sql, last, ctx.now);
  saveGeoState(ctx.sql, before, loaded);
  summary.inside = [...loaded.state.visits.values()].filter((v) => v.counted).map((v) => v.fenceId);
}

function onSighting(ctx: UserContext, event: BeckonEvent, action: "enter" | "exit"): void {
  const parsed = parseSighting(event.properties);
  if (!parsed.ok) {
    bumpCounter(ctx.sql, "ignored_invalid_beacon");
    ctx.timeline.add(ctx.now, "geofence", { ignored: event.name, reason: `${parsed.field}: ${parsed.message}` });
    return;
  }
  const { beacons } = geoConfig(ctx.config);
  const loaded = loadGeoState(ctx.sql);
  const before = snapshot(loaded);
  const effects = applySighting(
    beacons,
    loaded.state,
    loaded.presence,
    parsed.sighting,
    action,
    Math.min(event.timestamp, ctx.now),
  );
  perform(ctx, effects, { sighting: parsed.sighting });
  saveGeoState(ctx.sql, before, loaded);
}

function describeGeo(ctx: UserContext): JsonObject {
  const loaded: LoadedGeoState = loadGeoState(ctx.sql);
  const cfg = geoConfig(ctx.config);
  const nameOf = (id: string) => (isBeaconId(id) ? cfg.beacons.byId(id)?.name : cfg.fences.byId(id)?.name) ?? null;
  return {
    inside: [...loaded.state.visits.values()].map((v) => ({
      id: v.fenceId,
      name: nameOf(v.fenceId),
      enteredAt: iso(v.enteredAt),
      counted: v.counted,
      dwelled: v.dwelled,
      ...(loaded.presence.has(v.fenceId) ? { beacons: [...loaded.presence.get(v.fenceId)!] } : {}),
    })),
    cooldowns: Object.fromEntries([...loaded.state.cooldowns].map(([id, until]) => [id, iso(until)])),
    lastFix: loaded.lastFix
      ? {
          lat: loaded.lastFix.lat,
          lng: loaded.lastFix.lng,
          accuracy: loaded.lastFix.accuracy,
          at: iso(loaded.lastFix.timestamp),
          receivedAt: iso(loaded.lastFix.receivedAt),
        }
      : null,
    counters: counters(ctx.sql),
  };
}

const LocationArgs = z.object({
  fixes: z.array(z.object({ lat: z.number(), lng: z.number(), accuracy: z.number(), timestamp: z.number() })).max(1000),
});

function emptySummary(): LocationSummary {
  return { applied: 0, ignored: [], entered: [], exited: [], dwelled: [], inside: [] };
}

export const geofenceFeature = defineFeature({
  name: "geofences",
  schema: GEO_SCHEMA,

  onEvent(ctx, event) {
    if (event.internal || event.type !== "track") return;
    if (event.name === LOCATION_UPDATED) {
      const parsed = LocationUpdatedProperties.safeParse(event.properties);
      if (!parsed.success) {
        bumpCounter(ctx.sql, "ignored_invalid");
        ctx.timeline.add(ctx.now, "geofence", {
          ignored: LOCATION_UPDATED,
          reason: parsed.error.issues.map((i) => `properties.${i.path.join(".")}: ${i.message}`).join("; "),
        });
        return;
      }
      const p = parsed.data;
      // Unknown accuracy is taken as the app's limit: accepted, with the widest exit buffer.
      const accuracy = p.accuracy ?? p.horizontalAccuracy ?? ctx.config.settings.geofenceMaxAccuracyM;
      applyFixes(ctx, [{ lat: p.latitude, lng: p.longitude, accuracy, timestamp: event.timestamp }], emptySummary());
    } else if (event.name === BEACON_ENTERED) onSighting(ctx, event, "enter");
    else if (event.name === BEACON_EXITED) onSighting(ctx, event, "exit");
  },

  timers: {
    [DWELL_TIMER]: (ctx: UserContext, timer: Timer) => {
      const payload = timer.payload as { fenceId: string; enteredAt: number };
      const cfg = geoConfig(ctx.config);
      const place: Place | undefined = isBeaconId(payload.fenceId)
        ? cfg.beacons.byId(payload.fenceId)
        : cfg.fences.byId(payload.fenceId);
      const loaded = loadGeoState(ctx.sql);
      const before = snapshot(loaded);
      perform(ctx, applyDwellTimer(place, loaded.state, payload, ctx.now), {});
      saveGeoState(ctx.sql, before, loaded);
    },
  },

  commands: {
    /** `POST /v1/location`: the fixes were validated at the edge (ranges, future timestamps). */
    location: command(LocationArgs, (ctx, a) => {
      const summary = emptySummary();
      applyFixes(ctx, a.fixes, summary);
      return summary;
    }),
    /** The inside-set and last fix (admin and tests). */
    state: command(noArgs, (ctx) => describeGeo(ctx)),
  },

  indexAttrs(ctx) {
    const inside = ctx.sql
      .exec<{ fence_id: string }>(`SELECT fence_id FROM geo_visits WHERE counted = 1 ORDER BY entered_at LIMIT 20`)
      .toArray();
    return { insideGeofences: inside.map((r) => r.fence_id) };
  },

  describe: describeGeo,
});
