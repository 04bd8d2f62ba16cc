import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { normalizeAddress } from "../../delivery/delivery-store";
import { ATTR } from "../../domain/segments/index-attrs";
import { indexShards } from "../../stores/d1/index-shards";
import { mergeSorted } from "../../stores/d1/shard-merge";
import { adminRouter, responses } from "../openapi/openapi";

/**
 * Finding people (the console's People screen): by user id prefix, or by an email address or
 * phone number Beckon has sent to (the address index is written by delivery). Without a query,
 * the most recently seen people.
 */
export const userSearchRoutes = adminRouter();

const MAX_LIMIT = 100;
const PersonSummary = z
  .object({
    userId: z.string(),
    anonymous: z.boolean(),
    lifecycle: z.string(),
    loyal: z.boolean(),
    firstSeen: z.string(),
    lastSeen: z.string(),
    purchases: z.number(),
    revenue: z.number(),
    rfmSegment: z.string().nullable(),
    churnBand: z.string().nullable(),
    matchedBy: z.enum(["recent", "userId", "email", "phone"]),
  })
  .openapi("PersonSummary");
const SearchResult = z.object({ people: z.array(PersonSummary) }).openapi("PersonSearchResult");

interface Row {
  user_id: string;
  lifecycle: string;
  loyal: number;
  first_seen: number;
  last_seen: number;
  purchases: number;
  revenue: number;
  attrs: string;
}
const COLUMNS = "u.user_id, u.lifecycle, u.loyal, u.first_seen, u.last_seen, u.purchases, u.revenue, u.attrs";

function summary(r: Row, matchedBy: z.infer<typeof PersonSummary>["matchedBy"]): z.infer<typeof PersonSummary> {
  let attrs: Record<string, unknown> = {};
  try {
    attrs = JSON.parse(r.attrs) as Record<string, unknown>;
  } catch {
    // an unreadable attrs column only hides the derived fields
  }
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    userId: r.user_id,
    anonymous: attrs.anonymous === true,
    lifecycle: r.lifecycle,
    loyal: r.loyal === 1,
    firstSeen: new Date(r.first_seen).toISOString(),
    lastSeen: new Date(r.last_seen).toISOString(),
    purchases: r.purchases,
    revenue: r.revenue,
    rfmSegment: str(attrs[ATTR.rfmSegment]),
    churnBand: str(attrs[ATTR.churnBand]),
    matchedBy,
  };
}

userSearchRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "searchUsers",
    tags: ["users"],
    summary:
      "Find people by user id prefix, email or phone (addresses Beckon has sent to); without `q`, the most recently seen",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        q: z
          .string()
          .trim()
          .max(256)
          .optional()
          .openapi({ description: "a user id prefix, an email address or an E.164 phone number", example: "ada" }),
        limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(25),
      }),
    },
    responses: responses(SearchResult, "Matching people, at most `limit`"),
  }),
  async (c) => {
    const { q, limit } = c.req.valid("query");
    const appId = c.get("app").appId;
    const shards = indexShards(c.env);
    const byUserId = (a: Row, b: Row) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0);
    if (!q) {
      const pages = await shards.across(
        async (db) =>
          (
            await db
              .prepare(
                `SELECT ${COLUMNS} FROM users u WHERE u.app_id = ?1 ORDER BY u.last_seen DESC, u.user_id LIMIT ?2`,
              )
              .bind(appId, limit)
              .all<Row>()
          ).results,
      );
      const rows = mergeSorted(pages, (a, b) => b.last_seen - a.last_seen || byUserId(a, b), limit);
      return c.json({ people: rows.map((r) => summary(r, "recent")) }, 200);
    }
    const channels = q.includes("@") ? ["email"] : /^\+[1-9]\d{6,14}$/.test(q) ? ["sms", "whatsapp"] : [];
    if (channels.length) {
      // The address index is written by delivery into DB; the people it names are in their index shards.
      const addresses = channels.map((ch) => normalizeAddress(ch, q));
      const owners = await c.env.DB.prepare(
        "SELECT DISTINCT user_id FROM channel_addresses WHERE app_id = ?1 AND channel IN (SELECT value FROM json_each(?2)) AND address IN (SELECT value FROM json_each(?3)) LIMIT ?4",
      )
        .bind(appId, JSON.stringify(channels), JSON.stringify(addresses), limit)
        .all<{ user_id: string }>();
      const ids = JSON.stringify(owners.results.map((r) => r.user_id));
      const found = await shards.across(
        async (db) =>
          (
            await db
              .prepare(
                `SELECT ${COLUMNS} FROM users u WHERE u.app_id = ?1 AND u.user_id IN (SELECT value FROM json_each(?2))`,
              )
              .bind(appId, ids)
              .all<Row>()
          ).results,
      );
      const rows = mergeSorted(found, byUserId, limit);
      return c.json({ people: rows.map((r) => summary(r, channels[0] === "email" ? "email" : "phone")) }, 200);
    }
    // A prefix range on the primary key (app_id, user_id): an index seek per shard, whatever the app's size.
    const pages = await shards.across(
      async (db) =>
        (
          await db
            .prepare(
              `SELECT ${COLUMNS} FROM users u WHERE u.app_id = ?1 AND u.user_id >= ?2 AND u.user_id < ?3 ORDER BY u.user_id LIMIT ?4`,
            )
            .bind(appId, q, `${q}\u{10ffff}`, limit)
            .all<Row>()
        ).results,
    );
    const rows = mergeSorted(pages, byUserId, limit);
    return c.json({ people: rows.map((r) => summary(r, "userId")) }, 200);
  },
);
