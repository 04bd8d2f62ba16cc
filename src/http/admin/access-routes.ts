import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { adminRouter, responses } from "../openapi/openapi";
import { capabilities } from "../middleware/roles";

/** `GET /admin/me`: who the console is signed in as and what it may do (it hides what the key may not). */
export const accessRoutes = adminRouter();

const Capabilities = z
  .object({
    read: z.boolean(),
    editCampaigns: z.boolean(),
    editSegments: z.boolean(),
    editLocations: z.boolean(),
    testSend: z.boolean(),
    editSettings: z.boolean(),
    manageIdentityKeys: z.boolean(),
    eraseUsers: z.boolean(),
    exportUsers: z.boolean(),
    replayDeadLetters: z.boolean(),
    approve: z.boolean(),
  })
  .openapi("Capabilities");
export const Me = z
  .object({
    appId: z.string(),
    key: z.object({ prefix: z.string(), label: z.string() }),
    role: z.enum(["owner", "editor", "viewer"]),
    approver: z.boolean().openapi({ description: "may approve other people's requests" }),
    identity: z.string().openapi({
      description:
        "`key:<prefix>`, or `access:<email>` when signed in through Cloudflare Access: the person approvals compare",
      example: "key:bk_a_1234",
    }),
    email: z.string().optional().openapi({ description: "the Cloudflare Access email, when one was verified" }),
    capabilities: Capabilities,
  })
  .openapi("Me");

accessRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getMe",
    tags: ["app"],
    summary: "The current admin key (or Access identity): its role, the approver right, and what it may do",
    security: [{ admin: [] }],
    responses: responses(Me, "Who is asking"),
  }),
  (c) => {
    const p = c.get("principal")!;
    return c.json(
      {
        appId: c.get("app").appId,
        key: { prefix: p.prefix, label: p.label },
        role: p.role,
        approver: p.approver,
        identity: p.id,
        ...(p.email ? { email: p.email } : {}),
        capabilities: capabilities(p),
      },
      200,
    );
  },
);
