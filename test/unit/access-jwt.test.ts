import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminKeyInfo, AppContext } from "../../src/stores/config/app-directory";
import type { Env } from "../../src/env";
import { DomainError } from "../../src/kernel/errors";
import { accessPrincipal, verifyAccessJwt } from "../../src/http/middleware/roles";

/**
 * Cloudflare Access verification (docs/console.md "Cloudflare Access") against a loopback
 * certificate endpoint serving a freshly generated RS256 key, as the team's certs would.
 */
const AUD = "aud-console-test";
let server: Server;
let env: Env;
let sign: (claims: Record<string, unknown>, opts?: { aud?: string; exp?: string | number }) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;
  const team = "https://beckon-test.cloudflareaccess.com";
  env = {
    ACCESS_TEAM_DOMAIN: "beckon-test",
    ACCESS_AUD: AUD,
    ACCESS_CERTS_URL: `http://127.0.0.1:${port}/cdn-cgi/access/certs`,
  } as unknown as Env;
  sign = (claims, opts = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(team)
      .setAudience(opts.aud ?? AUD)
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? "5m")
      .sign(privateKey);
});

afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

const app = {
  settings: { access: { roles: { "ada@example.com": "editor", "*@example.com": "viewer" }, approvers: [] } },
} as unknown as AppContext;
const key = { prefix: "bk_a_1", label: "console", role: "owner", approver: false } as unknown as AdminKeyInfo;

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

describe("Cloudflare Access JWT", () => {
  it("a valid token for a mapped email gives that email's role", async () => {
    const email = await verifyAccessJwt(env, await sign({ email: "Ada@Example.com" }));
    expect(email).toBe("ada@example.com");
    const p = accessPrincipal(env, app, key, email);
    expect(p).toMatchObject({ role: "editor", approver: false, id: "access:ada@example.com" });
    // A domain entry covers the rest of the domain.
    expect(accessPrincipal(env, app, key, "bob@example.com").role).toBe("viewer");
  });

  it("a token for another application (wrong audience) is a 401 naming the claim", async () => {
    const err = await refusal(verifyAccessJwt(env, await sign({ email: "ada@example.com" }, { aud: "other-app" })));
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/Cf-Access-Jwt-Assertion: not a valid Access token.*aud/);
  });

  it("an expired token is a 401", async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    const err = await refusal(verifyAccessJwt(env, await sign({ email: "ada@example.com" }, { exp: past })));
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/exp/);
  });

  it("an email with no role is a 403 saying so", async () => {
    const email = await verifyAccessJwt(env, await sign({ email: "eve@elsewhere.org" }));
    let caught: unknown;
    try {
      accessPrincipal(env, app, key, email);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).status).toBe(403);
    expect((caught as DomainError).message).toBe(
      "eve@elsewhere.org has no role in this app (settings.access.roles or ACCESS_ROLES)",
    );
  });
});
