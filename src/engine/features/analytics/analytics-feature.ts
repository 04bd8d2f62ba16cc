import { configPart } from "../../../stores/config/app-config";
import { BECAME_LOYAL, LIFECYCLE_CHANGED } from "../../../kernel/internal-events";

import type { Json, JsonObject } from "../../../kernel/json";
import type { UserContext, UserFeature } from "../../feature";
import { funnelRows } from "../../../domain/analytics/counters";

import {
  advanceFunnel,
  type Dimensions,
  type FunnelState,
  type LiveFunnel,
  mergeFunnelStates,
  utcDay,
} from "../../../domain/analytics/funnel";

import { funnelsConfigPart } from "../../../stores/analytics/funnel-store";

import { advanceRetention, mergeRetention, type RetentionState } from "../../../domain/analytics/retention";

import { ATTRIBUTION_DAYS, campaignMoveRow, moveRow } from "../../../domain/analytics/lifecycle-flow";

import { DAY } from "../../../kernel/clock";

import { CONSENT_CHANNELS } from "../../../domain/delivery/channel";

import { countActive, emptyKpi, type KpiState, moveGauges, withdrawGauges } from "../../../domain/analytics/kpi";

/**
 * The UserObject side of analytics: advances the person's funnel states on their own (SDK) events
 * and adds the steps reached to the app-wide counters (ctx.recordCounts → INDEX queue → D1).
 * State is read once per transaction and written once, just before it commits.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS analytics_funnels (funnel_id TEXT PRIMARY KEY, state TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS analytics_retention (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS analytics_kpi (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS analytics_lc_campaigns (campaign_id TEXT NOT NULL, move TEXT NOT NULL, PRIMARY KEY (campaign_id, move));`;

const RETENTION_MEMO = "analytics.retention";

function retentionMemo(ctx: UserContext): { state: RetentionState } {
  return ctx.memo(RETENTION_MEMO, () => {
    const row = ctx.sql.exec<{ state: string }>(`SELECT state FROM analytics_retention WHERE id = 1`).toArray()[0];
    return { state: row ? (JSON.parse(row.state) as RetentionState) : { cohorts: {}, last: {} } };
  });
}

function saveRetention(ctx: UserContext, state: RetentionState): void {
  ctx.sql.exec(
    `INSERT INTO analytics_retention (id, state) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state`,
    JSON.stringify(state),
  );
}

/** The events retention can start from or return with: the purchase event and the app's list. */
export function retentionEvents(settings: UserContext["config"]["settings"]): string[] {
  return [...new Set([settings.purchaseEvent, ...(settings.retentionEvents ?? [])])];
}

function countRetention(ctx: UserContext, event: { name: string; timestamp: number }): void {
  const memo = retentionMemo(ctx);
  const { state, rows } = advanceRetention(
    memo.state,
    event,
    ctx.profile.firstSeen,
    retentionEvents(ctx.config.settings),
  );
  if (rows.length === 0) return;
  memo.state = state;
  ctx.recordCounts(rows);
  ctx.beforeCommit("analytics.retention", () => saveRetention(ctx, memo.state));
}

const KPI_MEMO = "analytics.kpi";

function kpiMemo(ctx: UserContext): { state: KpiState; dirty: boolean } {
  return ctx.memo(KPI_MEMO, () => {
    const row = ctx.sql.exec<{ state: string }>(`SELECT state FROM analytics_kpi WHERE id = 1`).toArray()[0];
    return { state: row ? (JSON.parse(row.state) as KpiState) : emptyKpi(), dirty: false };
  });
}

/** The person's gauge states now (src/domain/analytics/kpi.ts). */
function gaugeStates(ctx: UserContext): Record<string, string> {
  const p = ctx.profile;
  const states: Record<string, string> = { people: "" };
  for (const ch of CONSENT_CHANNELS) states[`consent.${ch}`] = p.consent[ch]?.status ?? "unknown";
  states.push = !p.hadPushToken ? "none" : ctx.devices.pushTargets().length > 0 ? "installed" : "uninstalled";
  return states;
}

/**
 * KPIs: active periods on each event at once; gauges once per transaction, just before it commits
 * (devices and consent may change during it, and reading devices per event would cost a query each).
 */
