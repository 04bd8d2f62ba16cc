import * as z from "zod";

/**
 * In-app messages and content cards: what a campaign step (channel `in_app` or
 * `content_card`) carries, validated when the campaign is saved. Pure: no bindings.
 */

const Url = z.url({ protocol: /^https?$/ });
/** Deep links may use the app's own scheme (`myshop://cart`) as well as https. */
const DeepLink = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^[a-zA-Z][a-zA-Z0-9+.-]*:/, "expected a URL or app link such as https://… or myshop://cart")
  // Links run in the app's page: never script.
  .refine((s) => !/^(javascript|data|vbscript|file):/i.test(s.trim()), "this URL scheme is not allowed");
const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only");

export const InAppButton = z
  .object({
    id: Id,
    label: z.string().min(1).max(80),
    /** `deeplink` opens `deepLink` (and counts a click); `dismiss` closes (and counts a click on that button). */
    action: z.enum(["deeplink", "dismiss"]).default("dismiss"),
    deepLink: DeepLink.optional(),
  })
  .strict()
  .refine((b) => b.action !== "deeplink" || !!b.deepLink, {
    message: "required when action is deeplink",
    path: ["deepLink"],
  });
export type InAppButton = z.infer<typeof InAppButton>;

export const SurveyQuestion = z
  .object({
    id: Id,
    prompt: z.string().min(1).max(500),
    /** single/multi choose among `options`; rating is 1–5; text is free text (≤ 1000 chars). */
    kind: z.enum(["single", "multi", "rating", "text"]),
    options: z.array(z.string().min(1).max(200)).min(2).max(10).optional(),
    required: z.boolean().default(false),
  })
  .strict()
  .refine((q) => (q.kind === "single" || q.kind === "multi" ? !!q.options : true), {
    message: "required for single and multi questions",
    path: ["options"],
  });
export type SurveyQuestion = z.infer<typeof SurveyQuestion>;

/**
 * When the SDK shows a pending message: at once (no rule), or the next time the
 * app tracks `event` (optionally with these property values). Evaluated client-side,
 * so the message appears with no round trip when the trigger happens.
 */
export const DisplayRule = z
  .object({
    event: z.string().min(1).max(200),
    properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();
export type DisplayRule = z.infer<typeof DisplayRule>;

/** Default and bounds of a message's lifetime: pending messages not shown by then are dropped. */
export const DEFAULT_INAPP_EXPIRY_SECONDS = 14 * 24 * 3600;
export const DEFAULT_CARD_EXPIRY_SECONDS = 30 * 24 * 3600;
const MAX_EXPIRY_SECONDS = 365 * 24 * 3600;

export const InAppContent = z
  .object({
    type: z.enum(["modal", "banner", "fullscreen", "survey"]),
    title: z.string().max(200).optional(),
    body: z.string().max(2000).optional(),
    imageUrl: Url.optional(),
    /** The image's text alternative for screen readers (empty or absent: decorative). */
    imageAlt: z.string().max(300).optional(),
    buttons: z.array(InAppButton).max(3).default([]),
    questions: z.array(SurveyQuestion).min(1).max(10).optional(),
    /** Label of the survey's submit button. */
    submitLabel: z.string().min(1).max(80).optional(),
    /** Show when this SDK event happens instead of at once. */
    displayOn: DisplayRule.optional(),
    expiresInSeconds: z.number().int().positive().max(MAX_EXPIRY_SECONDS).optional(),
    /** Higher shows first (0–100). */
    priority: z.number().int().min(0).max(100).default(50),
    /** Banners close by themselves after this many seconds (0 = stay). */
    autoDismissSeconds: z.number().int().min(0).max(120).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.type === "survey" && !c.questions)
      ctx.addIssue({ code: "custom", path: ["questions"], message: "a survey needs questions" });
    if (c.type !== "survey" && c.questions)
      ctx.addIssue({ code: "custom", path: ["questions"], message: "only surveys have questions" });
    if (!c.title && !c.body && !c.imageUrl)
      ctx.addIssue({ code: "custom", path: ["title"], message: "a message needs a title, body or image" });
    const ids = c.buttons.map((b) => b.id);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: "custom", path: ["buttons"], message: "button ids must be unique" });
    const qids = (c.questions ?? []).map((q) => q.id);
    if (new Set(qids).size !== qids.length)
      ctx.addIssue({ code: "custom", path: ["questions"], message: "question ids must be unique" });
  });
