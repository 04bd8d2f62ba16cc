import type { Millis } from "../../kernel/clock";
import type { Json } from "../../kernel/json";
import { userObjectName } from "../../kernel/ids";
import type { MessageContent, Step } from "../campaigns/model";
import { chooseChannel, type Reachability } from "../campaigns/policy/channel-choice";
import { capHistoryMs, checkFrequencyCap } from "../campaigns/policy/frequency-cap";
import { quietHours } from "../campaigns/policy/quiet-hours";
import type { Channel, ConsentChannel } from "../delivery/channel";
import type { PushTarget, RenderedContent, SendAddress, SendJob } from "../delivery/send-job";
import type { UserProfile } from "../profile/profile";
import { pickLocale, renderContent, type TemplateVars } from "../templates/render";
import type { JsonObject } from "../../kernel/json";
import type { JourneyEffect } from "./effects";
import { type Journey, type SendRecord, sendKey } from "./journey";
import type { Turn } from "./turn";
import { type SuppressionReason, unreachableReason } from "../campaigns/suppression";

export type MessageStep = Extract<Step, { type: "message" }>;

/** What happened when a journey reached a message step. */
export type MessageOutcome =
  | { kind: "sent"; channel: Channel; key: string }
  | { kind: "duplicate"; key: string }
  | { kind: "suppressed"; reason: string }
  | { kind: "deferred"; until: number; reason: string };

/**
 * Policies, enforced at send time and in this order: idempotency, quiet hours, frequency caps,
 * consent and channel choice; then render and hand over (a send job for the outbox, or an in-app
 * delivery for the person's inbox). Every outcome is a timeline entry.
 */
export function runMessageStep(t: Turn, journey: Journey, step: MessageStep): MessageOutcome {
  const key = sendKey(journey, step.id);
  const def = journey.def;
  const settings = t.facts.settings;
  const decision = (detail: JsonObject, into: JourneyEffect[] = t.effects) =>
    into.push({
      type: "timeline",
      kind: "decision",
      detail: { campaignId: journey.campaignId, step: step.id, variant: journey.arm, key, ...detail },
    });
  if (t.state.send(key)) return { kind: "duplicate", key };

  const p = t.profile;
  const timezone = t.timezone();
  const reach = reachability(p, t.facts.pushTargets(), def.transactional);
  const choice = chooseChannel(step.channels, reach);
  const onlyUncapped = choice.channel === "in_app" || choice.channel === "content_card";
  const suppress = (reason: string, extra: JsonObject, code: SuppressionReason): MessageOutcome => {
    decision({ suppressed: true, reason, ...extra });
    t.stat(journey, "suppressed", `${key}:suppressed`);
    t.suppressed({ campaignId: journey.campaignId, variant: journey.arm, key }, code);
    return { kind: "suppressed", reason };
  };

  if (!def.transactional && def.quietHours !== "ignore" && !onlyUncapped) {
    const window = def.quietWindow ?? settings.quietHours;
    const q = quietHours(t.now, timezone, window);
    if (q.quiet) {
      if (def.quietHours === "drop") return suppress("quiet hours (dropped)", {}, "quiet_hours_dropped");
      t.suppressed({ campaignId: journey.campaignId, variant: journey.arm, key }, "quiet_hours_deferred");
      // Say when it leaves: quiet hours are on by default, and a first test at night would otherwise look lost.
      decision({
        deferred: true,
        until: q.endsAt,
        reason: `quiet hours ${window!.start}–${window!.end} in ${timezone}: leaves at ${new Date(q.endsAt).toISOString()}`,
      });
      return { kind: "deferred", until: q.endsAt, reason: "quiet hours" };
    }
  }
  if (!def.transactional && !onlyUncapped) {
    const rules = def.frequencyCaps ?? settings.frequencyCaps;
    const cap = checkFrequencyCap(t.state.sendTimes(t.now - capHistoryMs(rules)), rules, t.now);
    if (!cap.allowed)
      return suppress(
        `frequency cap: ${cap.rule.max} per ${cap.rule.windowHours} h; next eligible at ${new Date(cap.retryAt).toISOString()}`,
        { nextEligibleAt: cap.retryAt },
        "frequency_cap",
      );
  }
  if (choice.channel === null)
    return suppress(`no reachable channel (${choice.reasons.join("; ")})`, {}, unreachableReason(choice.reasons));
  const channel = choice.channel;

  const content = contentFor(step, journey.arm, p.locale, channel);
  const vars = templateVars(p, t.facts.appId, t.now, {
    campaignId: journey.campaignId,
    name: def.name,
    arm: journey.arm,
    event: journey.trigger.properties,
  });
  let rendered: Record<string, unknown>;
  try {
    rendered = renderContent(content, vars);
  } catch (err) {
    return suppress(`template failed to render: ${(err as Error).message}`, {}, "template_error");
  }
  const record = (status: string): SendRecord => ({
    key,
    campaignId: journey.campaignId,
    instance: journey.instance,
    stepId: step.id,
    variant: journey.arm,
    channel,
    at: t.now,
    status,
  });

  if (channel === "in_app" || channel === "content_card") {
    // The message or card is stored under the send key; its engagement moves the send record forward (opened, clicked).
    const send = record("sent");
    const effects: JourneyEffect[] = [];
    effects.push({
      type: "stat",
      stat: {
        dedupeKey: `${key}:sent`,
        appId: t.facts.appId,
        campaignId: journey.campaignId,
        variant: journey.arm,
        kind: "sent",
        userId: p.userId,
        at: t.now,
      },
    });
    decision({ sent: channel, reason: choice.reason }, effects);
    t.effects.push({
      type: "deliver-in-app",
      channel,
      delivery: {
        key,
        campaignId: journey.campaignId,
        variant: journey.arm,
        content: rendered,
        ...(channel === "in_app" ? { triggerEvent: journey.trigger.event } : {}),
      },
      onDelivered: { send, effects },
    });
    // Later steps of this run see the send as made (the inbox refuses only invalid or duplicate content).
    t.state.recordSend(send, true);
    return { kind: "sent", channel, key };
  }

  const job: SendJob = {
    idempotencyKey: key,
    appId: t.facts.appId,
    userId: p.userId,
    userObject: objectNameOf(p),
    campaignId: journey.campaignId,
    campaignVersion: journey.version,
    stepId: step.id,
    variant: journey.arm,
    channel,
    to: addressFor(p, t.facts.pushTargets(), channel, rendered),
    content: toRendered(channel, rendered),
    category: def.transactional ? "transactional" : "marketing",
    createdAt: t.now,
  };
  t.state.recordSend(record("queued"));
  t.effects.push({ type: "send", job });
  decision({ sent: channel, reason: choice.reason });
  return { kind: "sent", channel, key };
}

