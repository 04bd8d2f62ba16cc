import { generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { describe, expect, inject, it } from "vitest";
import { call, createTestApp, type TestApp } from "./helpers/api";
import { clearKeyCache } from "../src/stores/config/app-directory";

/**
 * Cloudflare Access through the real admin route in workerd (docs/console.md "Cloudflare Access"):
 * the Worker is configured as a deployment would be (ACCESS_TEAM_DOMAIN, ACCESS_AUD, and
 * ACCESS_CERTS_URL at a loopback certificate endpoint, test/fakes/global-setup.ts); tokens are
 * signed with that endpoint's private key, and the signed-in email's role is what the API enforces.
 */
const ISSUER = "https://beckon-test.cloudflareaccess.com";
const AUD = "aud-workerd-test";

async function signer() {
  return importJWK(JSON.parse(inject("accessSigningJwk")) as JWK, "RS256");
}

async function token(
  email: string,
  opts: { key?: CryptoKey | Uint8Array; aud?: string; exp?: string | number } = {},
): Promise<string> {
  return new SignJWT({ email })
    .setProtectedHeader({ alg: "RS256", kid: "access-test-1" })
    .setIssuer(ISSUER)
    .setAudience(opts.aud ?? AUD)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? "5m")
    .sign(opts.key ?? (await signer()));
}

const asPerson = (app: TestApp, jwt: string, path: string, init: RequestInit & { json?: unknown } = {}) =>
  call(path, {
    ...init,
    headers: { authorization: `Bearer ${app.adminKey}`, "cf-access-jwt-assertion": jwt },
  });

const draft = {
  name: "Access draft",
  trigger: { type: "event", event: "Signed Up" },
  steps: [{ type: "message", id: "hi", channels: ["in_app"], content: { in_app: { type: "modal", title: "Hi" } } }],
};

async function appWithAccess(): Promise<TestApp> {
  const app = await createTestApp({
    access: {
      roles: { "ed@example.com": "editor", "*@example.com": "viewer" },
      approvers: [],
    },
  });
  clearKeyCache();
  return app;
}

describe("Cloudflare Access on the admin routes", () => {
  it("enforces the signed-in email's role: a viewer's write is a 403 naming the role, an editor's goes through", async () => {
    const app = await appWithAccess();
    // A viewer (the *@example.com entry) may read, not write, although the admin key is an owner's.
    const viewer = await token("Vera@Example.com");
    const me = await asPerson(app, viewer, "/admin/me");
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ role: "viewer" });
    expect((await asPerson(app, viewer, "/admin/campaigns")).status).toBe(200);
    const refused = await asPerson(app, viewer, "/admin/campaigns", { method: "POST", json: draft });
    expect(refused.status).toBe(403);
    const body = JSON.stringify(await refused.json());
    expect(body).toContain("needs the editor role");
    expect(body).toContain("vera@example.com");

    // The exact entry wins over *@example.com: an editor creates the draft.
    const editor = await token("ed@example.com");
    const created = await asPerson(app, editor, "/admin/campaigns", { method: "POST", json: draft });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ name: "Access draft", status: "draft" });
    // …but not the owner's settings.
    const settings = await asPerson(app, editor, "/admin/app/settings", {
      method: "PATCH",
      json: { recentEvents: 50 },
    });
    expect(settings.status).toBe(403);
    expect(JSON.stringify(await settings.json())).toContain("needs the owner role");
  });

  it("refuses a bad signature, a wrong audience and an expired token with a 401, and an unknown email with a 403", async () => {
    const app = await appWithAccess();
    const { privateKey: stranger } = await generateKeyPair("RS256");
    for (const [what, jwt] of [
      ["bad signature", await token("ed@example.com", { key: stranger })],
      ["wrong audience", await token("ed@example.com", { aud: "someone-else" })],
      ["expired", await token("ed@example.com", { exp: Math.floor(Date.now() / 1000) - 600 })],
      ["not a JWT", "not-a-token"],
    ] as const) {
      const res = await asPerson(app, jwt, "/admin/campaigns");
      expect(res.status, what).toBe(401);
      expect(JSON.stringify(await res.json()), what).toContain("Cf-Access-Jwt-Assertion");
    }
    const unknown = await asPerson(app, await token("mallory@elsewhere.test"), "/admin/campaigns");
    expect(unknown.status).toBe(403);
    expect(JSON.stringify(await unknown.json())).toContain("mallory@elsewhere.test has no role");
    // Without the header the admin key alone decides, as before.
    const plain = await call("/admin/campaigns", {
      method: "POST",
      headers: { authorization: `Bearer ${app.adminKey}` },
      json: draft,
    });
    expect(plain.status).toBe(200);
  });
});
