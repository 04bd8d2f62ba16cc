import type { Channel, ConsentStatus } from "../../delivery/channel";

/**
 * Channel fallback: the campaign lists channels in order of preference ("push, else
 * in-app, else email, else SMS"); the person gets the first one that can reach them
 * right now. Every rejected channel says why, for the timeline.
 *
 * Reachability rules (Braze-like defaults):
 * - push: the person opted in to push AND has at least one live (registered, not
 *   invalidated) device token.
 * - email: an address, not suppressed (hard bounce / spam complaint / unsubscribe-all
 *   list), and — for marketing — consent not `opted_out`. `unknown` counts as subscribed
 *   (Braze's default "subscribed" state for email). Transactional email (receipts,
 *   password resets) ignores marketing consent but still respects suppression, since
 *   sending to a bouncing address hurts deliverability for everyone.
 * - sms / whatsapp: a phone number AND explicit `opted_in` (TCPA / WhatsApp Business
 *   policy require prior opt-in; `unknown` is not enough).
 * - in_app, content_card: reachable unless the caller says otherwise (no opt-in needed;
 *   `false` e.g. when the app has no SDK session for the person).
 * - webhook: reachable unless disabled (a server-to-server call about the person).
 */

export interface Reachability {
  push: { optedIn: boolean; liveDevices: number };
  email: { address: string | null; consent: ConsentStatus; transactional: boolean; suppressed?: boolean };
  sms: { phone: string | null; consent: ConsentStatus };
  whatsapp: { phone: string | null; consent: ConsentStatus };
  inApp: boolean;
  contentCard: boolean;
  webhook: boolean;
}

export type ChannelChoice = { channel: Channel; reason: string } | { channel: null; reasons: string[] };

/** Why the person cannot be reached on `channel`, or null when they can. */
export function unreachableReason(channel: Channel, reach: Reachability): string | null {
  switch (channel) {
    case "push":
      if (!reach.push.optedIn) return "push: not opted in";
      if (reach.push.liveDevices < 1) return "push: no live device";
      return null;
    case "email":
      if (!reach.email.address) return "email: no address";
      if (reach.email.suppressed) return "email: address suppressed (bounce or complaint)";
      if (!reach.email.transactional && reach.email.consent === "opted_out") return "email: opted out";
      return null;
    case "sms":
    case "whatsapp": {
      const r = reach[channel];
      if (!r.phone) return `${channel}: no phone number`;
      if (r.consent === "opted_out") return `${channel}: opted out`;
      if (r.consent !== "opted_in") return `${channel}: not opted in`;
      return null;
    }
    case "in_app":
      return reach.inApp ? null : "in_app: not reachable";
    case "content_card":
      return reach.contentCard ? null : "content_card: not reachable";
    case "webhook":
      return reach.webhook ? null : "webhook: not reachable";
  }
}

function whyChosen(channel: Channel, reach: Reachability): string {
  switch (channel) {
    case "push":
      return `push: opted in, ${reach.push.liveDevices} live device${reach.push.liveDevices === 1 ? "" : "s"}`;
    case "email":
      return reach.email.transactional
        ? "email: transactional, address on file"
        : `email: consent ${reach.email.consent}`;
    case "sms":
    case "whatsapp":
      return `${channel}: opted in`;
    case "in_app":
    case "content_card":
    case "webhook":
      return `${channel}: no opt-in needed`;
  }
}

export function chooseChannel(order: readonly Channel[], reach: Reachability): ChannelChoice {
  const reasons: string[] = [];
  const seen = new Set<Channel>();
  for (const channel of order) {
    if (seen.has(channel)) continue;
    seen.add(channel);
    const why = unreachableReason(channel, reach);
    if (why === null) {
      const fallback = reasons.length ? ` (after ${reasons.join("; ")})` : "";
      return { channel, reason: whyChosen(channel, reach) + fallback };
    }
    reasons.push(why);
  }
  if (reasons.length === 0) reasons.push("no channel configured");
  return { channel: null, reasons };
}
