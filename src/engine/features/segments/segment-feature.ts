import type { Millis } from "../../../kernel/clock";
import { SEGMENT_ENTERED, SEGMENT_EXITED } from "../../../kernel/internal-events";
import { configPart } from "../../../stores/config/app-config";
import { matchesFilters, type PropertyFilter } from "../../../domain/filters/property-filter";
import type { JsonObject } from "../../../kernel/json";
import { command, defineFeature, noArgs, type UserContext } from "../../feature";
import { ATTR } from "../../../domain/segments/index-attrs";
import { evaluateSegment, nextWindowChange, type SegmentFacts } from "../../../domain/segments/segment-eval";
import { type LiveSegment, segmentsConfigPart } from "../../../stores/segments/segment-store";
import { onDailyRescore, readScores } from "./scoring-feature";

/**
 * Saved segments, evaluated live inside the UserObject: after every event (SDK
 * or internal, e.g. a lifecycle or RFM change), when a behaviour window slides
 * (a timer at the exact instant), and daily. Entering or leaving emits
 * `Segment Entered` / `Segment Exited` with the segment id, which campaigns
 * trigger on; current memberships go to the users index (`attrs.segments`).
 */
export const SEGMENT_WINDOW_TIMER = "segments-window";
/** Session starts kept for `sessions` conditions (the longest window is 400 days). */
const MAX_SESSION_ROWS = 2000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS segment_members (segment_id TEXT PRIMARY KEY, version INTEGER NOT NULL, since INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS segment_sessions (at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS segment_sessions_at ON segment_sessions(at);
  CREATE TABLE IF NOT EXISTS segment_state (id INTEGER PRIMARY KEY CHECK (id = 1), sessions INTEGER NOT NULL);`;

function liveSegments(ctx: UserContext): LiveSegment[] {
  return configPart(ctx.config, segmentsConfigPart) ?? [];
}

/** The person as the segment language sees them (profile, scores, devices, bounded event log). */
export function segmentFacts(ctx: UserContext): SegmentFacts {
  const p = ctx.profile;
  const scores = readScores(ctx);
  const eventCache = new Map<string, Array<{ at: number; properties: string }>>();
  return {
    now: ctx.now,
    traits: p.traits,
    context: (p.context ?? {}) as Record<string, unknown>,
    lifecycle: p.lifecycle.state,
    loyal: p.lifecycle.loyal,
    rfmSegment: scores.rfm?.segment ?? null,
    churnBand: scores.churn?.band ?? null,
    scores:
      scores.rfm || scores.churn
        ? {
            r: scores.rfm?.r ?? Number.NaN,
            f: scores.rfm?.f ?? Number.NaN,
            m: scores.rfm?.m ?? Number.NaN,
            pAlive: scores.churn?.pAlive ?? Number.NaN,
            expectedPurchases30: scores.churn?.expectedPurchases30 ?? Number.NaN,
          }
        : null,
    consent: Object.fromEntries(Object.entries(p.consent).map(([ch, rec]) => [ch, rec?.status ?? "unknown"])),
    // Read lazily: most segments never ask, and it costs a devices query.
    get platforms() {
      return [...new Set(ctx.devices.pushTargets().map((d) => d.platform))];
    },
    counters: { purchases: p.counters.purchases, revenue: p.counters.revenue, sessions: p.counters.sessions },
    firstSeen: p.firstSeen,
    lastSeen: p.lastSeen,
    eventTimes(name: string, since: Millis, where: readonly PropertyFilter[]): Millis[] {
      let rows = eventCache.get(name);
      if (!rows) eventCache.set(name, (rows = ctx.eventLog(name)));
      return rows
        .filter(
          (r) =>
            r.at >= since &&
            (where.length === 0 || matchesFilters(JSON.parse(r.properties) as Record<string, unknown>, where)),
        )
        .map((r) => r.at);
    },
    sessionTimes(since: Millis): Millis[] {
      return ctx.sql
        .exec<{ at: number }>(`SELECT at FROM segment_sessions WHERE at >= ? ORDER BY at`, since)
        .toArray()
        .map((r) => r.at);
    },
  };
}

/** Session starts are counted by the profile; remember when each began, for windowed session counts. */
function recordSessionStart(ctx: UserContext, at: Millis): void {
  // Read once per transaction (a batch of events is one transaction), then kept current here.
  const recorded = ctx.memo("segments.sessions", () => ({
    sessions:
      ctx.sql.exec<{ sessions: number }>(`SELECT sessions FROM segment_state WHERE id = 1`).toArray()[0]?.sessions ??
      -1,
  }));
  const sessions = ctx.profile.counters.sessions;
  if (recorded.sessions >= sessions) return;
  recorded.sessions = sessions;
  ctx.sql.exec(
    `INSERT INTO segment_state (id, sessions) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET sessions = excluded.sessions`,
    sessions,
  );
  ctx.sql.exec(`INSERT INTO segment_sessions (at) VALUES (?)`, at);
  ctx.sql.exec(
    `DELETE FROM segment_sessions WHERE rowid NOT IN (SELECT rowid FROM segment_sessions ORDER BY at DESC LIMIT ?)`,
    MAX_SESSION_ROWS,
  );
}

interface Membership {
  segmentId: string;
  version: number;
  since: Millis;
}

const MEMBERS_MEMO = "segments.members";

/** Current memberships, read once per transaction; evaluateSegments drops the memo when it writes. */
function memberships(ctx: UserContext): Membership[] {
  return ctx.memo(MEMBERS_MEMO, () =>
    ctx.sql
      .exec<{ segment_id: string; version: number; since: number }>(
        `SELECT segment_id, version, since FROM segment_members ORDER BY segment_id`,
      )
      .toArray()
      .map((r) => ({ segmentId: r.segment_id, version: r.version, since: r.since })),
  );
}

/** Evaluates every saved segment, records entries and exits, and sets the window timer. */
export function evaluateSegments(ctx: UserContext): { entered: string[]; exited: string[] } {
  const segments = liveSegments(ctx);
  const current = new Map(memberships(ctx).map((m) => [m.segmentId, m]));
  ctx.forget(MEMBERS_MEMO); // this evaluation rewrites them
  const facts = segmentFacts(ctx);
  const entered: string[] = [];
  const exited: string[] = [];
  let nextChange: Millis | null = null;
  const known = new Set<string>();
  for (const segment of segments) {
    known.add(segment.id);
    const inside = evaluateSegment(segment.filter, facts);
    const was = current.get(segment.id);
    if (inside && !was) {
      ctx.sql.exec(
        `INSERT INTO segment_members (segment_id, version, since) VALUES (?, ?, ?)`,
        segment.id,
        segment.version,
        ctx.now,
      );
      entered.push(segment.id);
      ctx.timeline.add(ctx.now, "segment", { entered: segment.id, version: segment.version });
      ctx.emit(SEGMENT_ENTERED, { segmentId: segment.id, version: segment.version });
    } else if (!inside && was) {
      ctx.sql.exec(`DELETE FROM segment_members WHERE segment_id = ?`, segment.id);
      exited.push(segment.id);
      ctx.timeline.add(ctx.now, "segment", { exited: segment.id, version: segment.version, memberSince: was.since });
      ctx.emit(SEGMENT_EXITED, { segmentId: segment.id, version: segment.version });
    } else if (inside && was && was.version !== segment.version) {
      ctx.sql.exec(`UPDATE segment_members SET version = ? WHERE segment_id = ?`, segment.version, segment.id);
    }
    const change = nextWindowChange(segment.filter, facts);
    if (change !== null && (nextChange === null || change < nextChange)) nextChange = change;
  }
  // A deleted segment leaves no trace (no exit event: there is nothing left to trigger on).
  for (const id of current.keys())
    if (!known.has(id)) ctx.sql.exec(`DELETE FROM segment_members WHERE segment_id = ?`, id);
  if (entered.length > 0 || exited.length > 0 || current.size !== known.size) ctx.touchIndex(true);

  if (nextChange === null) ctx.timers.cancel(SEGMENT_WINDOW_TIMER);
  else {
    const existing = ctx.timers.get(SEGMENT_WINDOW_TIMER);
    if (!existing || existing.dueAt !== nextChange)
      ctx.timers.schedule({ key: SEGMENT_WINDOW_TIMER, dueAt: nextChange, kind: SEGMENT_WINDOW_TIMER, payload: {} });
  }
  return { entered, exited };
}

onDailyRescore((ctx) => void evaluateSegments(ctx));

export const segmentFeature = defineFeature({
  name: "segments",
  schema: SCHEMA,

  onEvent(ctx, event) {
    // Its own events change nothing a segment reads; skipping them avoids a pointless re-evaluation.
    if (event.internal && (event.name === SEGMENT_ENTERED || event.name === SEGMENT_EXITED)) return;
    if (!event.internal) recordSessionStart(ctx, event.timestamp);
    if (liveSegments(ctx).length === 0 && memberships(ctx).length === 0) return;
    evaluateSegments(ctx);
  },

  // Consent, devices and invalid tokens change what consent- and platform-based segments read.
  onStateChange(ctx) {
    if (liveSegments(ctx).length > 0 || memberships(ctx).length > 0) evaluateSegments(ctx);
  },

  timers: {
    [SEGMENT_WINDOW_TIMER]: (ctx) => void evaluateSegments(ctx),
  },

  commands: {
    /** Re-evaluate now; returns the memberships after evaluation. */
    evaluate: command(noArgs, (ctx) => {
      const changes = evaluateSegments(ctx);
      return { ...changes, members: memberships(ctx).map((m) => m.segmentId) };
    }),
  },

  indexAttrs(ctx) {
    const p = ctx.profile;
    const consent: JsonObject = {};
    for (const [channel, record] of Object.entries(p.consent)) if (record) consent[channel] = record.status;
    return {
      [ATTR.segmentIds]: memberships(ctx).map((m) => m.segmentId),
      [ATTR.consent]: consent,
      [ATTR.platforms]: [...new Set(ctx.devices.pushTargets().map((d) => d.platform))],
      [ATTR.addresses]: [...(p.email ? ["email"] : []), ...(p.phone ? ["phone"] : [])],
    };
  },

  describe(ctx) {
    return {
      members: memberships(ctx).map((m) => ({
        segmentId: m.segmentId,
        version: m.version,
        since: new Date(m.since).toISOString(),
      })),
      nextWindowChange: ctx.timers.get(SEGMENT_WINDOW_TIMER)?.dueAt ?? null,
    } as JsonObject;
  },
});
