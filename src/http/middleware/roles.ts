import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { AdminKeyInfo, AdminRole, AppContext, Principal } from "../../stores/config/app-directory";
import type { Env } from "../../env";
import { DomainError } from "../../kernel/errors";

/**
 * Roles of admin keys (docs/console.md "Roles and approvals"): what each request needs, and who is asking.
 *
 * - `viewer`: every read (GET), message previews, audience estimates and segment previews.
 * - `editor`: also changes to campaigns, segments, geofences and beacons, and test sends.
 * - `owner`: everything (app settings, identity keys, erasure, dead-letter replay, virtual time).
 * - the approver right (owners have it): approve or reject other people's requests.
 */
export const ROLE_RANK: Record<AdminRole, number> = { viewer: 0, editor: 1, owner: 2 };

export type Requirement = { role: AdminRole } | { right: "approver" };

/** Read-only POSTs: they compute, never store. */
const READ_ONLY_POSTS = [
  /^\/admin\/messages\/preview$/,
  /^\/admin\/campaigns\/estimate$/,
  /^\/admin\/segments\/preview$/,
];
/** Editor's domain: campaigns, segments, locations, test sends. */
const EDITOR_PATHS = [
  /^\/admin\/campaigns(\/|$)/,
  /^\/admin\/segments(\/|$)/,
  /^\/admin\/geofences(\/|$)/,
  /^\/admin\/beacons(\/|$)/,
  /^\/admin\/messages\/test-send$/,
  /^\/admin\/users\/[^/]+\/(in-app|cards)$/,
];

export function requirementOf(method: string, path: string): Requirement {
  const m = method.toUpperCase();
  if (m === "POST" && /^\/admin\/approvals\/[^/]+\/(approve|reject)$/.test(path)) return { right: "approver" };
  // A GDPR export is every stored fact about a person in one file: an owner's call, not a viewer's.
  if (/^\/admin\/users\/[^/]+\/export$/.test(path)) return { role: "owner" };
  if (m === "GET" || m === "HEAD" || m === "OPTIONS") return { role: "viewer" };
  if (m === "POST" && READ_ONLY_POSTS.some((r) => r.test(path))) return { role: "viewer" };
  if (EDITOR_PATHS.some((r) => r.test(path))) return { role: "editor" };
  return { role: "owner" };
}

/** Who is asking: the admin key, and the Access identity when one was verified. */

export function allows(p: Pick<Principal, "role" | "approver">, need: Requirement): boolean {
  return "right" in need ? p.approver : ROLE_RANK[p.role] >= ROLE_RANK[need.role];
}

export function enforce(p: Principal, method: string, path: string): void {
  const need = requirementOf(method, path);
  if (allows(p, need)) return;
  const missing = "right" in need ? "approver" : need.role;
  const have = `${p.role}${p.approver ? " with the approver right" : ""}`;
  throw new DomainError(
    403,
    "forbidden",
    `${method.toUpperCase()} ${path} needs the ${missing} ${"right" in need ? "right" : "role"}; this ${p.email ? `person (${p.email})` : "key"} is ${have}`,
    [{ field: "role", message: `requires ${missing}` }],
  );
}

/** What the key may do, for the console (`GET /admin/me`). */
export function capabilities(p: Pick<Principal, "role" | "approver">) {
  const can = (method: string, path: string) => allows(p, requirementOf(method, path));
  return {
    read: true,
    editCampaigns: can("POST", "/admin/campaigns"),
    editSegments: can("POST", "/admin/segments"),
    editLocations: can("POST", "/admin/geofences"),
    testSend: can("POST", "/admin/messages/test-send"),
    editSettings: can("PATCH", "/admin/app/settings"),
    manageIdentityKeys: can("POST", "/admin/app/identity-keys"),
    eraseUsers: can("DELETE", "/admin/users/x"),
    exportUsers: can("GET", "/admin/users/x/export"),
    replayDeadLetters: can("POST", "/admin/dead-letters/x/replay"),
    approve: p.approver,
  };
}

