import type { Context, MiddlewareHandler } from "hono";
import { configPropagationMs, resolveKey } from "../../stores/config/app-directory";
import { keyPrefix, kindOfKey, SERVER_KEY_PREFIX } from "../../stores/config/keys";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { accessConfigured, accessPrincipal, enforce, verifyAccessJwt } from "./roles";
import type { Principal } from "../../stores/config/app-directory";

/** Write key from `Authorization: Basic base64(writeKey:)` (Segment's scheme), if present. */
export function basicAuthKey(header: string | undefined): string | undefined {
  if (!header?.startsWith("Basic ")) return undefined;
  try {
    const decoded = atob(header.slice(6).trim());
    const user = decoded.split(":")[0];
    return user || undefined;
  } catch {
    return undefined;
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header?.startsWith("Bearer ")) return undefined;
  return header.slice(7).trim() || undefined;
}

const unauthorized = (message: string) => new DomainError(401, "unauthorized", message);

/**
 * Authenticates an SDK request by write key (Basic auth header or `writeKey` in the body). A server
 * key (`bk_s_…`, secret, for backends) is accepted in the Basic auth header only, where a write key is.
 */
export async function authenticateWriteKey(c: Context<HonoEnv>, bodyKey: unknown): Promise<void> {
  const basic = basicAuthKey(c.req.header("authorization"));
  const key = basic ?? (typeof bodyKey === "string" ? bodyKey : undefined) ?? c.req.query("writeKey");
  if (!key) throw unauthorized("missing write key (Basic auth username or writeKey in the body)");
  if (kindOfKey(key) === "admin")
    throw unauthorized(
      "this is an admin key: SDK routes take a write key (or a server key from a backend); never ship an admin key in an app",
    );
  const server = key.startsWith(SERVER_KEY_PREFIX);
  if (server && basic === undefined)
    throw unauthorized(
      "a server key is accepted only in the Authorization header (Basic auth), never in a body or URL",
    );
  const app = await resolveKey(
    c.env.DB,
    server ? "server" : "write",
    key,
    (p) => c.executionCtx.waitUntil(p),
    Date.now,
    configPropagationMs(c.env),
  );
  if (!app) throw unauthorized(server ? "invalid server key" : "invalid write key");
  c.set("app", app);
  c.set("serverKey", server);
}

/**
 * Admin routes: `Authorization: Bearer <admin key>`, then the key's role (src/http/middleware/roles.ts): a
 * request its role does not allow is `403` naming the missing role. Where the deployment sets
 * ACCESS_TEAM_DOMAIN and ACCESS_AUD and Cloudflare Access added a `Cf-Access-Jwt-Assertion`, the
 * token is verified and the signed-in email's role applies (never above the key's).
 */
export const adminAuth: MiddlewareHandler<HonoEnv> = async (c, next) => {
  const key = bearerToken(c.req.header("authorization"));
  if (!key) throw unauthorized("missing admin key (Authorization: Bearer …)");
  const kind = kindOfKey(key);
  if (kind === "write" || kind === "server")
    throw unauthorized(`this is a ${kind} key: admin routes take an admin key (Authorization: Bearer bk_a_…)`);
  const app = await resolveKey(
    c.env.DB,
    "admin",
    key,
    (p) => c.executionCtx.waitUntil(p),
    Date.now,
    configPropagationMs(c.env),
  );
  if (!app) throw unauthorized("invalid admin key");
  const info = app.key ?? { prefix: keyPrefix(key), label: "", role: "owner" as const, approver: true };
  let principal: Principal = { ...info, id: `key:${info.prefix}` };
  const assertion = c.req.header("cf-access-jwt-assertion");
  if (assertion && accessConfigured(c.env))
    principal = accessPrincipal(c.env, app, info, await verifyAccessJwt(c.env, assertion));
  enforce(principal, c.req.method, new URL(c.req.url).pathname);
  c.set("principal", principal);
  c.set("app", app);
  await next();
};

/** Operator routes: `Authorization: Bearer <OPERATOR_TOKEN secret>`, compared in constant time. */
export const operatorAuth: MiddlewareHandler<HonoEnv> = async (c, next) => {
  const expected = c.env.OPERATOR_TOKEN;
  const given = bearerToken(c.req.header("authorization"));
  if (!expected)
    throw new DomainError(401, "unauthorized", "the operator API is disabled (set the OPERATOR_TOKEN secret)");
  if (!given || !timingSafeEqual(given, expected)) throw unauthorized("invalid operator token");
  await next();
};

export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}
