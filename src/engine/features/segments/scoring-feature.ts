import { DAY } from "../../../kernel/clock";
import { CHURN_RISK_CHANGED, RFM_SEGMENT_CHANGED } from "../../../kernel/internal-events";
import { configPart } from "../../../stores/config/app-config";
import type { JsonObject } from "../../../kernel/json";
import { command, defineFeature, noArgs, type UserContext } from "../../feature";
import type { ChurnScore, ScoreState } from "./segment-commands";
import { churnBandOf, expectedPurchases, pAlive, WEEK } from "../../../domain/segments/bgnbd";
import { ATTR } from "../../../domain/segments/index-attrs";
import { type AppModel, modelsConfigPart, NO_MODEL } from "../../../stores/segments/model-store";
import { scoreRfm } from "../../../domain/segments/rfm";

/**
 * Each person scores themselves inside their UserObject: RFM (with the app's
 * nightly cut points) and BG/NBD churn risk (with the app's nightly fit), on
 * every purchase, when the app's model changes, and once a day by timer (time
 * alone moves recency and P(alive)). Transitions go on the timeline and are
 * emitted as internal events campaigns trigger on.
 */
export const SCORING_DAILY = "scoring-daily";
/** Purchases expected in this horizon are shown and indexed. */
export const EXPECTED_HORIZON_DAYS = 30;
/**
 * Non-customers unseen for longer than the longest behaviour window stop waking up daily
 * (nothing about them changes with time). Customers keep waking: their recency, P(alive)
 * and band move with time, and a new nightly model re-scales everyone.
 */
const DAILY_WAKE_MAX_IDLE = 400 * DAY;

const EMPTY: ScoreState = { rfm: null, churn: null, modelVersion: -1, at: 0 };

const SCORES_MEMO = "scoring.state";

export function readScores(ctx: UserContext): ScoreState {
  return ctx.memo(SCORES_MEMO, () => {
    const row = ctx.sql.exec<{ doc: string }>(`SELECT doc FROM segment_scores WHERE id = 1`).toArray()[0];
    return row ? (JSON.parse(row.doc) as ScoreState) : EMPTY;
  });
}

/** Readers in this transaction see `state` at once; storage gets it once, at commit (a batch may re-score per purchase). */
function writeScores(ctx: UserContext, state: ScoreState): void {
  ctx.forget(SCORES_MEMO);
  ctx.memo(SCORES_MEMO, () => state);
  ctx.beforeCommit(SCORES_MEMO, () =>
    ctx.sql.exec(
      `INSERT INTO segment_scores (id, doc) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc`,
      JSON.stringify(state),
    ),
  );
}

function modelOf(ctx: UserContext): AppModel {
  return configPart(ctx.config, modelsConfigPart) ?? NO_MODEL;
}

const round = (n: number, digits = 6) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The person's churn inputs and scores under the app's fit; null before a first purchase or a fit. */
export function churnScoreOf(ctx: UserContext, model: AppModel): ChurnScore | null {
  const c = ctx.profile.counters;
  if (!model.bgnbd || c.firstPurchase === null || c.lastPurchase === null) return null;
  const x = Math.max(0, c.purchaseDays - 1);
  const tx = Math.max(0, (c.lastPurchase - c.firstPurchase) / WEEK);
  const T = Math.max(tx, (ctx.now - c.firstPurchase) / WEEK);
  const p = pAlive(model.bgnbd, x, tx, T);
  const expected = expectedPurchases(model.bgnbd, EXPECTED_HORIZON_DAYS / 7, x, tx, T);
  return {
    x,
    tx: round(tx, 4),
    T: round(T, 4),
    pAlive: round(p),
    expectedPurchases30: Number.isFinite(expected) ? round(expected) : 0,
    band: churnBandOf(p, ctx.config.settings.churnBands),
  };
}

/** Re-scores the person; records and emits any change of RFM segment or churn band. */
export function rescore(ctx: UserContext): ScoreState {
  const model = modelOf(ctx);
  const previous = readScores(ctx);
  const c = ctx.profile.counters;
  const rfm = model.cutPoints
    ? scoreRfm({ purchases: c.purchases, revenue: c.revenue, lastPurchase: c.lastPurchase }, model.cutPoints, ctx.now)
    : null;
  const churn = churnScoreOf(ctx, model);
  const next: ScoreState = { rfm, churn, modelVersion: model.version, at: ctx.now };
  writeScores(ctx, next);

  const from = previous.rfm?.segment ?? null;
  const to = rfm?.segment ?? null;
  if (from !== to) {
    ctx.timeline.add(ctx.now, "segment", {
      rfm: { from, to },
      r: rfm?.r ?? null,
      f: rfm?.f ?? null,
      m: rfm?.m ?? null,
      modelVersion: model.version,
    });
    ctx.emit(RFM_SEGMENT_CHANGED, { from, to, r: rfm?.r ?? null, f: rfm?.f ?? null, m: rfm?.m ?? null });
    ctx.touchIndex(true);
  }
  const bandFrom = previous.churn?.band ?? null;
  const bandTo = churn?.band ?? null;
  if (bandFrom !== bandTo) {
    ctx.timeline.add(ctx.now, "segment", {
      churnRisk: { from: bandFrom, to: bandTo },
      pAlive: churn?.pAlive ?? null,
      x: churn?.x ?? null,
      tx: churn?.tx ?? null,
      T: churn?.T ?? null,
    });
    ctx.emit(CHURN_RISK_CHANGED, { from: bandFrom, to: bandTo, pAlive: churn?.pAlive ?? null });
    ctx.touchIndex(true);
  } else if (churn?.pAlive !== previous.churn?.pAlive || rfm?.m !== previous.rfm?.m) {
    ctx.touchIndex(false);
  }
  return next;
}

