import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { campaignReport } from "../../domain/campaigns/campaign-report";
import { CampaignStats } from "../openapi/admin-views";
import { CampaignStore, parseCampaign } from "../../stores/campaigns/campaign-store";
import { startBroadcast } from "../../jobs/broadcast/broadcast";
import { Campaign, Condition } from "../../domain/campaigns/model";
import { campaignDaily, campaignFunnel } from "../../stores/campaigns/stats";
import { DAY } from "../../kernel/clock";
import { dayRange } from "./analytics/range";
import { readCounts } from "../../stores/analytics/analytics-store";
import { SUPPRESSION_COUNTER } from "../../domain/analytics/suppression-counts";
import { suppressionReport } from "../../domain/campaigns/suppression";
import { userStub } from "../../engine/user-stub";
import { adminAuth } from "../middleware/auth";
import { currentConfigVersion } from "../../stores/config/config-version";
import { DomainError } from "../../kernel/errors";
import { mergePatch } from "../../kernel/json";
import { adminRouter, JsonObjectSchema, jsonBody, responses } from "../openapi/openapi";
import { userObjectName } from "../../kernel/ids";
import { ONBOARDING_CAMPAIGN } from "../openapi/examples";
import { requestActivation } from "../../stores/campaigns/approvals";
import { approvalView, PendingActivation } from "./approval-views";

/** Campaign management: versioned definitions, lifecycle (draft → active ⇄ paused → archived), API trigger, stats. */
export const campaignRoutes = adminRouter();
campaignRoutes.use("/admin/campaigns", adminAuth);
campaignRoutes.use("/admin/campaigns/*", adminAuth);

// Conditions nest (all/any/not): naming the lazy schema makes the generator emit a $ref instead of recursing forever.
// On a lazy schema `.openapi()` also tags the original, which is the one the model references inside itself.
Condition.openapi("CampaignCondition");
/** The real campaign model (src/domain/campaigns/model.ts) in the OpenAPI document; templates are still checked by parseCampaign. */
export const CampaignDefinition = Campaign.openapi("CampaignDefinition", {
  description: "A campaign: trigger, audience, steps, policies and goal. See the campaign model in docs/campaigns.md",
  example: ONBOARDING_CAMPAIGN,
});
export const CampaignView = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(["draft", "active", "paused", "archived"]),
    version: z.number(),
    definition: CampaignDefinition,
    createdAt: z.number(),
    updatedAt: z.number(),
  })
  .openapi("Campaign");
export const IdParam = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "cmp_0123456789abcdef" }),
});
export const view = (r: Awaited<ReturnType<CampaignStore["get"]>>) => {
  const { appId: _a, ...rest } = r!;
  return rest as never;
};

campaignRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/campaigns",
    tags: ["campaigns"],
    summary: "Create a campaign (draft). Templates are validated at save time.",
    security: [{ admin: [] }],
    request: jsonBody(CampaignDefinition),
    responses: responses(CampaignView, "The draft campaign"),
  }),
  async (c) => {
    const def = parseCampaign(c.req.valid("json"));
    return c.json(view(await new CampaignStore(c.env.DB).create(c.get("app").appId, def, c.get("now"))), 200);
  },
);

campaignRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/campaigns",
    tags: ["campaigns"],
    summary: "List campaigns",
    security: [{ admin: [] }],
    request: { query: z.object({ status: z.enum(["draft", "active", "paused", "archived"]).optional() }) },
    responses: responses(z.object({ campaigns: z.array(CampaignView) }), "Campaigns"),
  }),
  async (c) => {
    const list = await new CampaignStore(c.env.DB).list(c.get("app").appId, c.req.valid("query").status);
    return c.json({ campaigns: list.map((r) => view(r)) }, 200);
  },
);

campaignRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/campaigns/{id}",
    tags: ["campaigns"],
    summary: "One campaign with its version history",
    security: [{ admin: [] }],
    request: { params: IdParam },
    responses: responses(
      CampaignView.extend({ versions: z.array(z.object({ version: z.number(), createdAt: z.number() })) }),
      "The campaign",
    ),
  }),
  async (c) => {
    const store = new CampaignStore(c.env.DB);
    const r = await store.require(c.get("app").appId, c.req.valid("param").id);
    return c.json({ ...(view(r) as object), versions: await store.versions(r.id) } as never, 200);
  },
);

