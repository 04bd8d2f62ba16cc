import { CONSENT_CHANNELS, type ConsentChannel } from "../../../domain/delivery/channel";
import { BECAME_LOYAL, LIFECYCLE_CHANGED } from "../../../kernel/internal-events";
import { evaluateLifecycle, type LifecycleInputs, nextLifecycleBoundary } from "../../../domain/lifecycle/lifecycle";
import type { UserContext, UserFeature } from "../../feature";
import type { UserProfile } from "../../../domain/profile/profile";

export function lifecycleInputs(ctx: UserContext): LifecycleInputs {
  const p = ctx.profile;
  const livePush = ctx.devices.pushTargets().length > 0;
  return {
    firstSeen: p.firstSeen,
    lastSeen: p.lastSeen,
    purchases: p.counters.purchases,
    revenue: p.counters.revenue,
    uninstalled: p.hadPushToken && !livePush,
    fullyOptedOut: fullyOptedOut(p, livePush),
  };
}

/**
 * Full opt-out: no channel is left that Beckon could use. Every channel the person is
 * reachable on (push: a live device; email: an address; SMS and WhatsApp: a phone) is
 * `opted_out`, and there is at least one such channel. A channel without a consent
 * record counts as still usable (a push-only decline does not churn someone Beckon can
 * still email); an opt-out on a channel they are not reachable on changes nothing; a
 * visitor with no device or address at all is not "opted out everywhere".
 */
export function fullyOptedOut(p: Pick<UserProfile, "consent" | "email" | "phone">, livePush: boolean): boolean {
  const reachable: Record<ConsentChannel, boolean> = {
    push: livePush,
    email: !!p.email,
    sms: !!p.phone,
    whatsapp: !!p.phone,
  };
  const channels = CONSENT_CHANNELS.filter((ch) => reachable[ch]);
  return channels.length > 0 && channels.every((ch) => p.consent[ch]?.status === "opted_out");
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
    ctx.timeline.add(ctx.now, "transition", {
      loyal: status.loyal,
      reason: status.loyal ? "reached the high-value threshold" : "no longer high-value",
    });
    if (status.loyal) ctx.emit(BECAME_LOYAL, { purchases: inputs.purchases, revenue: inputs.revenue });
    ctx.touchIndex(true);
  }
  const next = nextLifecycleBoundary(inputs, thresholds, ctx.now);
  if (next === null) ctx.timers.cancel("lifecycle");
  else {
    // The timer may fire early (the user was active since): the handler re-evaluates and moves it on.
    const existing = ctx.timers.get("lifecycle");
    if (!existing || existing.dueAt > next || existing.dueAt <= ctx.now)
      ctx.timers.schedule({ key: "lifecycle", dueAt: next, kind: "lifecycle", payload: {} });
  }
}

export const lifecycleFeature: UserFeature = {
  name: "lifecycle",
  // First in the feature list, so every other feature's onStateChange sees the new state.
  afterEvents: refreshLifecycle,
  onStateChange: refreshLifecycle,
  timers: { lifecycle: (ctx) => refreshLifecycle(ctx) },
};