// ───────────────────────── Cloudflare Access ─────────────────────────

/** `myteam`, `myteam.cloudflareaccess.com` or `https://myteam.cloudflareaccess.com` → the issuer URL. */
export function accessIssuer(teamDomain: string): string {
  const t = teamDomain.trim().replace(/\/+$/, "");
  if (/^https?:\/\//.test(t)) return t;
  return `https://${t.includes(".") ? t : `${t}.cloudflareaccess.com`}`;
}

const jwksCache = new Map<string, JWTVerifyGetKey>();
function jwks(url: string): JWTVerifyGetKey {
  let set = jwksCache.get(url);
  if (!set)
    jwksCache.set(
      url,
      (set = createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })),
    );
  return set;
}

/** Access is on when the deployment names its team and the application's audience tag. */
export function accessConfigured(env: Env): boolean {
  return Boolean(env.ACCESS_TEAM_DOMAIN && env.ACCESS_AUD);
}

/** Verifies a `Cf-Access-Jwt-Assertion` (RS256 against the team's certs, issuer, audience, expiry); returns the email. */
export async function verifyAccessJwt(env: Env, token: string): Promise<string> {
  const issuer = accessIssuer(env.ACCESS_TEAM_DOMAIN!);
  const certs = env.ACCESS_CERTS_URL || `${issuer}/cdn-cgi/access/certs`;
  try {
    const { payload } = await jwtVerify(token, jwks(certs), {
      issuer,
      audience: env.ACCESS_AUD!,
      algorithms: ["RS256", "ES256"],
    });
    const email = typeof payload.email === "string" ? payload.email.toLowerCase() : "";
    if (!email) throw new Error("the token carries no email");
    return email;
  } catch (err) {
    throw new DomainError(
      401,
      "unauthorized",
      `Cf-Access-Jwt-Assertion: not a valid Access token for this application (${(err as Error).message})`,
    );
  }
}

type AccessRules = { roles: Record<string, AdminRole>; approvers: string[] };

/** `ACCESS_ROLES` (a deployment-wide JSON `{roles, approvers}`), under the app's own `access` setting. */
function rulesOf(env: Env, app: AppContext): AccessRules {
  let fromEnv: Partial<AccessRules> = {};
  try {
    if (env.ACCESS_ROLES) fromEnv = JSON.parse(env.ACCESS_ROLES) as Partial<AccessRules>;
  } catch {
    console.warn("ACCESS_ROLES is not JSON; ignored");
  }
  return {
    roles: { ...(fromEnv.roles ?? {}), ...app.settings.access.roles },
    approvers: [...(fromEnv.approvers ?? []), ...app.settings.access.approvers],
  };
}

const matches = (pattern: string, email: string) => {
  const p = pattern.toLowerCase();
  return p.startsWith("*@") ? email.endsWith(p.slice(1)) : p === email;
};

/**
 * The principal of a request signed in through Access: the email's role (an exact entry wins over a
 * `*@domain` one), never more than the admin key's own role; the approver right is the person's.
 */
export function accessPrincipal(env: Env, app: AppContext, key: AdminKeyInfo, email: string): Principal {
  const rules = rulesOf(env, app);
  const entries = Object.entries(rules.roles);
  const role = (entries.find(([p]) => !p.startsWith("*@") && matches(p, email)) ??
    entries.find(([p]) => matches(p, email)))?.[1];
  if (!role)
    throw new DomainError(
      403,
      "forbidden",
      `${email} has no role in this app (settings.access.roles or ACCESS_ROLES)`,
      [{ field: "role", message: "no role for this email" }],
    );
  const capped = ROLE_RANK[role] <= ROLE_RANK[key.role] ? role : key.role;
  const approver = role === "owner" || rules.approvers.some((p) => matches(p, email));
  return { ...key, role: capped, approver, id: `access:${email}`, email };
}
