import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { CampaignStore, parseCampaign } from "../../stores/campaigns/campaign-store";
import { mergePatch } from "../../kernel/json";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";
import { CampaignDefinition, CampaignView, IdParam, view } from "./campaign-views";

/**
 * Campaign definitions: create, list, read, replace, patch, delete a draft. Every change is a new
 * version (people in a journey finish the version they entered). Lifecycle actions and the API
 * trigger are in campaign-action-routes.ts, reports in campaign-report-routes.ts.
 */
export const campaignRoutes = adminRouter();

campaignRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
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
    path: "/",
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
    path: "/{id}",
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
    path: "/{id}",
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
    path: "/{id}",
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
    path: "/{id}",
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
