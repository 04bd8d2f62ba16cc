import type { Json } from "../kernel/json";
import type { DeviceRecord } from "./devices";
import type { UserProfile } from "../domain/profile/profile";
import { mergeContext } from "../domain/profile/profile-context";

/** What an anonymous object hands to the identified one when they merge. */
export interface Handover {
  profile: UserProfile;
  events: Array<{
    messageId: string;
    type: string;
    name: string;
    at: number;
    properties: string;
    context: string | null;
  }>;
  /** messageIds already applied, so retries routed to either identity stay deduped. */
  seen: string[];
  devices: DeviceRecord[];
  /** Feature data (in-app messages, cards…) by feature name. */
  features: Record<string, Json>;
}

/**
 * Identity merge: the identified profile keeps its own values and gains the
 * anonymous history (counters add up, first/last seen widen, traits and consent
 * fill gaps, the newer consent decision wins).
 */
export function mergeProfiles(target: UserProfile, anonymousId: string, handover: Handover | null): void {
  if (!target.anonymousIds.includes(anonymousId)) target.anonymousIds.push(anonymousId);
  if (!handover) return;
  const from = handover.profile;
  const t = target.counters;
  const f = from.counters;
  t.events += f.events;
  t.sessions += f.sessions;
  t.purchases += f.purchases;
  t.revenue = Math.round((t.revenue + f.revenue) * 100) / 100;
  t.purchaseDays += f.purchaseDays;
  t.firstPurchase = minNullable(t.firstPurchase, f.firstPurchase);
  t.lastPurchase = maxNullable(t.lastPurchase, f.lastPurchase);
  target.firstSeen = Math.min(target.firstSeen, from.firstSeen);
  target.lastSeen = Math.max(target.lastSeen, from.lastSeen);
  target.traits = { ...from.traits, ...target.traits };
  target.email ??= from.email;
  target.phone ??= from.phone;
  target.timezone ??= from.timezone;
  target.locale ??= from.locale;
  target.hadPushToken ||= from.hadPushToken;
  const context = mergeContext(target.context, from.context);
  if (context) target.context = context;
  for (const [channel, record] of Object.entries(from.consent) as [
    keyof UserProfile["consent"],
    NonNullable<UserProfile["consent"][keyof UserProfile["consent"]]>,
  ][]) {
    const mine = target.consent[channel];
    if (!mine || mine.at < record.at) target.consent[channel] = record;
  }
}

const minNullable = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxNullable = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
