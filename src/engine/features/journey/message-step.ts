import type { Channel, ConsentChannel } from "../../../domain/delivery/channel";
import type { RenderedContent, SendAddress, SendJob } from "../../../domain/delivery/send-job";
import type { InAppInbox } from "../../ports";
import type { Json, JsonObject } from "../../../kernel/json";
import { pickLocale, renderContent, type TemplateVars } from "../../../domain/templates/render";
import type { UserContext } from "../../feature";
import type { Journey } from "./journey-store";
import { JourneyStore } from "./journey-store";
import type { MessageContent, Step } from "../../../domain/campaigns/model";
import { chooseChannel, type Reachability } from "../../../domain/campaigns/policy/channel-choice";
import { checkFrequencyCap, capHistoryMs } from "../../../domain/campaigns/policy/frequency-cap";
import { quietHours } from "../../../domain/campaigns/policy/quiet-hours";
import { resolveTimeZone } from "../../../domain/time/local-time";

export type MessageStep = Extract<Step, { type: "message" }>;

/** What happened when a journey reached a message step. */
export type MessageOutcome =
  | { kind: "sent"; channel: Channel; key: string }
  | { kind: "duplicate"; key: string }
  | { kind: "suppressed"; reason: string }
  | { kind: "deferred"; until: number; reason: string };

/** Idempotency key of a send: campaign:step:trigger-instance (the instance already names the campaign). */
export const sendKey = (journey: Journey, stepId: string) => `${journey.instance}:${stepId}`;

/**
 * Policies, enforced here at send time and in this order: idempotency, quiet hours,
 * frequency caps, consent and channel choice; then render and hand over (queue,
 * in-app store or content-card feed). Every outcome is written to the timeline.
 */
