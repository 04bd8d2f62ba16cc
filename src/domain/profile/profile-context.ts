import type { Millis } from "../../kernel/clock";
import type { BeckonEvent } from "../events/beckon-event";
import type { EventContext } from "../events/event-context";

/**
 * The person's last-known context (docs/api.md "Context kept"): device, OS, app (version, build),
 * library, network, screen and user agent as the latest call reported them, and the campaign
 * (UTM) of the first and of the latest call that carried one. "Latest" is by the call's device
 * time, so an offline-queued call that arrives late does not overwrite newer values. Campaign
 * conditions and segments read it as `{context: filter}` (`app.version`, `os.name`, `firstCampaign.name`).
 */
export interface ProfileContext {
  userAgent?: string;
  library?: EventContext["library"];
  device?: EventContext["device"];
  os?: EventContext["os"];
  app?: EventContext["app"];
  network?: EventContext["network"];
  screen?: EventContext["screen"];
  firstCampaign?: Record<string, string | number> & { at: Millis };
  lastCampaign?: Record<string, string | number> & { at: Millis };
  /** Device time of the call that last reported these parts. */
  at: Millis;
}

const LAST_KNOWN = ["userAgent", "library", "device", "os", "app", "network", "screen"] as const;

/** The profile's last-known context after one event (a new object when the event carried context). */
export function applyContext(current: ProfileContext | undefined, event: BeckonEvent): ProfileContext | undefined {
  const ctx = event.context;
  if (!ctx) return current;
  const at = event.timestamp;
  const next: ProfileContext = current ? { ...current } : { at };
  const newer = !current || at >= current.at;
  for (const key of LAST_KNOWN) {
    const value = ctx[key];
    // An older call only fills what is still unknown.
    if (value !== undefined && (newer || next[key] === undefined))
      (next as unknown as Record<string, unknown>)[key] = value;
  }
  if (newer) next.at = at;
  if (ctx.campaign) {
    if (!next.firstCampaign || at < next.firstCampaign.at) next.firstCampaign = { ...ctx.campaign, at };
    if (!next.lastCampaign || at >= next.lastCampaign.at) next.lastCampaign = { ...ctx.campaign, at };
  }
  return next;
}

/** Identity merge: the identified person's own values win; first touch is the earlier one, last touch the later. */
export function mergeContext(
  target: ProfileContext | undefined,
  from: ProfileContext | undefined,
): ProfileContext | undefined {
  if (!from) return target;
  if (!target) return { ...from };
  const out: ProfileContext = { ...target };
  for (const key of LAST_KNOWN)
    if (out[key] === undefined && from[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = from[key];
  if (from.firstCampaign && (!out.firstCampaign || from.firstCampaign.at < out.firstCampaign.at))
    out.firstCampaign = from.firstCampaign;
  if (from.lastCampaign && (!out.lastCampaign || from.lastCampaign.at > out.lastCampaign.at))
    out.lastCampaign = from.lastCampaign;
  return out;
}
