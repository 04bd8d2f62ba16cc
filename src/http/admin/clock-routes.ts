import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { and, eq, sql } from "drizzle-orm";
import { userStub } from "../../engine/user-stub";
import { database } from "../../stores/d1/client";
import { indexShards } from "../../stores/d1/index-shards";
import { users } from "../../stores/d1/schema";
import { mergeSorted } from "../../stores/d1/shard-merge";
import { DomainError } from "../../kernel/errors";
import { adminRouter, responses } from "../openapi/openapi";

/** Virtual time for tests and replays: advancing every indexed person's clock (one person's: user-routes.ts). */
export const clockRoutes = adminRouter();

export /** Virtual time is off unless the deployment opts in; say where, since the header alone is silently ignored. */
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
/** Virtual time (tests, replays; only with ALLOW_VIRTUAL_CLOCK): run every due timer of indexed users at the request's clock. */
clockRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
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
