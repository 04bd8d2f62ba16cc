import * as z from "zod";
import { Campaign, Condition } from "../../domain/campaigns/model";
import type { CampaignStore } from "../../stores/campaigns/campaign-store";
import { ONBOARDING_CAMPAIGN } from "../openapi/examples";

/** The campaign's shapes in the admin API, shared by the campaign and approval routes. */

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
