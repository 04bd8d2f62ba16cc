import * as z from "zod";
import { FrequencyCapRules } from "./policy/frequency-cap";
import { CHANNELS } from "../delivery/channel";
import { ContentCardContent, InAppContent } from "../inapp/model";
import { LIFECYCLE_STATES } from "../lifecycle/lifecycle";
import { LocalTimeOfDay } from "../time/local-time";
import { PropertyFilter, PropertyFilters } from "../filters/property-filter";
import { QuietWindow } from "./policy/quiet-hours";

/**
 * The campaign model. A campaign is a trigger, an audience rule, a journey
 * (ordered steps with explicit jumps), policies and a conversion goal. Saved
 * definitions are immutable versions: people inside a journey finish the version
 * they entered.
 */

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, _ and -, at most 64");

/** A length of time; at least one unit. No horizon cap. */
export const Duration = z
  .object({
    seconds: z.number().nonnegative().optional(),
    minutes: z.number().nonnegative().optional(),
    hours: z.number().nonnegative().optional(),
    days: z.number().nonnegative().optional(),
  })
  .strict()
  .refine((d) => d.seconds !== undefined || d.minutes !== undefined || d.hours !== undefined || d.days !== undefined, {
    message: "give seconds, minutes, hours or days",
  });
export type Duration = z.infer<typeof Duration>;
/** The shortest abandonment window (`inaction.within`). */
export const MIN_INACTION_MS = 60_000;
export const durationMs = (d: Duration) =>
  ((d.days ?? 0) * 86400 + (d.hours ?? 0) * 3600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0)) * 1000;

const EventMatch = z.object({ event: z.string().min(1).max(256), filters: PropertyFilters.default([]) }).strict();
export type EventMatch = z.infer<typeof EventMatch>;

const LifecycleState = z.enum(LIFECYCLE_STATES as unknown as [string, ...string[]]);

export const Trigger = z.discriminatedUnion("type", [
  /** An event with property filters: `Order Completed` where `revenue > 100`. */
  z
    .object({ type: z.literal("event"), event: z.string().min(1).max(256), filters: PropertyFilters.default([]) })
    .strict(),
  /**
   * Inaction / abandonment: did `start`, then not `cancel` with the same `key` property within `within`.
   * Each key value (cart id, form id) is its own timer; `cancel` before the deadline stops it.
   */
  z
    .object({
      type: z.literal("inaction"),
      start: EventMatch,
      cancel: EventMatch,
      key: z.string().min(1).max(128).optional(),
      // A reminder after less than a minute would beat the person's own next tap (and the SDK's batching).
      within: Duration.refine((d) => durationMs(d) >= MIN_INACTION_MS, { message: "at least 60 seconds" }),
    })
    .strict(),
  /** A lifecycle transition, e.g. active → dormant ("*" or omitted `from` = any). */
  z
    .object({
      type: z.literal("lifecycle"),
      from: z.union([LifecycleState, z.literal("*")]).default("*"),
      to: LifecycleState,
    })
    .strict(),
  /** Geofence crossings emitted by the geofence feature. */
  z
    .object({
      type: z.literal("geofence"),
      on: z.enum(["enter", "exit", "dwell"]),
      fenceIds: z.array(z.string()).max(500).optional(),
      tags: z.array(z.string()).max(50).optional(),
    })
    .strict(),
  /** Beacon region crossings (iBeacon / Eddystone-UID regions) emitted by the geofence feature. */
  z
    .object({
      type: z.literal("beacon"),
      on: z.enum(["enter", "exit", "dwell"]),
      regionIds: z.array(z.string()).max(500).optional(),
      tags: z.array(z.string()).max(50).optional(),
    })
    .strict(),
  /** Entering or leaving a saved segment (evaluated live in the object). */
  z.object({ type: z.literal("segment"), segmentId: z.string().min(1), on: z.enum(["enter", "exit"]) }).strict(),
  /** A broadcast to an audience, once at `at` or recurring; optionally at a local time in each user's timezone. */
  z
    .object({
      type: z.literal("broadcast"),
      at: z.iso.datetime({ offset: true }).optional(),
      every: z.enum(["day", "week"]).optional(),
      localTime: LocalTimeOfDay.optional(),
    })
    .strict()
    .refine((b) => b.at || (b.every && b.localTime), {
      message: "give `at` (once) or `every` with `localTime` (recurring)",
    }),
  /** Transactional: triggered by `POST /admin/campaigns/:id/trigger`. */
  z.object({ type: z.literal("api") }).strict(),
]);
export type Trigger = z.infer<typeof Trigger>;