export type InAppContent = z.infer<typeof InAppContent>;
export type InAppContentInput = z.input<typeof InAppContent>;

export const ContentCardContent = z
  .object({
    title: z.string().min(1).max(200),
    body: z.string().max(2000).optional(),
    imageUrl: Url.optional(),
    /** The image's text alternative for screen readers (empty or absent: decorative). */
    imageAlt: z.string().max(300).optional(),
    deepLink: DeepLink.optional(),
    /** Label of the card's link (defaults to the SDK's "Open"). */
    linkLabel: z.string().min(1).max(80).optional(),
    /** Pinned cards stay at the top of the feed. */
    pinned: z.boolean().default(false),
    expiresInSeconds: z.number().int().positive().max(MAX_EXPIRY_SECONDS).optional(),
  })
  .strict();
export type ContentCardContent = z.infer<typeof ContentCardContent>;
export type ContentCardContentInput = z.input<typeof ContentCardContent>;

/** Per-app in-app settings (`settings.inApp`); every field has a default. */
export const InAppSettings = z
  .object({
    /** Minimum time between two in-app messages shown to one person (seconds). */
    minIntervalSeconds: z.number().int().min(0).max(86_400).default(30),
    /** Pending messages kept per person; beyond that, the lowest priority / oldest are dropped. */
    maxPending: z.number().int().min(1).max(200).default(50),
    /** Cards kept per person; beyond that, the oldest unpinned are dropped. */
    maxCards: z.number().int().min(1).max(500).default(100),
  })
  .strict();
export type InAppSettings = z.infer<typeof InAppSettings>;
export const DEFAULT_INAPP_SETTINGS: InAppSettings = InAppSettings.parse({});

/** An answer to one survey question: a choice, choices, a 1–5 rating or text. */
export const SurveyAnswer = z
  .object({
    questionId: Id,
    answer: z.union([z.string().max(1000), z.array(z.string().max(200)).max(10), z.number().int().min(1).max(5)]),
  })
  .strict();
export type SurveyAnswer = z.infer<typeof SurveyAnswer>;

/** Engagement the SDK reports about an in-app message. */
export const InAppEngagement = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("impression"), key: z.string().min(1).max(512) }).strict(),
  z.object({ kind: z.literal("click"), key: z.string().min(1).max(512), buttonId: Id }).strict(),
  z.object({ kind: z.literal("dismiss"), key: z.string().min(1).max(512) }).strict(),
  z
    .object({
      kind: z.literal("answer"),
      key: z.string().min(1).max(512),
      answers: z.array(SurveyAnswer).min(1).max(10),
    })
    .strict(),
]);
export type InAppEngagement = z.infer<typeof InAppEngagement>;

export const CARD_ACTIONS = ["view", "read", "click", "dismiss", "pin", "unpin"] as const;
export type CardAction = (typeof CARD_ACTIONS)[number];

/** Reserved event names: emitted by Beckon, and accepted from Segment `track` calls as engagement. */
export const INAPP_EVENTS = {
  impression: "In-App Message Viewed",
  click: "In-App Message Clicked",
  dismiss: "In-App Message Dismissed",
  answer: "Survey Answered",
} as const;
export const CARD_EVENTS = {
  view: "Content Card Viewed",
  click: "Content Card Clicked",
  dismiss: "Content Card Dismissed",
} as const;

/** An in-app message as the SDK receives it (pending list and live push). */
export interface InAppMessageView {
  key: string;
  campaignId: string;
  content: InAppContent;
  createdAt: number;
  expiresAt: number;
  priority: number;
}

/** A content card as the SDK's feed shows it. */
export interface ContentCardView {
  id: string;
  campaignId: string;
  title: string;
  body?: string;
  imageUrl?: string;
  imageAlt?: string;
  deepLink?: string;
  linkLabel?: string;
  pinned: boolean;
  read: boolean;
  createdAt: number;
  expiresAt: number;
}
