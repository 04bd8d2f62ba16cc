import type { JsonObject } from "../../kernel/json";
import { DAY, MINUTE, type Millis } from "../../kernel/clock";
import type { AppSettings } from "../settings/app-settings";
import type { BeckonEvent } from "../events/beckon-event";
import type { ConsentChannel, ConsentRecord } from "../delivery/channel";
import type { LifecycleState } from "../lifecycle/lifecycle";
import { isTimezone, readTimezone } from "./timezone";
import { applyContext, type ProfileContext } from "./profile-context";

export { isTimezone };

/** A session starts with `Application Opened`, or after this much inactivity. */
export const SESSION_GAP = 30 * MINUTE;

export interface Counters {
  events: number;
  sessions: number;
  purchases: number;
  revenue: number;
  /** Distinct UTC days with a purchase (BG/NBD counts repeat purchase days: x = purchaseDays − 1). */
  purchaseDays: number;
  firstPurchase: Millis | null;
  lastPurchase: Millis | null;
}

export interface LifecycleRecord {
  state: LifecycleState;
  loyal: boolean;
  since: Millis;
  reason: string;
}

/** Everything the UserObject knows about one person, kept as one document. */
export interface UserProfile {
  appId: string;
  userId: string;
  /** true while only an anonymousId is known. */
  anonymous: boolean;
  /** Anonymous ids merged into this profile (identity merge). */
  anonymousIds: string[];
  traits: JsonObject;
  email: string | null;
  phone: string | null;
  timezone: string | null;
  locale: string | null;
  consent: Partial<Record<ConsentChannel, ConsentRecord>>;
  counters: Counters;
  firstSeen: Millis;
  lastSeen: Millis;
  lifecycle: LifecycleRecord;
  /** Ever had a push token: with none valid left, the app counts as uninstalled. */
  hadPushToken: boolean;
  /** The last reported time zone that could not be mapped (`timezone` kept its previous value); cleared by a usable one. */
  unmappedTimezone?: { value: string; reason: string; at: Millis } | null;
  /** Last-known device, OS, app, … and first/last-touch campaign, from the calls' context (absent until one carries context). */
  context?: ProfileContext;
}

export function newProfile(appId: string, userId: string, anonymous: boolean, now: Millis): UserProfile {
  return {
    appId,
    userId,
    anonymous,
    anonymousIds: [],
    traits: {},
    email: null,
    phone: null,
    timezone: null,
    locale: null,
    consent: {},
    counters: {
      events: 0,
      sessions: 0,
      purchases: 0,
      revenue: 0,
      purchaseDays: 0,
      firstPurchase: null,
      lastPurchase: null,
    },
    firstSeen: now,
    lastSeen: now,
    lifecycle: { state: "new", loyal: false, since: now, reason: "first seen" },
    hadPushToken: false,
  };
}

/** The revenue of a purchase event: `revenue`, else `total`, else `value`. */
export function revenueOf(event: BeckonEvent): number {
  const p = event.properties;
  for (const key of ["revenue", "total", "value"]) {
    const v = p[key];
    const n = typeof v === "string" ? Number(v) : v;
    if (typeof n === "number" && Number.isFinite(n)) return n;
  }
  return 0;
}

export interface ProfileChange {
  sessionStarted: boolean;
  purchase: boolean;
  traitsChanged: boolean;
}

/**
 * Applies one user event to the profile (in place) and says what changed.
 * Pure apart from the mutation: no clock, no storage.
 */
export function applyEventToProfile(profile: UserProfile, event: BeckonEvent, settings: AppSettings): ProfileChange {
  const at = event.timestamp;
  const first = profile.counters.events === 0;
  const sessionStarted = first || event.name === "Application Opened" || at - profile.lastSeen >= SESSION_GAP;
  profile.counters.events++;
  if (sessionStarted) profile.counters.sessions++;
  if (first || at < profile.firstSeen) profile.firstSeen = Math.min(profile.firstSeen, at);
  if (at > profile.lastSeen) profile.lastSeen = at;

  let traitsChanged = false;
  const traits = event.type === "identify" ? event.traits : undefined;
  if (traits) {
    for (const [k, v] of Object.entries(traits)) {
      if (profile.traits[k] !== v) {
        profile.traits[k] = v;
        traitsChanged = true;
      }
    }
    // Addresses from traits count like those of /v1/devices, when valid (an invalid one is ignored, never stored).
    if (typeof traits.email === "string" && EMAIL_RE.test(traits.email)) profile.email = traits.email.toLowerCase();
    if (typeof traits.phone === "string" && E164_RE.test(traits.phone)) profile.phone = traits.phone;
  }
  if (event.userId && profile.anonymous) profile.anonymous = false;
  // The latest valid value wins, whatever its source; within one call an explicit trait beats the device's context.
  const timezone = timezoneOf([traits?.timezone, event.context?.timezone]);
  if ("zone" in timezone) {
    profile.timezone = timezone.zone;
    if (profile.unmappedTimezone) profile.unmappedTimezone = null;
  } else if (timezone.unmappable && profile.unmappedTimezone?.value !== timezone.unmappable.value)
    profile.unmappedTimezone = { ...timezone.unmappable, at };
  const locale = [traits?.locale, event.context?.locale].find(
    (l): l is string => typeof l === "string" && LOCALE_RE.test(l),
  );
  if (locale) profile.locale = locale;

  if (event.context) profile.context = applyContext(profile.context, event)!;

  const purchase = event.type === "track" && event.name === settings.purchaseEvent;
  if (purchase) {
    const c = profile.counters;
    c.purchases++;
    c.revenue = round2(c.revenue + revenueOf(event));
    const day = Math.floor(at / DAY);
    const knownDay = (t: Millis | null) => t !== null && Math.floor(t / DAY) === day;
    if (!knownDay(c.lastPurchase) && !knownDay(c.firstPurchase)) c.purchaseDays++;
    if (c.firstPurchase === null || at < c.firstPurchase) c.firstPurchase = at;
    if (c.lastPurchase === null || at > c.lastPurchase) c.lastPurchase = at;
  }
  return { sessionStarted, purchase, traitsChanged };
}

/**
 * The first reported time zone that maps (traits before context), or the first that did not:
 * an unmappable one is kept aside on the profile (`unmappedTimezone`), never stored as the zone.
 */
function timezoneOf(
  candidates: unknown[],
): { zone: string } | { unmappable: { value: string; reason: string } | null } {
  let unmappable: { value: string; reason: string } | null = null;
  for (const c of candidates) {
    if (typeof c !== "string" || c === "") continue;
    const reading = readTimezone(c);
    if ("zone" in reading) return reading;
    unmappable ??= { value: c.slice(0, 64), reason: reading.unmappable };
  }
  return { unmappable };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The address and locale formats Beckon stores (shared with POST /v1/devices). */
export const E164_RE = /^\+[1-9]\d{6,14}$/;
export const LOCALE_RE = /^[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})*$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
