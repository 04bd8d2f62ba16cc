import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { userStub } from "../../engine/user-stub";
import { UserExport } from "../openapi/admin-views";
import { and, eq, sql } from "drizzle-orm";
import { database } from "../../stores/d1/client";
import { eraseFromIndex } from "../../stores/erasure";
import { users } from "../../stores/d1/schema";
import { indexShards } from "../../stores/d1/index-shards";
import { mergeGroups, mergeSorted } from "../../stores/d1/shard-merge";
import { LIFECYCLE_STATES } from "../../domain/lifecycle/lifecycle";
import { adminAuth } from "../middleware/auth";
import { DomainError } from "../../kernel/errors";
import { AnonymousQuery, adminRouter, responses, UserIdParam } from "../openapi/openapi";
import { decodeCursor } from "../../engine/timeline";
import { userObjectName } from "../../kernel/ids";
import { UserProfileView } from "../openapi/views";

/** Admin API over one person: profile, timeline, GDPR export and erasure; lifecycle counts. */
export const adminUserRoutes = adminRouter();
adminUserRoutes.use("/admin/users/*", adminAuth);
adminUserRoutes.use("/admin/segments/lifecycle", adminAuth);
adminUserRoutes.use("/admin/tick", adminAuth);

const Json = z.record(z.string(), z.unknown());

/** Virtual time is off unless the deployment opts in; say where, since the header alone is silently ignored. */
const virtualClockRequired = (env: { ALLOW_VIRTUAL_CLOCK?: string }) =>
  env.ALLOW_VIRTUAL_CLOCK === "true"
    ? new DomainError(
        400,
        "invalid_input",
        "X-Beckon-Clock is required: the virtual time to advance to (ISO date or epoch ms)",
        [{ field: "X-Beckon-Clock", message: "required" }],
      )
    : new DomainError(
        400,
        "virtual_clock_disabled",
        "virtual time is disabled: set ALLOW_VIRTUAL_CLOCK=true in .dev.vars (npm start) or as a --var of wrangler dev, never in production, and send X-Beckon-Clock",
        [{ field: "X-Beckon-Clock", message: "ALLOW_VIRTUAL_CLOCK is not enabled" }],
      );
const stubOf = (appId: string, userId: string, anonymous?: string) =>
  userObjectName(appId, anonymous === "true" ? { anonymousId: userId } : { userId });

adminUserRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/users/{userId}",
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
    if (!view) throw new DomainError(404, "not_found", `no user ${userId}`);
    return c.json(view as never, 200);
  },
);

adminUserRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/users/{userId}/timeline",
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
    if (!result) throw new DomainError(404, "not_found", `no user ${userId}`);
    return c.json(result as never, 200);
  },
);

adminUserRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/users/{userId}/export",
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
    if (!data) throw new DomainError(404, "not_found", `no user ${userId}`);
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

adminUserRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/admin/users/{userId}",
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

adminUserRoutes.openapi(
  createRoute({
    method: "get",
    path: "/admin/segments/lifecycle",
    tags: ["segments"],
    summary: "Users per lifecycle state, and loyal users, from the users index",
    security: [{ admin: [] }],
    responses: responses(
      z.object({ total: z.number(), states: z.record(z.string(), z.number()), loyal: z.number() }),
      "Counts",
    ),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const parts = await indexShards(c.env).across((db) =>
      database(db)
        .select({ lifecycle: users.lifecycle, n: sql<number>`count(*)`, loyal: sql<number>`sum(${users.loyal})` })
        .from(users)
        .where(eq(users.appId, appId))
        .groupBy(users.lifecycle),
    );
    const rows = mergeGroups(parts, { keys: ["lifecycle"], sums: ["n", "loyal"] });
    const states: Record<string, number> = Object.fromEntries(LIFECYCLE_STATES.map((s) => [s, 0]));
    let total = 0;
    let loyal = 0;
    for (const r of rows) {
      states[r.lifecycle] = r.n;
      total += r.n;
      loyal += r.loyal ?? 0;
    }
    return c.json({ total, states, loyal }, 200);
  },
);

/** Virtual time (tests, replays; only with ALLOW_VIRTUAL_CLOCK): run every due timer of indexed users at the request's clock. */
adminUserRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/tick",
    tags: ["testing"],
    summary: "Advance virtual time for a page of indexed users (ALLOW_VIRTUAL_CLOCK only)",
    security: [{ admin: [] }],
    request: {
      query: z.object({ after: z.string().optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) }),
    },
    responses: responses(
      z.object({ users: z.number(), fired: z.number(), next: z.string().nullable() }),
      "Timers fired",
    ),
  }),
  async (c) => {
    if (!c.get("virtualClock")) throw virtualClockRequired(c.env);
    const q = c.req.valid("query");
    const app = c.get("app");
    // One cursor over every shard: each answers its next page in user-id order, the merge keeps the first `limit`.
    const pages = await indexShards(c.env).across((db) =>
      database(db)
        .select({ userId: users.userId, attrs: users.attrs })
        .from(users)
        .where(and(eq(users.appId, app.appId), sql`${users.userId} > ${q.after ?? ""}`))
        .orderBy(users.userId)
        .limit(q.limit),
    );
    const rows = mergeSorted(pages, (a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0), q.limit);
    const now = c.get("now");
    const fired = await Promise.all(
      rows.map((r) =>
        userStub(c.env.USER, `${app.appId}/${JSON.parse(r.attrs).anonymous ? "a" : "u"}/${r.userId}`).tick(now),
      ),
    );
    return c.json(
      {
        users: rows.length,
        fired: fired.reduce((n, f) => n + f.fired, 0),
        next: rows.length === q.limit ? rows[rows.length - 1]!.userId : null,
      },
      200,
    );
  },
);

adminUserRoutes.openapi(
  createRoute({
    method: "post",
    path: "/admin/users/{userId}/tick",
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