/** Conditions for branches and audiences. Evaluated in the user's object against their own data. */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { trait: PropertyFilter }
  | { property: PropertyFilter }
  | { consent: { channel: "push" | "email" | "sms" | "whatsapp"; status: "opted_in" | "opted_out" | "unknown" } }
  | { lifecycle: string[] }
  | { loyal: boolean }
  | { did: { event: string; filters?: PropertyFilter[]; withinHours?: number; atLeast?: number } }
  | { didNot: { event: string; filters?: PropertyFilter[]; withinHours?: number } }
  | { message: { stepId: string; status: "sent" | "delivered" | "opened" | "clicked" } }
  | { attr: PropertyFilter }
  /** The event that resumed the journey's latest `wait_for_event` (its properties, e.g. a survey answer). */
  | { event: PropertyFilter }
  /** An answer given in this journey's surveys: `property` is the question id. */
  | { answer: PropertyFilter }
  /** The person's last-known context: `app.version`, `os.name`, `device.type`, `firstCampaign.name`, … (src/domain/profile/profile-context.ts). */
  | { context: PropertyFilter };
export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(Condition).min(1).max(50) }).strict(),
    z.object({ any: z.array(Condition).min(1).max(50) }).strict(),
    z.object({ not: Condition }).strict(),
    z.object({ trait: PropertyFilter }).strict(),
    z.object({ property: PropertyFilter }).strict(),
    z
      .object({
        consent: z
          .object({
            channel: z.enum(["push", "email", "sms", "whatsapp"]),
            status: z.enum(["opted_in", "opted_out", "unknown"]),
          })
          .strict(),
      })
      .strict(),
    z.object({ lifecycle: z.array(LifecycleState).min(1) }).strict(),
    z.object({ loyal: z.boolean() }).strict(),
    z
      .object({
        did: z
          .object({
            event: z.string().min(1),
            filters: PropertyFilters.optional(),
            withinHours: z.number().positive().optional(),
            atLeast: z.number().int().positive().optional(),
          })
          .strict(),
      })
      .strict(),
    z
      .object({
        didNot: z
          .object({
            event: z.string().min(1),
            filters: PropertyFilters.optional(),
            withinHours: z.number().positive().optional(),
          })
          .strict(),
      })
      .strict(),
    z
      .object({
        message: z.object({ stepId: id, status: z.enum(["sent", "delivered", "opened", "clicked"]) }).strict(),
      })
      .strict(),
    z.object({ attr: PropertyFilter }).strict(),
    z.object({ event: PropertyFilter }).strict(),
    z.object({ answer: PropertyFilter }).strict(),
    z.object({ context: PropertyFilter }).strict(),
  ]),
) as z.ZodType<Condition>;

const PushContent = z
  .object({
    title: z.string().max(500).optional(),
    body: z.string().min(1).max(4000),
    deepLink: z.string().max(2000).optional(),
    imageUrl: z.string().max(2000).optional(),
    data: z.record(z.string(), z.string()).optional(),
  })
  .strict();
const EmailContent = z
  .object({
    subject: z.string().min(1).max(1000),
    html: z.string().max(500_000).optional(),
    text: z.string().max(200_000).optional(),
  })
  .strict()
  .refine((e) => e.html || e.text, { message: "give html or text" });
const SmsContent = z.object({ body: z.string().min(1).max(1600), mediaUrl: z.string().max(2000).optional() }).strict();
const WhatsAppContent = z.union([
  z.object({ body: z.string().min(1).max(4096) }).strict(),
  z
    .object({
      template: z
        .object({
          name: z.string().min(1),
          language: z.string().min(2),
          parameters: z.array(z.string()).max(20).optional(),
        })
        .strict(),
    })
    .strict(),
]);
const WebhookContent = z
  .object({ url: z.url({ protocol: /^https?$/ }), payload: z.record(z.string(), z.unknown()).default({}) })
  .strict();

/** Content per channel; a message step tries its channels in order and uses the first the person can receive. */
export const MessageContent = z
  .object({
    push: PushContent.optional(),
    email: EmailContent.optional(),
    sms: SmsContent.optional(),
    whatsapp: WhatsAppContent.optional(),
    in_app: InAppContent.optional(),
    content_card: ContentCardContent.optional(),
    webhook: WebhookContent.optional(),
  })
  .strict();
export type MessageContent = z.infer<typeof MessageContent>;

const Next = id.optional();

