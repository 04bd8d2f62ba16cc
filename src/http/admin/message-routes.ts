import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { CampaignStore } from "../../stores/campaigns/campaign-store";
import { MessageContent } from "../../domain/campaigns/model";
import { TEST_SEND_PREFIX } from "../../engine/features/journey/test-message";
import type { MessageSource, RenderProblem } from "../../engine/features/journey/journey-commands";
import type { CommandArgs, CommandName, CommandResult } from "../../engine/user-commands";
import { CHANNELS, type Channel } from "../../domain/delivery/channel";
import { validateContent } from "../../domain/templates/render";
import { userStub } from "../../engine/user-stub";
import { currentConfigVersion } from "../../stores/config/config-version";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { adminRouter, JsonObjectSchema, jsonBody, responses } from "../openapi/openapi";
import { userObjectName } from "../../kernel/ids";
import type { Context } from "hono";

/**
 * Message previews and test sends for the console's composer (issue 14), rendered inside the
 * person's UserObject by the send path's own code (src/engine/features/journey/test-message.ts).
 */
export const messageRoutes = adminRouter();

const SourceFields = {
  userId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ description: "a real person: their traits, locale, timezone, devices and consent", example: "ada" }),
  content: MessageContent.optional().openapi({
    description: "a message step's content (one or more channels), as in a campaign; or give campaignId and stepId",
  }),
  locales: z
    .record(z.string(), MessageContent)
    .optional()
    .openapi({ description: "locale variants of `content`, as in a message step" }),
  variants: z
    .record(z.string(), MessageContent)
    .optional()
    .openapi({ description: "A/B arm overrides of `content`, as in a message step (`variant` chooses the arm)" }),
  campaignId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "a saved campaign (its current version)…", example: "cmp_0123456789abcdef" }),
  stepId: z.string().min(1).max(64).optional().openapi({ description: "…and its message step", example: "reminder" }),
  variant: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "the A/B arm whose overrides apply (default: the campaign's first)" }),
  event: JsonObjectSchema.default({}).openapi({
    description: "properties of the trigger event (`event.*` in templates)",
    example: { cart_id: "c-42", items: [{ name: "Lamp" }] },
  }),
  locale: z.string().min(2).max(35).optional().openapi({
    description: "render as if the person's locale were this (which locale variant, and `user.locale`)",
    example: "fr-FR",
  }),
};

type SourceInput = {
  content?: unknown;
  campaignId?: string | undefined;
  stepId?: string | undefined;
  locales?: unknown;
  variants?: unknown;
};
function checkSource(b: SourceInput, ctx: z.RefinementCtx): void {
  if (b.content === undefined && b.campaignId === undefined)
    ctx.addIssue({ code: "custom", path: ["content"], message: "give content, or campaignId and stepId" });
  if (b.content !== undefined && b.campaignId !== undefined)
    ctx.addIssue({ code: "custom", path: ["campaignId"], message: "give content or campaignId, not both" });
  if (b.campaignId !== undefined && b.stepId === undefined)
    ctx.addIssue({ code: "custom", path: ["stepId"], message: "required with campaignId" });
  if (b.campaignId === undefined && b.stepId !== undefined)
    ctx.addIssue({ code: "custom", path: ["campaignId"], message: "required with stepId" });
  if (b.campaignId !== undefined && b.locales !== undefined)
    ctx.addIssue({ code: "custom", path: ["locales"], message: "a campaign's step has its own locales" });
  if (b.campaignId !== undefined && b.variants !== undefined)
    ctx.addIssue({ code: "custom", path: ["variants"], message: "a campaign's step has its own variants" });
}

const PreviewBody = z
  .object({
    ...SourceFields,
    channel: z
      .enum(CHANNELS)
      .optional()
      .openapi({ description: "only this channel (default: every channel the content has)" }),
  })
  .strict()
  .superRefine(checkSource)
  .openapi("MessagePreviewRequest");
const TestSendBody = z
  .object({
    ...SourceFields,
    channel: z.enum(CHANNELS).openapi({ description: "the channel to send on (it must have content)" }),
    requestId: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .openapi({ description: "makes the call idempotent (same key space as the Idempotency-Key header)" }),
  })
  .strict()
  .superRefine(checkSource)
  .openapi("TestSendRequest");

