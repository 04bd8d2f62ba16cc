import * as z from "zod";
import { type Context, Hono } from "hono";
import { CARD_ACTIONS, InAppEngagement } from "../../domain/inapp/model";
import { feedViewEmpty, inAppSettingsOf, pendingViewEmpty, publicWebPushKey } from "../../domain/inapp/public-config";
import { userStub } from "../../engine/user-stub";
import { authenticateWriteKey } from "../middleware/auth";
import { parseJson, readBody } from "../middleware/body";
import { invalid } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { userObjectName } from "../../kernel/ids";
import { verifyIdentity } from "../middleware/user-token";
import { personCommand } from "../person";

/**
 * In-app messages and content cards for the SDK (write key): pending messages on
 * app open, the live WebSocket, engagement, the card feed. The admin API's test sends
 * and support view are admin/user-inapp-routes.ts.
 */
export const inAppRoutes = new Hono<HonoEnv>();

const Person = z
  .object({
    writeKey: z.string().optional(),
    /** Identity verification: the person's user token (or the X-Beckon-User-Token header). */
    userToken: z.string().optional(),
    userId: z.string().min(1).max(256).optional(),
    anonymousId: z.string().min(1).max(256).optional(),
  })
  .refine((p) => p.userId || p.anonymousId, { message: "userId or anonymousId is required", path: ["userId"] });
type Person = z.infer<typeof Person>;

function person(input: unknown): Person {
  const parsed = Person.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

/** The SDK routes' person, once identity verification lets the request act for them. */
async function verifiedPerson(c: Context<HonoEnv>, input: Record<string, unknown>): Promise<Person> {
  const who = person(input);
  await verifyIdentity(c, [who.userId], input);
  return who;
}

async function jsonBodyOf(c: Context<HonoEnv>): Promise<Record<string, unknown>> {
  const { text } = await readBody(c.req.raw, 64 * 1024, "request");
  const body = text.trim() === "" ? {} : parseJson(text);
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new DomainError(400, "invalid_input", "body must be a JSON object", [
      { field: "(body)", message: "expected an object" },
    ]);
  return body as Record<string, unknown>;
}

// ───────────────────────── SDK ─────────────────────────

/** `GET /v1/config`: what a client needs before it can register for Web Push. */
inAppRoutes.get("/config", async (c) => {
  await authenticateWriteKey(c, undefined);
  const app = c.get("app");
  const vapid = publicWebPushKey(c.env);
  return c.json({
    appId: app.appId,
    webPush: vapid ? { vapidPublicKey: vapid } : null,
    inApp: { minIntervalSeconds: inAppSettingsOf(app.settings).minIntervalSeconds },
  });
});

/** `GET /v1/in-app`: pending messages in display order, client-side trigger rules, pacing. */
inAppRoutes.get("/in-app", async (c) => {
  await authenticateWriteKey(c, undefined);
  const who = await verifiedPerson(c, c.req.query());
  const view = await personCommand(c, who, "inapp", "pending", {});
  return c.json(view ?? pendingViewEmpty(c.get("now"), c.get("app").settings));
});

/** `POST /v1/in-app/events`: impressions, clicks, dismissals and survey answers; each counts once. */
inAppRoutes.post("/in-app/events", async (c) => {
  const body = await jsonBodyOf(c);
  await authenticateWriteKey(c, body.writeKey);
  const parsed = Person.and(z.object({ events: z.array(InAppEngagement).min(1).max(50) })).safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  await verifyIdentity(c, [parsed.data.userId], body);
  const result = await personCommand(c, parsed.data, "inapp", "engage", { events: parsed.data.events });
  if (!result)
    throw new DomainError(404, "not_found", "no such user (no in-app message was delivered to them)", [
      { field: parsed.data.userId ? "userId" : "anonymousId", message: "unknown user" },
    ]);
  const problems = result.results.flatMap((r) => r.problems ?? []);
  if (problems.length > 0) {
    const rejected = result.results.filter((r) => r.problems).length;
    return c.json(
      {
        success: false,
        results: result.results,
        error: {
          code: "invalid_input",
          message: `${rejected} of ${result.results.length} engagement events rejected; the others were recorded. First: ${problems[0]!.field}: ${problems[0]!.message}`,
          problems,
        },
      },
      400,
    );
  }
  return c.json({ success: true, results: result.results });
});

/**
 * `GET /v1/connect`: upgrades to a WebSocket held by the person's object (Hibernation API:
 * no cost while idle). Browsers cannot set headers on a WebSocket, so the write key comes as `?writeKey=`.
 */
inAppRoutes.get("/connect", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket")
    throw new DomainError(426, "upgrade_required", "GET /v1/connect expects a WebSocket upgrade");
  await authenticateWriteKey(c, undefined);
  // Browsers cannot set headers on a WebSocket either: the user token comes as `?userToken=`, checked at the upgrade.
  const who = await verifiedPerson(c, c.req.query());
  const app = c.get("app");
  const target = userObjectName(app.appId, who);
  const forwarded = new Request(c.req.raw);
  forwarded.headers.set("x-beckon-app", app.appId);
  forwarded.headers.set("x-beckon-config-version", String(app.configVersion));
  return userStub(c.env.USER, target.name).fetch(forwarded);
});

/** `GET /v1/cards`: the person's card feed, pinned first then newest; the same on every device. */
inAppRoutes.get("/cards", async (c) => {
  await authenticateWriteKey(c, undefined);
  const who = await verifiedPerson(c, c.req.query());
  return c.json((await personCommand(c, who, "inapp", "cards", {})) ?? feedViewEmpty());
});

const CardAction = z.enum(CARD_ACTIONS);

/** `POST /v1/cards/:id/:action` with action view | read | click | dismiss | pin | unpin. */
inAppRoutes.post("/cards/:id/:action", async (c) => {
  const body = await jsonBodyOf(c);
  await authenticateWriteKey(c, body.writeKey);
  const action = CardAction.safeParse(c.req.param("action"));
  if (!action.success) throw invalid(action.error, "action");
  const who = await verifiedPerson(c, { ...c.req.query(), ...body });
  const id = c.req.param("id");
  const result = await personCommand(c, who, "inapp", "card", { id, action: action.data });
  if (!result || result.outcome === "unknown_card")
    throw new DomainError(404, "not_found", `no card ${id} for this user`, [
      { field: "id", message: "unknown or expired card" },
    ]);
  return c.json({ success: true, ...result });
});
