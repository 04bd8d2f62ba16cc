import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { campaignVersion } from "../../stores/campaigns/approvals";
import { ESTIMATE_CHANNELS, estimateAudience } from "../../stores/campaigns/audience-estimate";
import { CampaignStore } from "../../stores/campaigns/campaign-store";
import { Campaign } from "../../domain/campaigns/model";
import { CampaignDefinition, IdParam } from "./campaign-views";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";

/**
 * What the console needs around a campaign before it goes live (issue 14): the audience estimate
 * per channel and one version's definition (for the diff). Approvals of large activations are
 * approval-routes.ts.
 */
export const campaignReviewRoutes = adminRouter();

const Bounds = z.object({ min: z.number().int(), max: z.number().int() });
const Estimate = z
  .object({
    total: z.number().int().openapi({ description: "people in the app's users index" }),
    audience: Bounds.extend({
      exact: z
        .boolean()
        .openapi({ description: "true when the index evaluated every condition: min = max is the count" }),
    }).openapi({ description: "people the audience matches (broadcast audience and audience condition)" }),
    channels: z
      .object(
        Object.fromEntries(ESTIMATE_CHANNELS.map((ch) => [ch, Bounds])) as Record<
          (typeof ESTIMATE_CHANNELS)[number],
          typeof Bounds
        >,
      )
      .openapi({
        description:
          "of the audience, who can receive each channel: push — opted in with a live device; email — an address and not opted out; sms/whatsapp — a phone and opted in. In-app, content cards and webhooks reach the whole audience",
      }),
    campaignChannels: z.array(z.string()).openapi({ description: "channels the campaign's message steps use" }),
    estimated: z.array(z.string()).openapi({
      description:
        "conditions the users index cannot evaluate (traits, event properties, behaviour, context…): each widens the bounds",
      example: ["trait plan"],
    }),
    note: z
      .string()
      .nullable()
      .openapi({ description: "for triggered campaigns: only those who meet the trigger enter" }),
  })
  .openapi("AudienceEstimate");

campaignReviewRoutes.openapi(
  createRoute({
    method: "post",
    path: "/estimate",
    operationId: "estimateCampaignAudience",
    tags: ["campaigns"],
    summary:
      "Audience estimate of a campaign definition (a draft not saved yet): how many people it matches and how many can receive each channel, from the users index",
    security: [{ admin: [] }],
    request: jsonBody(CampaignDefinition),
    responses: responses(Estimate, "The estimate"),
  }),
  async (c) => {
    const parsed = Campaign.safeParse(c.req.valid("json"));
    if (!parsed.success) throw invalid(parsed.error);
    return c.json(await estimateAudience(c.env, c.get("app").appId, parsed.data, c.get("now")), 200);
  },
);

campaignReviewRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}/estimate",
    operationId: "getCampaignEstimate",
    tags: ["campaigns"],
    summary: "Audience estimate of a saved campaign (its current version), per channel",
    security: [{ admin: [] }],
    request: { params: IdParam },
    responses: responses(Estimate, "The estimate"),
  }),
  async (c) => {
    const campaign = await new CampaignStore(c.env.DB).require(c.get("app").appId, c.req.valid("param").id);
    return c.json(await estimateAudience(c.env, c.get("app").appId, campaign.definition, c.get("now")), 200);
  },
);

const VersionParams = IdParam.extend({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: "version", in: "path" }, example: 2 }),
});
campaignReviewRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}/versions/{version}",
    operationId: "getCampaignVersion",
    tags: ["campaigns"],
    summary:
      "One saved version of a campaign with its definition (every save is an immutable version; the console diffs two)",
    security: [{ admin: [] }],
    request: { params: VersionParams },
    responses: responses(
      z
        .object({
          campaignId: z.string(),
          version: z.number().int(),
          createdAt: z.number(),
          current: z.boolean().openapi({ description: "whether this is the campaign's current version" }),
          definition: CampaignDefinition,
        })
        .openapi("CampaignVersion"),
      "The version",
    ),
  }),
  async (c) => {
    const { id, version } = c.req.valid("param");
    const campaign = await new CampaignStore(c.env.DB).require(c.get("app").appId, id);
    const found = await campaignVersion(c.env.DB, id, version);
    if (!found)
      throw new DomainError(
        404,
        "not_found",
        `campaign ${id} has no version ${version} (versions 1–${campaign.version})`,
      );
    return c.json(
      {
        campaignId: id,
        version: found.version,
        createdAt: found.createdAt,
        current: found.version === campaign.version,
        definition: found.definition,
      } as never,
      200,
    );
  },
);