campaignRoutes.openapi(
  createRoute({
    method: "put",
    path: "/admin/campaigns/{id}",
    operationId: "replaceCampaign",
    tags: ["campaigns"],
    summary:
      "Replace the whole definition: a new version; people already in the journey finish the version they entered",
    security: [{ admin: [] }],
    request: { params: IdParam, ...jsonBody(CampaignDefinition) },
    responses: responses(CampaignView, "The new version"),
  }),
  async (c) => {
    const def = parseCampaign(c.req.valid("json"));
    return c.json(
      view(await new CampaignStore(c.env.DB).update(c.get("app").appId, c.req.valid("param").id, def, c.get("now"))),
      200,
    );
  },
);

/** RFC 7396: the body is merged into the current definition (`null` removes a field, arrays replace), then validated whole. */
const MergePatch = z.record(z.string(), z.unknown()).openapi("CampaignMergePatch", {
  description: "A JSON Merge Patch (RFC 7396) of the campaign definition",
  example: { name: "Welcome v2", controlPercent: 10 },
});
campaignRoutes.openapi(
  createRoute({
    method: "patch",
    path: "/admin/campaigns/{id}",
    operationId: "updateCampaign",
    tags: ["campaigns"],
    summary:
      "Change part of the definition (JSON Merge Patch, RFC 7396): a new version; people already in the journey finish the version they entered",
    security: [{ admin: [] }],
    request: {
      params: IdParam,
      body: {
        required: true,
        content: { "application/merge-patch+json": { schema: MergePatch }, "application/json": { schema: MergePatch } },
      },
    },
    responses: responses(CampaignView, "The new version"),
  }),
  async (c) => {
    const store = new CampaignStore(c.env.DB);
    const appId = c.get("app").appId;
    const current = await store.require(appId, c.req.valid("param").id);
    const def = parseCampaign(mergePatch(current.definition, c.req.valid("json")));
    return c.json(view(await store.update(appId, current.id, def, c.get("now"))), 200);
  },
);

campaignRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/admin/campaigns/{id}",
    operationId: "deleteCampaign",
    tags: ["campaigns"],
    summary: "Delete a draft that never ran (a campaign that ran is archived instead, so its history and stats stay)",
    security: [{ admin: [] }],
    request: { params: IdParam },
    responses: responses(z.object({ deleted: z.literal(true) }), "Deleted (409 if it is not a draft)"),
  }),
  async (c) => {
    await new CampaignStore(c.env.DB).deleteDraft(c.get("app").appId, c.req.valid("param").id);
    return c.json({ deleted: true as const }, 200);
  },
);

campaignRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/campaigns/{id}/activate",
    tags: ["campaigns"],
    summary:
      "Activate the campaign (takes effect within seconds). With settings.approvals, a campaign whose estimated audience exceeds audienceOver waits for a different approver: 202 with the pending approval",
    security: [{ admin: [] }],
    request: { params: IdParam },
    responses: {
      ...responses(CampaignView, "The campaign, active"),
      202: {
        description: "Activation needs approval: the pending request (the same one while it is pending)",
        content: { "application/json": { schema: PendingActivation } },
      },
    },
  }),
  async (c) => {
    const result = await requestActivation(
      c.env,
      c.get("app"),
      c.get("principal")!,
      c.req.valid("param").id,
      c.get("now"),
    );
    // (The typed-response union of a 200 and a 202 is more than the route types can express here.)
    if (result.kind === "pending")
      return c.json({ status: "pending_approval" as const, approval: approvalView(result.approval) }, 202) as never;
    return c.json(view(result.campaign), 200) as never;
  },
);