export const Step = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("message"),
      id,
      /** Channel fallback order, e.g. ["push", "in_app", "email", "sms"]. */
      channels: z.array(z.enum(CHANNELS)).min(1).max(7),
      content: MessageContent,
      /** Content overrides per A/B variant id (merged over `content`). */
      variants: z.record(z.string(), MessageContent).optional(),
      /** Locale variants, e.g. { "fr": {...}, "pt-BR": {...} } (merged over `content`). */
      locales: z.record(z.string(), MessageContent).optional(),
      next: Next,
    })
    .strict(),
  z
    .object({
      type: z.literal("delay"),
      id,
      duration: Duration.optional(),
      untilLocalTime: LocalTimeOfDay.optional(),
      next: Next,
    })
    .strict()
    .refine((d) => d.duration || d.untilLocalTime, { message: "give duration or untilLocalTime" }),
  z
    .object({
      type: z.literal("wait_for_event"),
      id,
      event: z.string().min(1),
      filters: PropertyFilters.default([]),
      timeout: Duration,
      onEvent: id,
      onTimeout: id,
    })
    .strict(),
  z.object({ type: z.literal("branch"), id, condition: Condition, then: id, else: id }).strict(),
  z.object({ type: z.literal("exit"), id }).strict(),
]);
export type Step = z.infer<typeof Step>;

export const Campaign = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    trigger: Trigger,
    /** Only people matching this condition at entry enter. */
    audience: Condition.optional(),
    steps: z.array(Step).min(1).max(100),
    /** A/B arms (stable per person). One default arm "A" when omitted. */
    variants: z
      .array(z.object({ id, weight: z.number().positive() }).strict())
      .min(1)
      .max(10)
      .default([{ id: "A", weight: 1 }]),
    /** Percent of entrants held out in the control group (no messages; conversions still measured). */
    controlPercent: z.number().min(0).max(90).default(0),
    reentry: z
      .union([z.enum(["once", "every_time"]), z.object({ cooldownHours: z.number().positive() }).strict()])
      .default("every_time"),
    /** Transactional campaigns bypass frequency caps and quiet hours (receipts, password resets). */
    transactional: z.boolean().default(false),
    /** Overrides the app's frequency caps for this campaign. */
    frequencyCaps: FrequencyCapRules.optional(),
    /** What to do in quiet hours: defer to their end (default), drop, or ignore quiet hours. */
    quietHours: z.enum(["defer", "drop", "ignore"]).default("defer"),
    quietWindow: QuietWindow.optional(),
    /** Higher goes first when several campaigns want the same moment. */
    priority: z.number().int().min(0).max(100).default(50),
    startAt: z.iso.datetime({ offset: true }).optional(),
    endAt: z.iso.datetime({ offset: true }).optional(),
    /** Conversion goal: the event, within a window after entry (attributed once per entry). */
    goal: z
      .object({
        event: z.string().min(1),
        filters: PropertyFilters.default([]),
        windowHours: z.number().positive().default(72),
      })
      .strict()
      .optional(),
    /** Broadcast audience: lifecycle states and/or a saved segment (the users index selects them). */
    broadcastAudience: z
      .object({ lifecycle: z.array(LifecycleState).optional(), segmentId: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.steps.forEach((s, i) => {
      if (ids.has(s.id))
        ctx.addIssue({ code: "custom", path: ["steps", i, "id"], message: `duplicate step id ${s.id}` });
      ids.add(s.id);
    });
    const refs = (s: Step): Array<[string, string]> =>
      s.type === "wait_for_event"
        ? [
            ["onEvent", s.onEvent],
            ["onTimeout", s.onTimeout],
          ]
        : s.type === "branch"
          ? [
              ["then", s.then],
              ["else", s.else],
            ]
          : s.type !== "exit" && s.next
            ? [["next", s.next]]
            : [];
    c.steps.forEach((s, i) => {
      for (const [field, target] of refs(s))
        if (!ids.has(target))
          ctx.addIssue({ code: "custom", path: ["steps", i, field], message: `no step with id ${target}` });
      if (s.type === "message") {
        s.channels.forEach((ch, j) => {
          if (!s.content[ch])
            ctx.addIssue({
              code: "custom",
              path: ["steps", i, "channels", j],
              message: `no content for channel ${ch}`,
            });
        });
        for (const v of Object.keys(s.variants ?? {}))
          if (!c.variants.some((a) => a.id === v))
            ctx.addIssue({ code: "custom", path: ["steps", i, "variants", v], message: `unknown variant ${v}` });
      }
    });
    if (c.startAt && c.endAt && Date.parse(c.endAt) <= Date.parse(c.startAt))
      ctx.addIssue({ code: "custom", path: ["endAt"], message: "must be after startAt" });
    if (c.trigger.type === "broadcast" && c.broadcastAudience === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["broadcastAudience"],
        message: "required for broadcasts ({} for everyone)",
      });
  });
export type Campaign = z.infer<typeof Campaign>;
export type CampaignInput = z.input<typeof Campaign>;

export type CampaignStatus = "draft" | "active" | "paused" | "archived";
