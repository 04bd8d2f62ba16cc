import type { Channel } from "../../../domain/delivery/channel";
import type { SendJob } from "../../../domain/delivery/send-job";
import type { InAppInbox } from "../../ports";
import type { JsonObject } from "../../../kernel/json";
import { renderContent, type TemplateRenderError } from "../../../domain/templates/render";
import type { UserContext } from "../../feature";
import type {
  MessagePreview,
  MessageSource,
  PreviewDestination,
  PreviewedMessage,
  RenderProblem,
  TestSendArgs,
  TestSendResult,
} from "./journey-commands";
import { JourneyStore } from "./journey-store";
import {
  addressFor,
  contentFor,
  type MessageStep,
  objectNameOf,
  reachability,
  templateVars,
  toRendered,
} from "../../../domain/journey/message";
import { chooseChannel } from "../../../domain/campaigns/policy/channel-choice";

/**
 * Message previews and test sends (issue 14), inside the person's UserObject: the same locale and
 * A/B choice (`contentFor`), the same template variables (`templateVars`), the same Liquid
 * rendering (`renderContent`) and the same reachability rules (`reachability`, `chooseChannel`) as
 * a real send in `runMessageStep` (domain/journey/message.ts).
 *
 * A test send goes through the real send path (the outbox, the SENDS queue, the provider or the
 * sandbox) and its consent and reachability checks, but — like Braze's test sends — not through
 * quiet hours or frequency caps, and it does not count towards the person's caps. Its key starts
 * with `test:`, which marks it everywhere (timeline, send row, sandbox record) and keeps it out of
 * campaign stats (`isTestSendKey`).
 */
export const TEST_SEND_PREFIX = "test:";
export const isTestSendKey = (key: string) => key.startsWith(TEST_SEND_PREFIX);

const asStep = (s: MessageSource["step"], channels: Channel[]): MessageStep => ({
  type: "message",
  id: s.id,
  channels,
  content: s.content,
  ...(s.variants ? { variants: s.variants } : {}),
  ...(s.locales ? { locales: s.locales } : {}),
});

function render(
  ctx: UserContext,
  src: MessageSource,
  channel: Channel,
): { ok: true; rendered: Record<string, unknown> } | { ok: false; problem: RenderProblem } {
  const locale = src.locale ?? ctx.profile.locale;
  const content = contentFor(asStep(src.step, [channel]), src.arm, locale, channel);
  const vars = templateVars(ctx.profile, ctx.config.appId, ctx.now, {
    campaignId: src.campaign.id,
    name: src.campaign.name,
    arm: src.arm,
    event: src.event,
    ...(src.locale !== undefined ? { locale: src.locale } : {}),
  });
  // Field by field, so a failure names the field (the whole object renders the same way).
  const rendered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(content)) {
    try {
      rendered[key] = renderContent({ [key]: value }, vars)[key];
    } catch (err) {
      const e = err as TemplateRenderError;
      return {
        ok: false,
        problem: {
          field: `content.${channel}.${key}`,
          message: `template failed to render: ${e.message}`,
          ...(e.line ? { line: e.line, col: e.col } : {}),
        },
      };
    }
  }
  return { ok: true, rendered };
}

/** Where a channel would go for this person, without secrets (push: platforms and count of devices). */
function destination(ctx: UserContext, channel: Channel, rendered: Record<string, unknown>): PreviewDestination {
  const to = addressFor(ctx.profile, ctx.devices.pushTargets(), channel, rendered);
  if (to.kind === "push")
    return { kind: "push", devices: to.devices.map((d) => ({ provider: d.provider, platform: d.platform })) };
  return to;
}

/** Renders the step for every channel it has content for (or the ones asked), with who can receive which. */
export function previewMessage(ctx: UserContext, src: MessageSource & { channels: Channel[] }): MessagePreview {
  const p = ctx.profile;
  const reach = reachability(ctx.profile, ctx.devices.pushTargets(), src.campaign.transactional);
  const messages = src.channels.map((channel): PreviewedMessage => {
    const r = render(ctx, src, channel);
    const choice = chooseChannel([channel], reach);
    const reachable =
      choice.channel !== null
        ? { reachable: true, reason: choice.reason }
        : { reachable: false, reason: choice.reasons.join("; ") };
    if (!r.ok) return { channel, ...reachable, error: r.problem };
    return {
      channel,
      ...reachable,
      content: r.rendered,
      to: reachable.reachable ? destination(ctx, channel, r.rendered) : null,
    };
  });
  return { userId: p.userId, locale: src.locale ?? p.locale, timezone: p.timezone, variant: src.arm, messages };
}

export function testSend(inbox: InAppInbox, ctx: UserContext, a: TestSendArgs): TestSendResult {
  const store = new JourneyStore(ctx.sql);
  const p = ctx.profile;
  const decision = (detail: JsonObject) =>
    ctx.timeline.add(ctx.now, "decision", {
      test: true,
      campaignId: a.campaign.id,
      step: a.step.id,
      variant: a.arm,
      key: a.key,
      by: a.by,
      ...detail,
    });
  const prior = store.send(a.key);
  if (prior) return { sent: true, key: a.key, channel: prior.channel as Channel, duplicate: true };

  const choice = chooseChannel(
    [a.channel],
    reachability(ctx.profile, ctx.devices.pushTargets(), a.campaign.transactional),
  );
  if (choice.channel === null) {
    const reason = `test send: ${choice.reasons.join("; ")}`;
    decision({ suppressed: true, reason });
    return { sent: false, key: a.key, channel: a.channel, reason };
  }
  const r = render(ctx, a, a.channel);
  if (!r.ok) {
    decision({ suppressed: true, reason: `test send: ${r.problem.message}` });
    return { sent: false, key: a.key, channel: a.channel, reason: r.problem.message, error: r.problem };
  }
  const channel = a.channel;
  const record = (status: string) =>
    store.recordSend({
      key: a.key,
      campaignId: a.campaign.id,
      instance: a.key,
      stepId: a.step.id,
      variant: a.arm,
      channel,
      at: ctx.now,
      status,
    });
  const reason = `test send by ${a.by} (quiet hours and frequency caps do not apply to test sends): ${choice.reason}`;

  if (channel === "in_app" || channel === "content_card") {
    const delivered =
      channel === "in_app"
        ? inbox.deliverInApp(ctx, {
            key: a.key,
            campaignId: a.campaign.id,
            variant: a.arm,
            content: r.rendered,
            triggerEvent: "Test Send",
          })
        : inbox.addContentCard(ctx, {
            key: a.key,
            campaignId: a.campaign.id,
            variant: a.arm,
            content: r.rendered,
          });
    if (!delivered)
      return { sent: false, key: a.key, channel, reason: "the in-app store refused the message (see the timeline)" };
    record("sent");
    decision({ sent: channel, reason });
    return { sent: true, key: a.key, channel, duplicate: false };
  }
  const job: SendJob = {
    idempotencyKey: a.key,
    appId: ctx.config.appId,
    userId: p.userId,
    userObject: objectNameOf(p),
    campaignId: a.campaign.id,
    campaignVersion: a.campaign.version,
    stepId: a.step.id,
    variant: a.arm,
    channel,
    to: addressFor(p, ctx.devices.pushTargets(), channel, r.rendered),
    content: toRendered(channel, r.rendered),
    category: a.campaign.transactional ? "transactional" : "marketing",
    createdAt: ctx.now,
    test: true,
  };
  record("queued");
  ctx.enqueueSend(job);
  decision({ sent: channel, reason });
  return { sent: true, key: a.key, channel, duplicate: false };
}