export function runMessageStep(
  inbox: InAppInbox,
  ctx: UserContext,
  journey: Journey,
  step: MessageStep,
): MessageOutcome {
  const store = new JourneyStore(ctx.sql);
  const key = sendKey(journey, step.id);
  const def = journey.def;
  const decision = (detail: JsonObject) =>
    ctx.timeline.add(ctx.now, "decision", {
      campaignId: journey.campaignId,
      step: step.id,
      variant: journey.arm,
      key,
      ...detail,
    });
  if (store.hasSend(key)) return { kind: "duplicate", key };

  const p = ctx.profile;
  const timezone = resolveTimeZone(p.timezone, ctx.config.settings.defaultTimezone);
  const reach = reachability(ctx, def.transactional);
  const choice = chooseChannel(step.channels, reach);
  const onlyUncapped = choice.channel === "in_app" || choice.channel === "content_card";

  if (!def.transactional && def.quietHours !== "ignore" && !onlyUncapped) {
    const window = def.quietWindow ?? ctx.config.settings.quietHours;
    const q = quietHours(ctx.now, timezone, window);
    if (q.quiet) {
      if (def.quietHours === "drop") return suppress("quiet hours (dropped)");
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
    const rules = def.frequencyCaps ?? ctx.config.settings.frequencyCaps;
    const cap = checkFrequencyCap(store.sendTimes(ctx.now - capHistoryMs(rules)), rules, ctx.now);
    if (!cap.allowed)
      return suppress(
        `frequency cap: ${cap.rule.max} per ${cap.rule.windowHours} h; next eligible at ${new Date(cap.retryAt).toISOString()}`,
        { nextEligibleAt: cap.retryAt },
      );
  }
  if (choice.channel === null) return suppress(`no reachable channel (${choice.reasons.join("; ")})`);
  const channel = choice.channel;

  const content = contentFor(step, journey.arm, p.locale, channel);
  const vars = templateVars(ctx, {
    campaignId: journey.campaignId,
    name: def.name,
    arm: journey.arm,
    event: journey.trigger.properties,
  });
  let rendered: Record<string, unknown>;
  try {
    rendered = renderContent(content, vars);
  } catch (err) {
    return suppress(`template failed to render: ${(err as Error).message}`);
  }

  const record = (status: string) =>
    store.recordSend({
      key,
      campaignId: journey.campaignId,
      instance: journey.instance,
      stepId: step.id,
      variant: journey.arm,
      channel,
      at: ctx.now,
      status,
    });
  const stat = (kind: "sent") =>
    ctx.recordStat({
      dedupeKey: `${key}:${kind}`,
      appId: ctx.config.appId,
      campaignId: journey.campaignId,
      variant: journey.arm,
      kind,
      userId: p.userId,
      at: ctx.now,
    });

  if (channel === "in_app" || channel === "content_card") {
    const delivered =
      channel === "in_app"
        ? inbox.deliverInApp(ctx, {
            key,
            campaignId: journey.campaignId,
            variant: journey.arm,
            content: rendered as never,
            triggerEvent: journey.trigger.event,
          })
        : inbox.addContentCard(ctx, {
            key,
            campaignId: journey.campaignId,
            variant: journey.arm,
            content: rendered as never,
          });
    if (!delivered) return { kind: "duplicate", key };
    // The message or card is stored under the send key; its engagement moves this record forward (opened, clicked).
    record("sent");
    stat("sent");
    decision({ sent: channel, reason: choice.reason });
    return { kind: "sent", channel, key };
  }

  const job: SendJob = {
    idempotencyKey: key,
    appId: ctx.config.appId,
    userId: p.userId,
    userObject: userObjectName(p.appId, p.userId, p.anonymous),
    campaignId: journey.campaignId,
    campaignVersion: journey.version,
    stepId: step.id,
    variant: journey.arm,
    channel,
    to: addressFor(ctx, channel, rendered),
    content: toRendered(channel, rendered),
    category: def.transactional ? "transactional" : "marketing",
    createdAt: ctx.now,
  };
  record("queued");
  ctx.enqueueSend(job);
  decision({ sent: channel, reason: choice.reason });
  return { kind: "sent", channel, key };

  function suppress(reason: string, extra: JsonObject = {}): MessageOutcome {
    decision({ suppressed: true, reason, ...extra });
    ctx.recordStat({
      dedupeKey: `${key}:suppressed`,
      appId: ctx.config.appId,
      campaignId: journey.campaignId,
      variant: journey.arm,
      kind: "suppressed",
      userId: p.userId,
      at: ctx.now,
    });
    return { kind: "suppressed", reason };
  }
}

/**
 * What a template reads at send time (docs/campaigns.md "Templates (Liquid)"). Previews and test sends use
 * this too, so they render exactly what a real send would; `locale` overrides the person's.
 */
export function templateVars(
  ctx: UserContext,
  c: { campaignId: string; name: string; arm: string; event: Record<string, unknown>; locale?: string | null },
): TemplateVars {
  const p = ctx.profile;
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
    app: { id: ctx.config.appId },
    now: new Date(ctx.now).toISOString(),
  };
}

export const userObjectName = (appId: string, userId: string, anonymous: boolean) =>
  `${appId}/${anonymous ? "a" : "u"}/${userId}`;

/** Content for one channel: locale variant first, then the A/B variant's overrides. */
export function contentFor(
  step: MessageStep,
  arm: string,
  locale: string | null,
  channel: Channel,
): Record<string, unknown> {
  const localized = pickLocale<MessageContent>({ default: step.content, ...(step.locales ?? {}) }, locale);
  const base = (localized[channel] ?? step.content[channel] ?? {}) as Record<string, unknown>;
  const override = (step.variants?.[arm]?.[channel] ?? {}) as Record<string, unknown>;
  return { ...base, ...override };
}

export function reachability(ctx: UserContext, transactional: boolean): Reachability {
  const p = ctx.profile;
  const consent = (ch: ConsentChannel) => p.consent[ch]?.status ?? "unknown";
  const emailSource = p.consent.email?.source ?? "";
  return {
    push: { optedIn: consent("push") === "opted_in", liveDevices: ctx.devices.pushTargets().length },
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

export function addressFor(ctx: UserContext, channel: Channel, rendered: Record<string, unknown>): SendAddress {
  const p = ctx.profile;
  switch (channel) {
    case "push":
      return { kind: "push", devices: ctx.devices.pushTargets() };
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