/** The person's object name, where delivery feedback goes. */
export const objectNameOf = (p: Pick<UserProfile, "appId" | "userId" | "anonymous">) =>
  userObjectName(p.appId, p.anonymous ? { anonymousId: p.userId } : { userId: p.userId }).name;

/**
 * What a template reads at send time (docs/campaigns.md "Templates (Liquid)"). Previews and test sends use
 * this too, so they render exactly what a real send would; `locale` overrides the person's.
 */
export function templateVars(
  p: UserProfile,
  appId: string,
  now: Millis,
  c: { campaignId: string; name: string; arm: string; event: Record<string, unknown>; locale?: string | null },
): TemplateVars {
  return {
    user: {
      ...p.traits,
      id: p.userId,
      email: p.email,
      phone: p.phone,
      locale: c.locale !== undefined ? c.locale : p.locale,
      timezone: p.timezone,
    },
    event: c.event,
    campaign: { id: c.campaignId, name: c.name, variant: c.arm },
    app: { id: appId },
    now: new Date(now).toISOString(),
  };
}

/** Content for one channel: locale variant first, then the A/B variant's overrides. */
export function contentFor(
  step: Pick<MessageStep, "content" | "locales" | "variants">,
  arm: string,
  locale: string | null,
  channel: Channel,
): Record<string, unknown> {
  const localized = pickLocale<MessageContent>({ default: step.content, ...(step.locales ?? {}) }, locale);
  const base = (localized[channel] ?? step.content[channel] ?? {}) as Record<string, unknown>;
  const override = (step.variants?.[arm]?.[channel] ?? {}) as Record<string, unknown>;
  return { ...base, ...override };
}

export function reachability(p: UserProfile, pushTargets: readonly PushTarget[], transactional: boolean): Reachability {
  const consent = (ch: ConsentChannel) => p.consent[ch]?.status ?? "unknown";
  const emailSource = p.consent.email?.source ?? "";
  return {
    push: { optedIn: consent("push") === "opted_in", liveDevices: pushTargets.length },
    email: {
      address: p.email,
      consent: consent("email"),
      transactional,
      suppressed: /bounce|complaint/.test(emailSource),
    },
    sms: { phone: p.phone, consent: consent("sms") },
    whatsapp: { phone: p.phone, consent: consent("whatsapp") },
    inApp: true,
    contentCard: true,
    webhook: true,
  };
}

export function addressFor(
  p: UserProfile,
  pushTargets: PushTarget[],
  channel: Channel,
  rendered: Record<string, unknown>,
): SendAddress {
  switch (channel) {
    case "push":
      return { kind: "push", devices: pushTargets };
    case "email":
      return { kind: "email", email: p.email! };
    case "sms":
      return { kind: "sms", phone: p.phone! };
    case "whatsapp":
      return { kind: "whatsapp", phone: p.phone! };
    case "webhook":
      return { kind: "webhook", url: String(rendered.url) };
    default:
      return { kind: "none" };
  }
}

export function toRendered(channel: Channel, r: Record<string, unknown>): RenderedContent {
  const s = (k: string) => (typeof r[k] === "string" ? (r[k] as string) : undefined);
  const out: RenderedContent = {};
  const set = <K extends keyof RenderedContent>(k: K, v: RenderedContent[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  switch (channel) {
    case "push":
      set("title", s("title"));
      set("body", s("body"));
      set("deepLink", s("deepLink"));
      set("imageUrl", s("imageUrl"));
      set("data", r.data as Record<string, string> | undefined);
      break;
    case "email":
      set("subject", s("subject"));
      set("html", s("html"));
      set("text", s("text"));
      break;
    case "sms":
      set("body", s("body"));
      set("imageUrl", s("mediaUrl"));
      break;
    case "whatsapp":
      set("body", s("body"));
      set("template", r.template as RenderedContent["template"]);
      break;
    case "webhook":
      set("payload", r.payload as Record<string, Json> as Record<string, unknown>);
      break;
  }
  return out;
}