for (const [action, status] of [
  ["pause", "paused"],
  ["archive", "archived"],
] as const) {
  campaignRoutes.openapi(
    createRoute({
      method: "post",
      path: `/admin/campaigns/{id}/${action}`,
      tags: ["campaigns"],
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} the campaign (takes effect within seconds)`,
      security: [{ admin: [] }],
      request: { params: IdParam },
      responses: responses(CampaignView, "The campaign"),
    }),
    async (c) =>
      c.json(
        view(
          await new CampaignStore(c.env.DB).setStatus(
            c.get("app").appId,
            c.req.valid("param").id,
            status,
            c.get("now"),
          ),
        ),
        200,
      ),
  );
}

const TriggerBody = z
  .object({
    userId: z.string().min(1).max(256),
    payload: JsonObjectSchema.default({}),
    /** Makes the call idempotent: the same requestId never enters (or messages) the person twice. Same key space as the Idempotency-Key header. */
    requestId: z.string().min(1).max(128).optional(),
  })
  .strict();
const TriggerHeaders = z.object({
  "idempotency-key": z.string().min(1).max(128).optional().openapi({
    description:
      "Alternative to `requestId`. Without either, the key is a hash of (campaign, user, payload), so an identical retry dedupes.",
  }),
});

/** JSON with object keys sorted at every level, so equal payloads hash equal whatever their key order. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/**
 * The idempotency key of an API trigger: the body's `requestId`, else the `Idempotency-Key`
 * header (they must agree when both are given), else SHA-256 of (campaignId, userId, payload).
 */
export async function triggerKey(
  campaignId: string,
  body: { userId: string; payload: Record<string, unknown>; requestId?: string | undefined },
  header: string | undefined,
): Promise<string> {
  if (body.requestId !== undefined && header !== undefined && body.requestId !== header) {
    throw new DomainError(
      400,
      "invalid_input",
      "Idempotency-Key: differs from the body's requestId (give one, or the same value)",
      [{ field: "Idempotency-Key", message: "differs from requestId" }],
    );
  }
  const given = body.requestId ?? header;
  if (given !== undefined) return given;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(canonicalJson([campaignId, body.userId, body.payload])),
  );
  return `h:${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

campaignRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/campaigns/{id}/trigger",
    tags: ["campaigns"],
    summary:
      "API trigger (transactional messages): enter one user with a payload. Idempotent by requestId, the Idempotency-Key header, or else a hash of (campaign, user, payload)",
    security: [{ admin: [] }],
    request: { params: IdParam, headers: TriggerHeaders, ...jsonBody(TriggerBody) },
    responses: responses(
      z.object({
        entered: z.boolean(),
        instance: z.string().optional(),
        arm: z.string().optional(),
        reason: z.string().optional(),
      }),
      "Whether the user entered",
    ),
  }),
  async (c) => {
    const app = c.get("app");
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const requestId = await triggerKey(id, body, c.req.valid("header")["idempotency-key"]);
    const campaign = await new CampaignStore(c.env.DB).require(app.appId, id);
    if (campaign.definition.trigger.type !== "api")
      throw new DomainError(400, "invalid_input", "this campaign is not API-triggered", [
        { field: "trigger.type", message: "expected api" },
      ]);
    if (campaign.status !== "active") throw new DomainError(409, "conflict", `campaign is ${campaign.status}`);
    const target = userObjectName(app.appId, { userId: body.userId });
    const result = await userStub(c.env.USER, target.name).command({
      appId: app.appId,
      userId: target.userId,
      anonymous: false,
      feature: "campaigns",
      name: "trigger",
      args: { campaignId: id, payload: body.payload, requestId },
      now: c.get("now"),
      configVersion: await currentConfigVersion(c.env.DB, app.appId),
      virtualClock: c.get("virtualClock"),
      createIfMissing: true,
    });
    return c.json(result, 200);
  },
);

const DAILY_KINDS = ["entered", "sent", "delivered", "opened", "clicked", "converted", "suppressed", "failed"] as const;
const CampaignDaily = z
  .object({
    campaignId: z.string(),
    from: z.string(),
    to: z.string(),
    days: z.array(
      z.object({
        day: z.string().openapi({ description: "UTC day" }),
        entered: z.number().int(),
        sent: z.number().int(),
        delivered: z.number().int(),
        opened: z.number().int(),
        clicked: z.number().int(),
        converted: z.number().int(),
        suppressed: z.number().int(),
        failed: z.number().int(),
        controlEntered: z.number().int().openapi({ description: "the control group's entrants (no message)" }),
        controlConverted: z.number().int(),
      }),
    ),
  })
  .openapi("CampaignDailyStats");

campaignRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/campaigns/{id}/stats/daily",
    operationId: "getCampaignDailyStats",
    tags: ["campaigns"],
    summary:
      "A campaign's facts per UTC day (entered, sent, delivered, opened, clicked, converted, suppressed, failed; control apart): conversions over time",
    security: [{ admin: [] }],
    request: {
      params: IdParam,
      query: z.object({
        from: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD")
          .optional()
          .openapi({
            description: "first UTC day (default: 29 days before to)",
          }),
        to: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD")
          .optional()
          .openapi({
            description: "last UTC day (default: today)",
          }),
      }),
    },
    responses: responses(CampaignDaily, "Per day"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await new CampaignStore(c.env.DB).require(c.get("app").appId, id);
    const { from, to } = dayRange(c.req.valid("query"), c.get("now"), 30, 366);
    const start = Date.parse(`${from}T00:00:00Z`);
    const end = Date.parse(`${to}T00:00:00Z`) + DAY;
    const rows = await campaignDaily(c.env.DB, id, start, end);
    const days = [];
    for (let t = start; t < end; t += DAY) {
      const day = new Date(t).toISOString().slice(0, 10);
      const of = (kind: string, control: boolean) =>
        rows.find((r) => r.day === day && r.kind === kind && !!r.control === control)?.n ?? 0;
      days.push({
        day,
        ...(Object.fromEntries(DAILY_KINDS.map((k) => [k, of(k, false)])) as Record<
          (typeof DAILY_KINDS)[number],
          number
        >),
        controlEntered: of("entered", true),
        controlConverted: of("converted", true),
      });
    }
    return c.json({ campaignId: id, from, to, days }, 200);
  },
);