const Problem = z.object({
  field: z.string(),
  message: z.string(),
  line: z.number().optional(),
  col: z.number().optional(),
});
const PreviewView = z
  .object({
    userId: z.string(),
    locale: z.string().nullable(),
    timezone: z.string().nullable(),
    variant: z.string(),
    messages: z.array(
      z.object({
        channel: z.enum(CHANNELS),
        reachable: z
          .boolean()
          .openapi({ description: "whether this person can receive the channel now (consent, address, live device)" }),
        reason: z.string(),
        content: z
          .record(z.string(), z.unknown())
          .optional()
          .openapi({ description: "the rendered content, exactly as a send would carry it" }),
        to: z
          .unknown()
          .optional()
          .openapi({ description: "where it would go: the email / phone / webhook URL; push: the devices' platforms" }),
        error: Problem.optional(),
      }),
    ),
  })
  .openapi("MessagePreview");
const TestSendView = z
  .object({
    sent: z.literal(true),
    key: z.string().openapi({
      description:
        "the send's idempotency key (`test:…`): its row in GET /admin/sends and its timeline entries carry it",
      example: "test:app-1:ada:req-1",
    }),
    channel: z.enum(CHANNELS),
    duplicate: z.boolean().openapi({ description: "this request id was already sent: nothing was sent again" }),
  })
  .openapi("TestSend");

const IdempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(128)
    .optional()
    .openapi({ description: "Alternative to `requestId`; without either, every call is a new test send" }),
});

/** The step to render: a saved campaign's (current version) or the body's content. */
async function resolveSource(
  c: Context<HonoEnv>,
  b: z.infer<typeof PreviewBody> | z.infer<typeof TestSendBody>,
  adhocName: string,
): Promise<MessageSource> {
  if (b.campaignId !== undefined) {
    const campaign = await new CampaignStore(c.env.DB).require(c.get("app").appId, b.campaignId);
    const def = campaign.definition;
    const step = def.steps.find((s) => s.id === b.stepId);
    if (!step || step.type !== "message")
      throw new DomainError(400, "invalid_input", `stepId: campaign ${campaign.id} has no message step ${b.stepId}`, [
        { field: "stepId", message: `no message step ${b.stepId}` },
      ]);
    if (b.variant !== undefined && !def.variants.some((v) => v.id === b.variant))
      throw new DomainError(400, "invalid_input", `variant: campaign has no variant ${b.variant}`, [
        { field: "variant", message: `one of ${def.variants.map((v) => v.id).join(", ")}` },
      ]);
    return {
      step: {
        id: step.id,
        content: step.content,
        ...(step.variants ? { variants: step.variants } : {}),
        ...(step.locales ? { locales: step.locales } : {}),
      },
      campaign: { id: campaign.id, name: def.name, version: campaign.version, transactional: def.transactional },
      arm: b.variant ?? def.variants[0]!.id,
      event: b.event,
      ...(b.locale ? { locale: b.locale } : {}),
    };
  }
  // Content from the composer: its templates are checked like a campaign save checks them.
  const problems = [
    ...validateContent(b.content, "content"),
    ...validateContent(b.locales ?? {}, "locales"),
    ...validateContent(b.variants ?? {}, "variants"),
  ].map((p) => ({
    field: p.path,
    message: `template error: ${p.message}${p.line ? ` (line ${p.line}, col ${p.col})` : ""}`,
  }));
  if (problems.length > 0)
    throw new DomainError(400, "invalid_template", `${problems[0]!.field}: ${problems[0]!.message}`, problems);
  return {
    step: {
      id: "composer",
      content: b.content!,
      ...(b.locales ? { locales: b.locales } : {}),
      ...(b.variants ? { variants: b.variants } : {}),
    },
    campaign: { id: adhocName, name: adhocName === "test" ? "Test send" : "Preview", version: 0, transactional: false },
    arm: b.variant ?? "A",
    event: b.event,
    ...(b.locale ? { locale: b.locale } : {}),
  };
}

function contentChannels(src: MessageSource): Channel[] {
  return CHANNELS.filter((ch) => src.step.content[ch] !== undefined);
}

