import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { ContentCardContent, InAppContent } from "../../domain/inapp/model";
import { feedViewEmpty } from "../../domain/inapp/public-config";
import { notFound } from "../../kernel/errors";
import { AnonymousQuery, adminRouter, jsonBody, responses, UserIdParam } from "../openapi/openapi";
import { CardFeed, PendingView } from "../openapi/views";
import { adminPerson, personCommand, personOf } from "../person";

/** One person's in-app messages and cards for the admin API: test sends, and what their app would get now. */
export const userInAppRoutes = adminRouter();

const TestSend = <T extends z.ZodType>(content: T) =>
  z
    .object({
      content,
      /** Idempotency key; a repeat with the same key stores nothing. Default: a fresh key. */
      key: z.string().min(1).max(512).optional(),
      campaignId: z.string().min(1).max(128).default("manual"),
      variant: z.string().min(1).max(64).default("default"),
    })
    .strict();
const Stored = z.object({ key: z.string(), stored: z.boolean() });

userInAppRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{userId}/in-app",
    tags: ["in-app"],
    summary: "Send an in-app message to one user now (test send); pushed live if their app is connected",
    security: [{ admin: [] }],
    request: { params: UserIdParam, query: AnonymousQuery, ...jsonBody(TestSend(InAppContent)) },
    responses: responses(Stored, "Whether it was stored (false: the key was used before)"),
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const body = c.req.valid("json");
    const key = body.key ?? `manual:${crypto.randomUUID()}`;
    const { stub, call } = personOf(c, adminPerson(userId, c.req.valid("query").anonymous));
    const result = await stub.command({
      ...call,
      feature: "inapp",
      name: "deliver",
      args: { key, campaignId: body.campaignId, variant: body.variant, content: body.content },
      createIfMissing: true,
    });
    return c.json({ key, stored: result.stored }, 200);
  },
);

userInAppRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{userId}/cards",
    tags: ["in-app"],
    summary: "Add a content card to one user's feed (test send)",
    security: [{ admin: [] }],
    request: { params: UserIdParam, query: AnonymousQuery, ...jsonBody(TestSend(ContentCardContent)) },
    responses: responses(Stored, "Whether it was stored (false: the key was used before)"),
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const body = c.req.valid("json");
    const key = body.key ?? `manual:${crypto.randomUUID()}`;
    const { stub, call } = personOf(c, adminPerson(userId, c.req.valid("query").anonymous));
    const result = await stub.command({
      ...call,
      feature: "inapp",
      name: "addCard",
      args: { key, campaignId: body.campaignId, variant: body.variant, content: body.content },
      createIfMissing: true,
    });
    return c.json({ key, stored: result.stored }, 200);
  },
);

userInAppRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{userId}/in-app",
    tags: ["in-app"],
    summary: "What the user's app would get now: pending in-app messages and the card feed",
    security: [{ admin: [] }],
    request: { params: UserIdParam, query: AnonymousQuery },
    responses: responses(z.object({ inApp: PendingView, cards: CardFeed }), "Pending messages and cards"),
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const who = adminPerson(userId, c.req.valid("query").anonymous);
    const inApp = await personCommand(c, who, "inapp", "pending", {});
    if (inApp === null) throw notFound("user", userId);
    const cards = (await personCommand(c, who, "inapp", "cards", {})) ?? feedViewEmpty();
    return c.json({ inApp, cards }, 200);
  },
);
