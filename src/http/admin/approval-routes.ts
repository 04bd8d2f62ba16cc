import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { decide, getApproval, listApprovals } from "../../stores/campaigns/approvals";
import { approvalView, ApprovalView } from "./approval-views";
import { CampaignView, view } from "./campaign-views";
import { adminRouter, responses } from "../openapi/openapi";

/**
 * Approvals of large activations (issue 14): the requests, and a different approver's decision.
 * The estimate and version diff the console shows beside them are campaign-review-routes.ts.
 */
export const approvalRoutes = adminRouter();

const ApprovalIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "apr_0123456789abcdef" }),
});

approvalRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listApprovals",
    tags: ["approvals"],
    summary: "Approval requests, newest first (default: pending)",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        status: z.enum(["pending", "approved", "rejected", "superseded", "all"]).default("pending"),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: responses(z.object({ approvals: z.array(ApprovalView) }), "Approvals"),
  }),
  async (c) => {
    const q = c.req.valid("query");
    const rows = await listApprovals(c.env.DB, c.get("app").appId, q.status === "all" ? undefined : q.status, q.limit);
    return c.json({ approvals: rows.map(approvalView) }, 200);
  },
);

approvalRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    operationId: "getApproval",
    tags: ["approvals"],
    summary: "One approval request",
    security: [{ admin: [] }],
    request: { params: ApprovalIdParam },
    responses: responses(ApprovalView, "The approval"),
  }),
  async (c) => c.json(approvalView(await getApproval(c.env.DB, c.get("app").appId, c.req.valid("param").id)), 200),
);

const DecisionBody = z
  .object({ note: z.string().max(1000).optional().openapi({ description: "why (shown with the request)" }) })
  .strict();
// `campaign`: activated on approve, null on reject. No .openapi() on it: that would re-register "Campaign" as nullable.
const Decided = z.object({ approval: ApprovalView, campaign: z.union([CampaignView, z.null()]) });

for (const [action, decision] of [
  ["approve", "approved"],
  ["reject", "rejected"],
] as const) {
  approvalRoutes.openapi(
    createRoute({
      method: "post",
      path: `/{id}/${action}`,
      operationId: `${action}Approval`,
      tags: ["approvals"],
      summary:
        action === "approve"
          ? "Approve a pending request (needs the approver right, and not the requester's own): activates the campaign version that was asked for"
          : "Reject a pending request (needs the approver right, and not the requester's own)",
      security: [{ admin: [] }],
      request: {
        params: ApprovalIdParam,
        body: { required: false, content: { "application/json": { schema: DecisionBody } } },
      },
      responses: responses(Decided, action === "approve" ? "Approved, and the campaign is active" : "Rejected"),
    }),
    async (c) => {
      const body = c.req.valid("json") ?? {};
      const { approval, campaign } = await decide(
        c.env.DB,
        c.get("app").appId,
        c.get("principal")!,
        c.req.valid("param").id,
        decision,
        body.note,
        c.get("now"),
      );
      return c.json({ approval: approvalView(approval), campaign: campaign ? view(campaign) : null } as never, 200);
    },
  );
}
