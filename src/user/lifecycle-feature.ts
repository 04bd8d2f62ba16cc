import { CONSENT_CHANNELS } from "../delivery/channel";
import { evaluateLifecycle, type LifecycleInputs, nextLifecycleBoundary } from "../segments/lifecycle";
import type { UserContext, UserFeature } from "./feature";

export const LIFECYCLE_CHANGED = "Lifecycle Changed";
export const BECAME_LOYAL = "Became Loyal";

export function lifecycleInputs(ctx: UserContext): LifecycleInputs {
  const p = ctx.profile;
  const recorded = CONSENT_CHANNELS.map((ch) => p.consent[ch]).filter((r) => r !== undefined);
  return {
    firstSeen: p.firstSeen,
    lastSeen: p.lastSeen,
    purchases: p.counters.purchases,
    revenue: p.counters.revenue,
    uninstalled: p.hadPushToken && ctx.devices.pushTargets().length === 0,
    fullyOptedOut: recorded.length > 0 && recorded.every((r) => r.status === "opted_out"),
  };
}

/**
 * Re-evaluates the lifecycle state, records any transition (from, to, when, why)
 * on the timeline, emits it as an internal event for campaigns, and keeps the
 * lifecycle timer at the next boundary so dormancy and churn arrive by alarm.
 */
export function refreshLifecycle(ctx: UserContext): void {
  const thresholds = ctx.config.settings.lifecycle;
  const inputs = lifecycleInputs(ctx);
  const status = evaluateLifecycle(inputs, thresholds, ctx.now);
  const current = ctx.profile.lifecycle;
  if (status.state !== current.state) {
    const from = current.state;
    ctx.profile.lifecycle = { state: status.state, loyal: status.loyal, since: ctx.now, reason: status.reason };
    ctx.timeline.add(ctx.now, "transition", { from, to: status.state, reason: status.reason });
    ctx.emit(LIFECYCLE_CHANGED, { from, to: status.state, reason: status.reason });
    ctx.touchIndex(true);
  }
  if (status.loyal !== current.loyal) {
    ctx.profile.lifecycle = { ...ctx.profile.lifecycle, loyal: status.loyal };
    ctx.timeline.add(ctx.now, "transition", { loyal: status.loyal, reason: status.loyal ? "reached the high-value threshold" : "no longer high-value" });
    if (status.loyal) ctx.emit(BECAME_LOYAL, { purchases: inputs.purchases, revenue: inputs.revenue });
    ctx.touchIndex(true);
  }
  const next = nextLifecycleBoundary(inputs, thresholds, ctx.now);
  if (next === null) ctx.timers.cancel("lifecycle");
  else {
    // The timer may fire early (the user was active since): the handler re-evaluates and moves it on.
    const existing = ctx.timers.get("lifecycle");
    if (!existing || existing.dueAt > next || existing.dueAt <= ctx.now) ctx.timers.schedule({ key: "lifecycle", dueAt: next, kind: "lifecycle", payload: {} });
  }
}

export const lifecycleFeature: UserFeature = {
  name: "lifecycle",
  timers: { lifecycle: (ctx) => refreshLifecycle(ctx) },
};