const renderFailure = (problem: RenderProblem) =>
  new DomainError(
    400,
    "invalid_template",
    `${problem.field}: ${problem.message}${problem.line ? ` (line ${problem.line}, col ${problem.col})` : ""}`,
    [{ field: problem.field, message: problem.message }],
  );

/** A journey command for a known person (a preview or test send never creates one): 404 otherwise. */
async function personCommand<N extends CommandName<"campaigns">>(
  c: Context<HonoEnv>,
  userId: string,
  name: N,
  args: CommandArgs<"campaigns", N>,
): Promise<CommandResult<"campaigns", N>> {
  const app = c.get("app");
  const target = userObjectName(app.appId, { userId });
  const result = await userStub(c.env.USER, target.name).command({
    appId: app.appId,
    userId: target.userId,
    anonymous: false,
    feature: "campaigns",
    name,
    args,
    now: c.get("now"),
    configVersion: await currentConfigVersion(c.env.DB, app.appId),
    virtualClock: c.get("virtualClock"),
  });
  if (result === null)
    throw new DomainError(404, "not_found", `no person ${userId} in this app`, [
      { field: "userId", message: "unknown person" },
    ]);
  return result;
}

messageRoutes.openapi(
  createRoute({
    method: "post",
    path: "/preview",
    operationId: "previewMessage",
    tags: ["messages"],
    summary:
      "Render a message step for a real person, with the send path's own Liquid, locale and A/B choice: the content per channel and whether they can receive it. Writes nothing",
    security: [{ admin: [] }],
    request: jsonBody(PreviewBody),
    responses: responses(PreviewView, "The rendered message per channel"),
  }),
  async (c) => {
    const body = c.req.valid("json");
    const src = await resolveSource(c, body, "preview");
    const channels = body.channel ? [body.channel] : contentChannels(src);
    if (body.channel && src.step.content[body.channel] === undefined)
      throw new DomainError(400, "invalid_input", `channel: the message has no ${body.channel} content`, [
        { field: "channel", message: `no ${body.channel} content` },
      ]);
    const preview = await personCommand(c, body.userId, "previewMessage", { ...src, channels });
    const failed = preview.messages.find((m) => m.error);
    if (failed?.error) throw renderFailure(failed.error);
    return c.json(preview, 200);
  },
);

messageRoutes.openapi(
  createRoute({
    method: "post",
    path: "/test-send",
    operationId: "testSendMessage",
    tags: ["messages"],
    summary:
      "Send one message to a chosen person on a chosen channel through the real send path, consent and reachability (not quiet hours or caps); marked as a test everywhere, never counted in campaign stats. Idempotent by requestId or Idempotency-Key",
    security: [{ admin: [] }],
    request: { headers: IdempotencyHeader, ...jsonBody(TestSendBody) },
    responses: responses(TestSendView, "Sent (or already sent for this request id)"),
  }),
  async (c) => {
    const body = c.req.valid("json");
    const header = c.req.valid("header")["idempotency-key"];
    if (body.requestId !== undefined && header !== undefined && body.requestId !== header)
      throw new DomainError(
        400,
        "invalid_input",
        "Idempotency-Key: differs from the body's requestId (give one, or the same value)",
        [{ field: "Idempotency-Key", message: "differs from requestId" }],
      );
    const src = await resolveSource(c, body, "test");
    if (src.step.content[body.channel] === undefined)
      throw new DomainError(400, "invalid_input", `channel: the message has no ${body.channel} content`, [
        { field: "channel", message: `no ${body.channel} content` },
      ]);
    const requestId = body.requestId ?? header ?? crypto.randomUUID();
    const key = `${TEST_SEND_PREFIX}${c.get("app").appId}:${body.userId}:${requestId}`;
    const result = await personCommand(c, body.userId, "testSend", {
      ...src,
      channel: body.channel,
      key,
      by: c.get("principal")?.id ?? "admin",
    });
    if (!result.sent) {
      if (result.error) throw renderFailure(result.error);
      throw new DomainError(409, "unreachable", `${body.userId} cannot receive ${body.channel}: ${result.reason}`, [
        { field: "channel", message: result.reason },
      ]);
    }
    return c.json(result, 200);
  },
);
