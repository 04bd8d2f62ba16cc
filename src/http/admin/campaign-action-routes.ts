import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { CampaignStore } from "../../stores/campaigns/campaign-store";
import { requestActivation } from "../../stores/campaigns/approvals";
import { currentConfigVersion } from "../../stores/config/config-version";
import { startBroadcast } from "../../jobs/broadcast/broadcast";
import { userStub } from "../../engine/user-stub";
import { DomainError } from "../../kernel/errors";
import { userObjectName } from "../../kernel/ids";
import { adminRouter, JsonObjectSchema, jsonBody, responses } from "../openapi/openapi";
import { approvalView, PendingActivation } from "./approval-views";
import { CampaignView, IdParam, view } from "./campaign-views";

/**
 * What a campaign does next: its lifecycle (draft → active ⇄ paused → archived; activation may wait
 * for an approver), the API trigger (transactional messages) and a broadcast started by hand.
 */
export const campaignActionRoutes = adminRouter();

campaignActionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{id}/activate",
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
  campaignActionRoutes.openapi(
    createRoute({
      method: "post",
      path: `/{id}/${action}`,
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

campaignActionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{id}/trigger",
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

campaignActionRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{id}/broadcast",
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
