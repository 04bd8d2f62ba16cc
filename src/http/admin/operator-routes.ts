import { waitPropagation } from "../middleware/config-propagation";
import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { and, eq } from "drizzle-orm";
import { AppSettings } from "../../domain/settings/app-settings";
import { generateKey, hashKey, keyPrefix } from "../../stores/config/keys";
import { database } from "../../stores/d1/client";
import { apiKeys, apps } from "../../stores/d1/schema";
import { operatorAuth } from "../middleware/auth";
import { DomainError } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";

/** Operator API (OPERATOR_TOKEN): creates apps and their keys. Keys are returned once; only hashes are stored. */
export const operatorRoutes = adminRouter();
operatorRoutes.use("*", operatorAuth);

// identityVerification has no default here: a new app gets `required` unless the operator says otherwise.
const NewAppSettings = AppSettings.extend({
  identityVerification: AppSettings.shape.identityVerification.unwrap().optional(),
}).partial();
const CreateApp = z
  .object({
    name: z.string().min(1).max(200),
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, "lowercase letters, digits and dashes")
      .optional(),
    settings: NewAppSettings.optional(),
  })
  .strict();
const CreatedApp = z.object({ appId: z.string(), name: z.string(), writeKey: z.string(), adminKey: z.string() });
const CreateKey = z
  .object({
    kind: z.enum(["write", "admin", "server"]),
    label: z.string().max(200).optional(),
    role: z.enum(["owner", "editor", "viewer"]).optional().openapi({
      description:
        "admin keys only (default owner): owner, editor (campaigns, segments, locations, test sends) or viewer (read-only)",
    }),
    approver: z
      .boolean()
      .optional()
      .openapi({ description: "admin keys only: may approve other people's requests (owners may anyway)" }),
  })
  .strict()
  .superRefine((k, ctx) => {
    if (k.kind !== "admin" && k.role !== undefined)
      ctx.addIssue({ code: "custom", path: ["role"], message: "only admin keys have a role" });
    if (k.kind !== "admin" && k.approver !== undefined)
      ctx.addIssue({ code: "custom", path: ["approver"], message: "only admin keys have the approver right" });
  });

operatorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["operator"],
    summary: "Create an app with a write key and an admin key",
    security: [{ operator: [] }],
    request: jsonBody(CreateApp),
    responses: responses(CreatedApp, "The app and its keys (shown once)"),
  }),
  async (c) => {
    const body = c.req.valid("json");
    const appId = body.id ?? `app-${crypto.randomUUID().slice(0, 8)}`;
    const now = Date.now();
    const db = database(c.env.DB);
    const [existing] = await db.select({ id: apps.id }).from(apps).where(eq(apps.id, appId));
    if (existing)
      throw new DomainError(409, "conflict", `app ${appId} already exists`, [
        { field: "id", message: "already exists" },
      ]);
    const writeKey = generateKey("write");
    const adminKey = generateKey("admin");
    await db.batch([
      db.insert(apps).values({
        id: appId,
        name: body.name,
        settings: JSON.stringify(
          AppSettings.parse({
            ...body.settings,
            identityVerification: body.settings?.identityVerification ?? "required",
          }),
        ),
        configVersion: 1,
        createdAt: now,
      }),
      db.insert(apiKeys).values({
        keyHash: await hashKey(writeKey),
        appId,
        kind: "write",
        label: "default",
        prefix: keyPrefix(writeKey),
        createdAt: now,
      }),
      db.insert(apiKeys).values({
        keyHash: await hashKey(adminKey),
        appId,
        kind: "admin",
        label: "default",
        prefix: keyPrefix(adminKey),
        createdAt: now,
        role: "owner",
      }),
    ]);
    return c.json({ appId, name: body.name, writeKey, adminKey }, 200);
  },
);

const AppIdParam = z.object({ appId: z.string().openapi({ param: { name: "appId", in: "path" } }) });

operatorRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{appId}/keys",
    tags: ["operator"],
    summary: "Create another key for an app",
    security: [{ operator: [] }],
    request: { params: AppIdParam, ...jsonBody(CreateKey) },
    responses: responses(
      z.object({
        key: z.string(),
        kind: z.string(),
        prefix: z.string(),
        role: z.enum(["owner", "editor", "viewer"]).optional(),
        approver: z.boolean().optional(),
      }),
      "The new key (shown once)",
    ),
  }),
  async (c) => {
    const { appId } = c.req.valid("param");
    const body = c.req.valid("json");
    const db = database(c.env.DB);
    const [app] = await db.select({ id: apps.id }).from(apps).where(eq(apps.id, appId));
    if (!app) throw new DomainError(404, "not_found", `app ${appId} does not exist`);
    const key = generateKey(body.kind);
    const admin = body.kind === "admin" ? { role: body.role ?? "owner", approver: body.approver ?? false } : undefined;
    await db.insert(apiKeys).values({
      keyHash: await hashKey(key),
      appId,
      kind: body.kind,
      label: body.label ?? "",
      prefix: keyPrefix(key),
      createdAt: Date.now(),
      ...(admin ?? {}),
    });
    return c.json(
      {
        key,
        kind: body.kind,
        prefix: keyPrefix(key),
        ...(admin ? { role: admin.role, approver: admin.approver || admin.role === "owner" } : {}),
      },
      200,
    );
  },
);

operatorRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{appId}/keys/{prefix}",
    tags: ["operator"],
    summary: "Revoke a key by its prefix",
    security: [{ operator: [] }],
    request: {
      params: AppIdParam.extend({
        prefix: z
          .string()
          .min(6)
          .openapi({ param: { name: "prefix", in: "path" } }),
      }),
    },
    responses: responses(z.object({ revoked: z.number() }), "How many keys were revoked"),
  }),
  async (c) => {
    const { appId, prefix } = c.req.valid("param");
    const db = database(c.env.DB);
    const revoked = await db
      .update(apiKeys)
      .set({ revokedAt: Date.now() })
      .where(and(eq(apiKeys.appId, appId), eq(apiKeys.prefix, prefix)))
      .returning({ h: apiKeys.keyHash });
    // Edges may serve the key from their cache for CONFIG_PROPAGATION_MS: answer once it is dead everywhere.
    if (revoked.length > 0) await waitPropagation(c.env);
    return c.json({ revoked: revoked.length }, 200);
  },
);
