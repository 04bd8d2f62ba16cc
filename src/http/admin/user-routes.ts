import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { userStub } from "../../engine/user-stub";
import { UserExport } from "../openapi/admin-views";
import { and, eq } from "drizzle-orm";
import { database } from "../../stores/d1/client";
import { eraseFromIndex } from "../../stores/erasure";
import { users } from "../../stores/d1/schema";
import { indexShards } from "../../stores/d1/index-shards";
import { notFound } from "../../kernel/errors";
import { AnonymousQuery, adminRouter, responses, UserIdParam } from "../openapi/openapi";
import { decodeCursor } from "../../engine/timeline";
import { userObjectName } from "../../kernel/ids";
import { UserProfileView } from "../openapi/views";
import { virtualClockRequired } from "./clock-routes";

/** Admin API over one person: profile, timeline, GDPR export and erasure, virtual time. */
export const userRoutes = adminRouter();

const Json = z.record(z.string(), z.unknown());

const stubOf = (appId: string, userId: string, anonymous?: string) =>
  userObjectName(appId, anonymous === "true" ? { anonymousId: userId } : { userId });

userRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{userId}",
    tags: ["users"],
    summary: "Profile, devices, consent, counters, lifecycle and scores",
    security: [{ admin: [] }],
    request: { params: UserIdParam, query: AnonymousQuery },
    responses: responses(UserProfileView, "The user"),
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const target = stubOf(c.get("app").appId, userId, c.req.valid("query").anonymous);
    const view = await userStub(c.env.USER, target.name).getProfile();
    if (!view) throw notFound("user", userId);
    return c.json(view as never, 200);
  },
);

userRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{userId}/timeline",
    tags: ["users"],
    summary: "Events, lifecycle transitions and every send/suppress decision with its reason, newest first",
    security: [{ admin: [] }],
    request: {
      params: UserIdParam,
      query: AnonymousQuery.extend({
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        before: z
          .string()
          .transform(
            (t, ctx) =>
              decodeCursor(t) ??
              (ctx.addIssue({ code: "custom", message: "expected the `next` cursor of a previous page" }), z.NEVER),
          )
          .optional()
          .openapi({ description: "the previous page's `next` cursor", example: "1767225600000.d.42" }),
      }),
    },
    responses: responses(
      z.object({
        entries: z.array(z.object({ seq: z.number(), at: z.number(), kind: z.string(), detail: Json })),
        next: z
          .string()
          .nullable()
          .openapi({ description: "cursor of the next (older) page; null at the first event" }),
      }),
      "Timeline entries",
    ),
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const q = c.req.valid("query");
    const target = stubOf(c.get("app").appId, userId, q.anonymous);
    const result = await userStub(c.env.USER, target.name).getTimeline({
      limit: q.limit,
      ...(q.before ? { before: q.before } : {}),
    });
    if (!result) throw notFound("user", userId);
    return c.json(result as never, 200);
  },
);

userRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{userId}/export",
    tags: ["users"],
    summary: "GDPR export of everything stored about the user",
    security: [{ admin: [] }],
    request: { params: UserIdParam, query: AnonymousQuery },
    responses: responses(UserExport, "All stored data"),
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const app = c.get("app");
    const target = stubOf(app.appId, userId, c.req.valid("query").anonymous);
    const data = await userStub(c.env.USER, target.name).exportData();
    if (!data) throw notFound("user", userId);
    // The person's row is in exactly one index shard; asking each is cheaper than asking the object which.
    const found = await indexShards(c.env).across((db) =>
      database(db)
        .select()
        .from(users)
        .where(and(eq(users.appId, app.appId), eq(users.userId, target.userId))),
    );
    const indexRow = found.flat()[0];
    c.header("Content-Disposition", `attachment; filename="beckon-${app.appId}-${encodeURIComponent(userId)}.json"`);
    // `as never` like the profile: DeviceRecord's optional subscription is always null or set once stored.
    return c.json(
      { exportedAt: new Date().toISOString(), appId: app.appId, userId, ...data, index: indexRow ?? null } as never,
      200,
    );
  },
);

userRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{userId}",
    tags: ["users"],
    summary: "GDPR erasure: deletes the user's object storage and index row",
    security: [{ admin: [] }],
    request: { params: UserIdParam, query: AnonymousQuery },
    responses: responses(z.object({ deleted: z.boolean() }), "Erased"),
  }),
  async (c) => {
    const { userId } = c.req.valid("param");
    const app = c.get("app");
    const target = stubOf(app.appId, userId, c.req.valid("query").anonymous);
    const now = c.get("now");
    const erased = await userStub(c.env.USER, target.name).erase(now);
    let deleted = (await eraseFromIndex(c.env, app.appId, target.userId, erased.version, Date.now())) || erased.existed;
    // The anonymous visitors this person absorbed keep only a forwarding pointer naming them: erased too.
    for (const anonymousId of erased.anonymousIds) {
      const visitor = await userStub(c.env.USER, userObjectName(app.appId, { anonymousId }).name).erase(now);
      deleted =
        (await eraseFromIndex(c.env, app.appId, anonymousId, Math.max(visitor.version, erased.version), Date.now())) ||
        deleted;
    }
    return c.json({ deleted }, 200);
  },
);

userRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{userId}/tick",
    tags: ["testing"],
    summary: "Advance virtual time for one user (ALLOW_VIRTUAL_CLOCK only)",
    security: [{ admin: [] }],
    request: { params: UserIdParam, query: AnonymousQuery },
    responses: responses(z.object({ fired: z.number() }), "Timers fired"),
  }),
  async (c) => {
    if (!c.get("virtualClock")) throw virtualClockRequired(c.env);
    const { userId } = c.req.valid("param");
    const target = stubOf(c.get("app").appId, userId, c.req.valid("query").anonymous);
    return c.json(await userStub(c.env.USER, target.name).tick(c.get("now")), 200);
  },
);
