import type { Context } from "hono";
import {
  appVerifierKeys,
  DEV_IDENTITY_KEYS_SECRET,
  touchKey,
  verifyUserToken,
} from "../../stores/config/identity-keys";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { personCommand } from "../person";

/**
 * Identity verification at the edge (docs/api.md "Identity verification"). A write key is public,
 * so with `identityVerification: "required"` a call that names a `userId` must carry a user
 * token (a JWT the app's backend signed for that person) or it is refused with 401, nothing
 * stored; `warn` accepts it and notes it on the person's timeline. Anonymous ids need no token
 * (they are random and known only to the device), and server keys (`bk_s_…`, secret) are trusted.
 */
export const USER_TOKEN_HEADER = "x-beckon-user-token";

/** The request's user token: the header, else the body's `userToken`, else `?userToken=` (GETs and WebSockets). */
export function userTokenOf(c: Context<HonoEnv>, body?: unknown): string | undefined {
  const fromBody = body && typeof body === "object" ? (body as { userToken?: unknown }).userToken : undefined;
  return (
    c.req.header(USER_TOKEN_HEADER) ||
    (typeof fromBody === "string" && fromBody) ||
    c.req.query("userToken") ||
    undefined
  );
}

export const identityKeysSecret = (env: { IDENTITY_KEYS_SECRET?: string }) =>
  env.IDENTITY_KEYS_SECRET || DEV_IDENTITY_KEYS_SECRET;

/** Checks that the request may act for each identified person it names; throws 401 (`required`) or notes it (`warn`). */
export async function verifyIdentity(
  c: Context<HonoEnv>,
  userIds: Iterable<string | undefined>,
  body?: unknown,
): Promise<void> {
  const app = c.get("app");
  const mode = app.settings.identityVerification;
  if (mode === "off" || c.get("serverKey")) return;
  const people = [...new Set([...userIds].filter((u): u is string => !!u))];
  if (people.length === 0) return;
  const token = userTokenOf(c, body);
  const keys = token ? await appVerifierKeys(c.env.DB, app.appId, app.configVersion, identityKeysSecret(c.env)) : [];
  for (const userId of people) {
    const result = await verifyUserToken(keys, token, userId, c.get("now"));
    if (result.ok) {
      touchKey(c.env.DB, result.keyId, Date.now(), (p) => c.executionCtx.waitUntil(p));
      continue;
    }
    if (mode === "required")
      throw new DomainError(401, `user_token_${result.problem}`, result.message, [
        { field: "userToken", message: result.message },
      ]);
    await noteUnverified(c, userId, result.problem);
  }
}

/** `warn`: at most one timeline note per person every 10 minutes per isolate, so a chatty client does not flood it. */
const noted = new Map<string, number>();
const NOTE_EVERY_MS = 10 * 60_000;

async function noteUnverified(c: Context<HonoEnv>, userId: string, problem: string): Promise<void> {
  const app = c.get("app");
  const id = `${app.appId}/${userId}`;
  const wall = Date.now();
  if (wall - (noted.get(id) ?? -Infinity) < NOTE_EVERY_MS) return;
  const stored = await personCommand(c, { userId }, "identity", "unverified", {
    problem,
    path: new URL(c.req.url).pathname,
  });
  // A person not stored yet gets no note (nothing is created for it); the next call notes them.
  if (stored === null) return;
  noted.delete(id);
  noted.set(id, wall);
  if (noted.size > 10_000) noted.delete(noted.keys().next().value!);
}
