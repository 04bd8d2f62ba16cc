import * as z from "zod";
import type { ApprovalRow } from "../../stores/campaigns/approvals";

/** An approval request as the API shows it (src/stores/campaigns/approvals.ts). */
export const ApprovalView = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    campaignVersion: z
      .number()
      .int()
      .openapi({ description: "the version that was asked for; approving activates exactly this one" }),
    action: z.string().openapi({ example: "activate" }),
    status: z.enum(["pending", "approved", "rejected", "superseded"]),
    audience: z.number().int().openapi({ description: "estimated audience (upper bound) at request time" }),
    threshold: z.number().int().openapi({ description: "settings.approvals.audienceOver at request time" }),
    requestedBy: z.string().openapi({ description: "`key:<prefix>` or `access:<email>`", example: "key:bk_a_1234" }),
    requestedAt: z.number(),
    decidedBy: z.string().nullable(),
    decidedAt: z.number().nullable(),
    note: z.string().nullable(),
  })
  .openapi("Approval");

export const PendingActivation = z
  .object({ status: z.literal("pending_approval"), approval: ApprovalView })
  .openapi("PendingActivation");

export const approvalView = (r: ApprovalRow): z.infer<typeof ApprovalView> => {
  const { appId: _a, ...rest } = r;
  return rest;
};