const CampaignSuppressions = z
  .object({
    campaignId: z.string(),
    from: z.string(),
    to: z.string(),
    total: z.number().int(),
    reasons: z.array(
      z.object({
        reason: z.string().openapi({ description: "reason code", example: "frequency_cap" }),
        label: z.string().openapi({ example: "frequency cap" }),
        n: z.number().int(),
        byVariant: z.record(z.string(), z.number().int()).openapi({
          description: "per A/B arm (`control` for the control group; empty: decided before an arm, e.g. not entered)",
        }),
      }),
    ),
    days: z.array(
      z.object({ day: z.string().openapi({ description: "UTC day" }), reason: z.string(), n: z.number().int() }),
    ),
  })
  .openapi("CampaignSuppressions");

campaignRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/campaigns/{id}/suppressions",
    operationId: "getCampaignSuppressions",
    tags: ["campaigns"],
    summary:
      "Why the campaign did not send, counted per reason (control group, not in the audience, re-entry, quiet hours, frequency cap, no consent or channel, template error…), per variant and UTC day",
    security: [{ admin: [] }],
    request: {
      params: IdParam,
      query: z.object({
        from: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD")
          .optional()
          .openapi({ description: "first UTC day (default: 29 days before to)" }),
        to: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD")
          .optional()
          .openapi({ description: "last UTC day (default: today)" }),
      }),
    },
    responses: responses(CampaignSuppressions, "Suppressions by reason"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const appId = c.get("app").appId;
    await new CampaignStore(c.env.DB).require(appId, id);
    const { from, to } = dayRange(c.req.valid("query"), c.get("now"), 30, 366);
    const rows = await readCounts(c.env.DB, appId, SUPPRESSION_COUNTER, { subject: id, from, to });
    return c.json({ campaignId: id, from, to, ...suppressionReport(rows) }, 200);
  },
);

campaignRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/campaigns/{id}/broadcast",
    tags: ["campaigns"],
    summary: "Start a broadcast occurrence now (the cron does this on schedule)",
    security: [{ admin: [] }],
    request: { params: IdParam },
    responses: responses(
      z.object({ occurrence: z.string(), started: z.boolean(), users: z.number() }),
      "Fan-out started",
    ),
  }),
  async (c) => {
    const app = c.get("app");
    const campaign = await new CampaignStore(c.env.DB).require(app.appId, c.req.valid("param").id);
    if (campaign.definition.trigger.type !== "broadcast")
      throw new DomainError(400, "invalid_input", "this campaign is not a broadcast", [
        { field: "trigger.type", message: "expected broadcast" },
      ]);
    if (campaign.status !== "active") throw new DomainError(409, "conflict", `campaign is ${campaign.status}`);
    return c.json(
      await startBroadcast(c.env, campaign, c.get("now"), { force: true, virtualClock: c.get("virtualClock") }),
      200,
    );
  },
);

campaignRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/campaigns/{id}/stats",
    tags: ["campaigns"],
    summary:
      "Funnel per variant and control (entered → sent → delivered → opened/clicked → converted), uplift vs control with a confidence interval",
    security: [{ admin: [] }],
    request: { params: IdParam, query: z.object({ confidence: z.coerce.number().min(0.5).max(0.999).default(0.95) }) },
    responses: responses(CampaignStats, "Stats"),
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    await new CampaignStore(c.env.DB).require(c.get("app").appId, id);
    const report = campaignReport(await campaignFunnel(c.env.DB, id), c.req.valid("query").confidence);
    const simulated = !!(await c.env.DB.prepare(
      `SELECT 1 AS x FROM delivery_events e JOIN deliveries d ON d.provider = 'sandbox' AND d.provider_message_id = e.provider_message_id WHERE e.provider = 'sandbox' AND d.campaign_id = ? LIMIT 1`,
    )
      .bind(id)
      .first());
    return c.json(
      {
        campaignId: id,
        confidence: c.req.valid("query").confidence,
        ...report,
        ...(simulated ? { simulated } : {}),
      } as never,
      200,
    );
  },
);