function countKpis(ctx: UserContext, eventAt: number | null): void {
  const memo = kpiMemo(ctx);
  if (eventAt !== null) {
    const a = countActive(memo.state, eventAt);
    if (a.rows.length > 0) {
      memo.state = a.state;
      memo.dirty = true;
      ctx.recordCounts(a.rows);
    }
  }
  ctx.beforeCommit("analytics.kpi", () => {
    const g = moveGauges(memo.state, gaugeStates(ctx), utcDay(ctx.now));
    if (g.rows.length > 0) {
      memo.state = g.state;
      memo.dirty = true;
      ctx.recordCounts(g.rows);
    }
    if (!memo.dirty) return;
    memo.dirty = false;
    ctx.sql.exec(
      `INSERT INTO analytics_kpi (id, state) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state`,
      JSON.stringify(memo.state),
    );
  });
}

/** A lifecycle move: counted app-wide, and once per person for each campaign entered in the last ATTRIBUTION_DAYS. */
function countMove(ctx: UserContext, from: string, to: string): void {
  const day = utcDay(ctx.now);
  ctx.recordCounts([moveRow(day, from, to)]);
  const entered = ctx.sql
    .exec<{ campaign_id: string; control: number }>(
      `SELECT campaign_id, control FROM journeys j WHERE entered_at >= ? AND entered_at = (SELECT MAX(entered_at) FROM journeys k WHERE k.campaign_id = j.campaign_id)`,
      ctx.now - ATTRIBUTION_DAYS * DAY,
    )
    .toArray();
  for (const e of entered) {
    const fresh =
      ctx.sql
        .exec(
          `INSERT OR IGNORE INTO analytics_lc_campaigns (campaign_id, move) VALUES (?, ?) RETURNING campaign_id`,
          e.campaign_id,
          `${from}>${to}`,
        )
        .toArray().length > 0;
    if (fresh) ctx.recordCounts([campaignMoveRow(day, e.campaign_id, e.control ? "control" : "treatment", from, to)]);
  }
}

const FUNNELS_MEMO = "analytics.funnels";

interface FunnelMemo {
  states: Map<string, FunnelState>;
  dirty: Set<string>;
}

function liveFunnels(ctx: UserContext): LiveFunnel[] {
  return configPart(ctx.config, funnelsConfigPart) ?? [];
}

function funnelMemo(ctx: UserContext): FunnelMemo {
  return ctx.memo(FUNNELS_MEMO, () => ({
    states: new Map(
      ctx.sql
        .exec<{ funnel_id: string; state: string }>(`SELECT funnel_id, state FROM analytics_funnels`)
        .toArray()
        .map((r) => [r.funnel_id, JSON.parse(r.state) as FunnelState]),
    ),
    dirty: new Set<string>(),
  }));
}

function saveFunnels(ctx: UserContext, memo: FunnelMemo): void {
  for (const id of memo.dirty) {
    const state = memo.states.get(id);
    if (!state || state.entries.length === 0) ctx.sql.exec(`DELETE FROM analytics_funnels WHERE funnel_id = ?`, id);
    else
      ctx.sql.exec(
        `INSERT INTO analytics_funnels (funnel_id, state) VALUES (?, ?) ON CONFLICT(funnel_id) DO UPDATE SET state = excluded.state`,
        id,
        JSON.stringify(state),
      );
  }
  memo.dirty.clear();
}

/** The person's breakdown values as of now (read when a funnel entry begins). */
export function breakdownValues(ctx: UserContext, funnel: LiveFunnel): Dimensions {
  const c = ctx.profile.context;
  const dims: Dimensions = {
    os: str(c?.os?.name),
    appVersion: str(c?.app?.version),
    firstCampaign: str(c?.firstCampaign?.name),
    lifecycle: ctx.profile.lifecycle.state,
  };
  if (funnel.armCampaignId) {
    const row = ctx.sql
      .exec<{ arm: string; control: number }>(
        `SELECT arm, control FROM journeys WHERE campaign_id = ? ORDER BY entered_at DESC LIMIT 1`,
        funnel.armCampaignId,
      )
      .toArray()[0];
    dims.arm = row ? (row.control ? "control" : row.arm) : "(not entered)";
  }
  return dims;
}