function keepDailyTimer(ctx: UserContext): void {
  if (ctx.profile.counters.purchases === 0 && ctx.now - ctx.profile.lastSeen > DAILY_WAKE_MAX_IDLE) return;
  // Once per transaction is enough: only the timer's own handler moves it.
  const ensured = ctx.memo("scoring.dailyEnsured", () => ({ done: false }));
  if (ensured.done) return;
  ensured.done = true;
  ctx.timers.scheduleIfAbsent({ key: SCORING_DAILY, dueAt: ctx.now + DAY, kind: SCORING_DAILY, payload: {} });
}

/** Called by the daily timer of every active person; other features (segments) hook in here too. */
const dailyHooks: Array<(ctx: UserContext) => void> = [];
export function onDailyRescore(hook: (ctx: UserContext) => void): void {
  dailyHooks.push(hook);
}

export const scoringFeature = defineFeature({
  name: "scoring",
  schema: `CREATE TABLE IF NOT EXISTS segment_scores (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL);`,

  onEvent(ctx, event) {
    if (event.internal) return;
    keepDailyTimer(ctx);
    const isPurchase = event.type === "track" && event.name === ctx.config.settings.purchaseEvent;
    // A purchase changes the inputs; a new nightly model changes the scale.
    if (isPurchase || readScores(ctx).modelVersion !== modelOf(ctx).version) rescore(ctx);
  },

  timers: {
    [SCORING_DAILY]: (ctx) => {
      rescore(ctx);
      for (const hook of dailyHooks) hook(ctx);
      keepDailyTimer(ctx);
    },
  },

  commands: {
    /** Re-score now (admin tools, tests, replays); returns the state. */
    rescore: command(noArgs, (ctx) => rescore(ctx)),
  },

  indexAttrs(ctx) {
    const s = readScores(ctx);
    return {
      [ATTR.rfmSegment]: s.rfm?.segment ?? null,
      [ATTR.r]: s.rfm?.r ?? null,
      [ATTR.f]: s.rfm?.f ?? null,
      [ATTR.m]: s.rfm?.m ?? null,
      [ATTR.churnBand]: s.churn?.band ?? null,
      [ATTR.pAlive]: s.churn?.pAlive ?? null,
      [ATTR.expectedPurchases30]: s.churn?.expectedPurchases30 ?? null,
    };
  },

  describe(ctx) {
    const s = readScores(ctx);
    const model = modelOf(ctx);
    const c = ctx.profile.counters;
    return {
      scoredAt: s.at ? new Date(s.at).toISOString() : null,
      modelVersion: s.modelVersion,
      model:
        model.version === 0
          ? "no model yet: runs nightly, or POST /admin/segments/recompute"
          : {
              version: model.version,
              computedAt: new Date(model.computedAt).toISOString(),
              purchasers: model.purchasers,
            },
      rfm: s.rfm
        ? {
            segment: s.rfm.segment,
            r: s.rfm.r,
            f: s.rfm.f,
            m: s.rfm.m,
            inputs: { recencyDays: s.rfm.recencyDays, purchases: s.rfm.frequency, revenue: s.rfm.monetary },
            cutPoints: model.cutPoints
              ? {
                  recencyDays: model.cutPoints.recencyDays,
                  frequency: model.cutPoints.frequency,
                  monetary: model.cutPoints.monetary,
                }
              : null,
            rule: "R, F, M = quintile of the value among the app's purchasers (1–5; recency reversed); segment = R×F table",
          }
        : { segment: null, reason: c.purchases === 0 ? "no purchase yet" : "no RFM model yet" },
      churn: s.churn
        ? {
            band: s.churn.band,
            pAlive: s.churn.pAlive,
            expectedPurchases30: s.churn.expectedPurchases30,
            inputs: { x: s.churn.x, tx: s.churn.tx, T: s.churn.T, unit: "weeks" },
            parameters: model.bgnbd
              ? { r: model.bgnbd.r, alpha: model.bgnbd.alpha, a: model.bgnbd.a, b: model.bgnbd.b }
              : null,
            thresholds: ctx.config.settings.churnBands,
            model: "BG/NBD (Fader, Hardie & Lee 2005): P(alive) = 1 / (1 + [x>0]·a/(b+x−1)·((α+T)/(α+t_x))^(r+x))",
          }
        : { band: null, reason: c.purchases === 0 ? "no purchase yet" : "no churn model yet" },
    } as JsonObject;
  },
});