const str = (v: unknown): string =>
  typeof v === "string" && v !== "" ? v : typeof v === "number" ? String(v) : "(unknown)";

export const analyticsFeature: UserFeature = {
  name: "analytics",
  schema: SCHEMA,

  onEvent(ctx, event) {
    if (event.internal) {
      if (event.name === LIFECYCLE_CHANGED) countMove(ctx, String(event.properties.from), String(event.properties.to));
      else if (event.name === BECAME_LOYAL) countMove(ctx, "*", "loyal");
      return;
    }
    countRetention(ctx, event);
    countKpis(ctx, event.timestamp);
    const funnels = liveFunnels(ctx);
    if (funnels.length === 0) return;
    let memo: FunnelMemo | null = null;
    for (const funnel of funnels) {
      // Only funnels naming this event can move.
      if (!funnel.steps.some((s) => s.event === event.name)) continue;
      memo ??= funnelMemo(ctx);
      const before = memo.states.get(funnel.id) ?? { entries: [] };
      const { state, facts } = advanceFunnel(before, event, funnel, ctx.now, () => breakdownValues(ctx, funnel));
      if (facts.length === 0 && state.entries.length === before.entries.length) continue;
      memo.states.set(funnel.id, state);
      memo.dirty.add(funnel.id);
      for (const fact of facts) ctx.recordCounts(funnelRows(funnel.id, fact));
      const m = memo;
      ctx.beforeCommit("analytics.funnels", () => saveFunnels(ctx, m));
    }
  },

  onStateChange(ctx) {
    countKpis(ctx, null);
  },

  handOver(sql) {
    const funnels = sql
      .exec<{ funnel_id: string; state: string }>(`SELECT funnel_id, state FROM analytics_funnels`)
      .toArray();
    const retention = sql.exec<{ state: string }>(`SELECT state FROM analytics_retention WHERE id = 1`).toArray()[0];
    const kpi = sql.exec<{ state: string }>(`SELECT state FROM analytics_kpi WHERE id = 1`).toArray()[0];
    return {
      funnels: Object.fromEntries(funnels.map((r) => [r.funnel_id, JSON.parse(r.state) as Json])),
      retention: retention ? (JSON.parse(retention.state) as Json) : null,
      kpi: kpi ? (JSON.parse(kpi.state) as Json) : null,
    };
  },

  absorb(ctx, data) {
    const given = data as {
      funnels?: Record<string, FunnelState>;
      retention?: RetentionState | null;
      kpi?: KpiState | null;
    };
    if (given.kpi) {
      // The visitor is now this person: their gauge contributions go, and periods they were counted active in are not counted again.
      ctx.recordCounts(withdrawGauges(given.kpi, utcDay(ctx.now)));
      const k = kpiMemo(ctx);
      const t = given.kpi;
      k.state = {
        ...k.state,
        d: t.d > k.state.d ? t.d : k.state.d,
        w: t.w > k.state.w ? t.w : k.state.w,
        m: t.m > k.state.m ? t.m : k.state.m,
      };
      ctx.sql.exec(
        `INSERT INTO analytics_kpi (id, state) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state`,
        JSON.stringify(k.state),
      );
    }
    if (given.retention) {
      // The visitor's cohorts and counted periods become the person's: a visitor who signs up is not a second newcomer.
      const r = retentionMemo(ctx);
      r.state = mergeRetention(r.state, given.retention);
      saveRetention(ctx, r.state);
    }
    const handed = given.funnels ?? {};
    const memo = funnelMemo(ctx);
    for (const funnel of liveFunnels(ctx)) {
      const theirs = handed[funnel.id];
      if (!theirs) continue;
      memo.states.set(
        funnel.id,
        mergeFunnelStates(funnel, memo.states.get(funnel.id) ?? { entries: [] }, theirs, ctx.now),
      );
      memo.dirty.add(funnel.id);
    }
    saveFunnels(ctx, memo);
  },

  describe(ctx) {
    const memo = funnelMemo(ctx);
    const funnels: JsonObject = {};
    for (const [id, state] of memo.states)
      funnels[id] = state.entries.map((e) => ({
        step: e.step,
        start: new Date(e.start).toISOString(),
        day: e.day,
        ...(e.key !== null ? { key: e.key } : {}),
      }));
    return { funnels };
  },
};
