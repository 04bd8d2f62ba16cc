import { Analytics } from "@segment/analytics-node";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { clearKeyCache } from "../src/stores/config/app-directory";
import {
  appVerifierKeys,
  cachedIdentityApps,
  clearIdentityKeyCache,
  DEV_IDENTITY_KEYS_SECRET,
  MAX_CACHED_APPS,
} from "../src/stores/config/identity-keys";
import { admin, BASE, basic, call, createTestApp, OPERATOR, sdk, type TestApp } from "./helpers/api";
import { decisions, launchCampaign, sent } from "./helpers/campaigns";
import { addCard, modal, postText, sendInApp } from "./helpers/inapp";
import { createApp } from "../src/http/app";

/** Identity verification (docs/api.md "Identity verification"): the write key is public, a user token proves who the person is. */

const NOW = Date.now();
const HOUR_S = 3600;
const nowS = () => Math.floor(Date.now() / 1000);

interface IdentityKey {
  id: string;
  alg: string;
  label: string;
  createdAt: number;
  lastUsedAt: number | null;
  secret?: string;
  publicKey?: Record<string, unknown>;
}
interface ErrorBody {
  error: { code: string; message: string; problems: Array<{ field: string; message: string }> };
}

async function addKey(app: TestApp, body: Record<string, unknown>): Promise<IdentityKey> {
  const res = await admin(app, "/admin/app/identity-keys", { method: "POST", json: body });
  if (res.status !== 200) throw new Error(`add identity key: ${res.status} ${await res.text()}`);
  clearKeyCache(); // what the edge's 3-second revalidation does: the new config version reaches it
  return (await res.json()) as IdentityKey;
}

/** An app with `required` (or `warn`) and one HS256 secret. */
async function verifiedApp(
  mode: "required" | "warn" = "required",
): Promise<{ app: TestApp; secret: string; key: IdentityKey }> {
  const app = await createTestApp({ identityVerification: mode, quietHours: null });
  const key = await addKey(app, { alg: "HS256", label: "backend" });
  return { app, secret: key.secret!, key };
}

/** What the app's backend does: a short-lived HS256 token for the signed-in person. */
function hsToken(
  secret: string,
  sub: string | null,
  opts: { exp?: number | null; kid?: string } = {},
): Promise<string> {
  const jwt = new SignJWT({})
    .setProtectedHeader({ alg: "HS256", ...(opts.kid ? { kid: opts.kid } : {}) })
    .setIssuedAt();
  if (sub !== null) jwt.setSubject(sub);
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? nowS() + HOUR_S);
  return jwt.sign(new TextEncoder().encode(secret));
}

const withToken = (token: string) => ({ headers: { "x-beckon-user-token": token } });

async function errorOf(res: Response): Promise<{ status: number; code: string; field: string | undefined }> {
  const body = (await res.json()) as ErrorBody;
  return { status: res.status, code: body.error?.code, field: body.error?.problems?.[0]?.field };
}

async function profileOf(app: TestApp, userId: string) {
  const res = await admin(app, `/admin/users/${userId}`);
  if (res.status !== 200) return null;
  return (await res.json()) as {
    profile: {
      email: string | null;
      phone: string | null;
      consent: Record<string, { status: string } | undefined>;
      counters: { events: number };
    };
    devices: Array<{ token: string }>;
  };
}

async function timelineOf(app: TestApp, userId: string) {
  const res = await admin(app, `/admin/users/${userId}/timeline?limit=200`);
  return ((await res.json()) as { entries: Array<{ kind: string; detail: Record<string, unknown> }> }).entries;
}

const track = (userId: string, messageId: string, extra: Record<string, unknown> = {}) => ({
  userId,
  event: "Viewed Item",
  messageId,
  ...extra,
});

describe("identity verification: tokens", () => {
  it("HS256: a valid token for the person is accepted; missing, expired, for another person, badly signed or without exp is a 401 naming the problem, and nothing is stored", async () => {
    const { app, secret } = await verifiedApp();
    const cases: Array<[string, Promise<string> | null, string]> = [
      ["missing", null, "user_token_missing"],
      ["expired", hsToken(secret, "ada", { exp: nowS() - 120 }), "user_token_expired"],
      ["wrong subject", hsToken(secret, "mallory"), "user_token_wrong_subject"],
      ["bad signature", hsToken("some-other-secret-that-is-long-enough", "ada"), "user_token_bad_signature"],
      ["no exp", hsToken(secret, "ada", { exp: null }), "user_token_claims"],
      ["no sub", hsToken(secret, null), "user_token_claims"],
      ["not a JWT", Promise.resolve("not-a-jwt"), "user_token_malformed"],
    ];
    for (const [i, [name, token, code]] of cases.entries()) {
      const res = await sdk(app, "/v1/track", track("ada", `bad-${i}`), token ? withToken(await token) : {});
      expect(await errorOf(res), name).toEqual({ status: 401, code, field: "userToken" });
    }
    expect(await profileOf(app, "ada")).toBeNull(); // nothing was stored for ada

    const token = await hsToken(secret, "ada");
    expect((await sdk(app, "/v1/track", track("ada", "ok-header"), withToken(token))).status).toBe(200);
    // For clients that cannot set headers: the body field (text/plain, no CORS preflight).
    const viaBody = await call("/v1/track", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ writeKey: app.writeKey, userToken: token, ...track("ada", "ok-body") }),
    });
    expect(viaBody.status).toBe(200);
    const batch = await sdk(app, "/v1/batch", {
      userToken: token,
      batch: [
        { type: "track", ...track("ada", "ok-batch") },
        { type: "page", anonymousId: "anon-1", name: "Home", messageId: "anon-page" },
      ],
    });
    expect(batch.status).toBe(200);
    expect((await profileOf(app, "ada"))!.profile.counters.events).toBe(3);
  });

  it("a batch naming two people with one person's token is refused whole", async () => {
    const { app, secret } = await verifiedApp();
    const res = await sdk(
      app,
      "/v1/batch",
      {
        batch: [
          { type: "track", ...track("ada", "a1") },
          { type: "track", ...track("bob", "b1") },
        ],
      },
      withToken(await hsToken(secret, "ada")),
    );
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "user_token_wrong_subject" });
    expect(await profileOf(app, "ada")).toBeNull();
    expect(await profileOf(app, "bob")).toBeNull();
  });

  it("ES256 (JWK) and RS256 (PEM) public keys: valid, expired, wrong subject, bad signature", async () => {
    const app = await createTestApp({ identityVerification: "required" });
    const es = await generateKeyPair("ES256", { extractable: true });
    const rs = await generateKeyPair("RS256", { extractable: true });
    const esKey = await addKey(app, { alg: "ES256", label: "ios", publicKey: await exportJWK(es.publicKey) });
    await addKey(app, { alg: "RS256", label: "android", publicKey: await exportSPKI(rs.publicKey) });
    expect(esKey.secret).toBeUndefined();
    const other = await generateKeyPair("ES256");
    const sign = (alg: "ES256" | "RS256", key: CryptoKey, sub: string, exp = nowS() + HOUR_S) =>
      new SignJWT({}).setProtectedHeader({ alg }).setSubject(sub).setExpirationTime(exp).sign(key);

    expect(
      (await sdk(app, "/v1/track", track("ada", "es-ok"), withToken(await sign("ES256", es.privateKey, "ada")))).status,
    ).toBe(200);
    expect(
      (await sdk(app, "/v1/track", track("ada", "rs-ok"), withToken(await sign("RS256", rs.privateKey, "ada")))).status,
    ).toBe(200);
    expect(
      await errorOf(
        await sdk(
          app,
          "/v1/track",
          track("ada", "es-exp"),
          withToken(await sign("ES256", es.privateKey, "ada", nowS() - 600)),
        ),
      ),
    ).toMatchObject({ status: 401, code: "user_token_expired" });
    expect(
      await errorOf(
        await sdk(app, "/v1/track", track("ada", "es-sub"), withToken(await sign("ES256", es.privateKey, "bob"))),
      ),
    ).toMatchObject({ status: 401, code: "user_token_wrong_subject" });
    expect(
      await errorOf(
        await sdk(app, "/v1/track", track("ada", "es-sig"), withToken(await sign("ES256", other.privateKey, "ada"))),
      ),
    ).toMatchObject({ status: 401, code: "user_token_bad_signature" });
    expect(
      await errorOf(
        await sdk(
          app,
          "/v1/track",
          track("ada", "rs-exp"),
          withToken(await sign("RS256", rs.privateKey, "ada", nowS() - 600)),
        ),
      ),
    ).toMatchObject({ status: 401, code: "user_token_expired" });
    expect((await profileOf(app, "ada"))!.profile.counters.events).toBe(2);

    // Registering a private key, a key of the wrong type or garbage is a 400 naming publicKey.
    for (const publicKey of [
      await exportJWK(es.privateKey),
      await exportJWK(rs.publicKey),
      "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----",
      42,
    ]) {
      const res = await admin(app, "/admin/app/identity-keys", { method: "POST", json: { alg: "ES256", publicKey } });
      expect(await errorOf(res)).toMatchObject({ status: 400, field: "publicKey" });
    }
  });

  it("rotation: two secrets verify side by side; retiring one stops its tokens; the list never shows a secret and D1 holds none in the clear", async () => {
    const { app, secret: oldSecret, key: oldKey } = await verifiedApp();
    const newKey = await addKey(app, { alg: "HS256", label: "rotation 2026-12" });
    expect(newKey.secret).not.toBe(oldSecret);
    const oldToken = await hsToken(oldSecret, "ada");
    const newToken = await hsToken(newKey.secret!, "ada", { kid: newKey.id });
    expect((await sdk(app, "/v1/track", track("ada", "old"), withToken(oldToken))).status).toBe(200);
    expect((await sdk(app, "/v1/track", track("ada", "new"), withToken(newToken))).status).toBe(200);

    // Last use is recorded in the background (at most hourly per key and isolate).
    let list = { keys: [] as IdentityKey[] };
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      list = (await (await admin(app, "/admin/app/identity-keys")).json()) as { keys: IdentityKey[] };
      if (list.keys.every((k) => k.lastUsedAt !== null)) break;
    }
    expect(list.keys.every((k) => typeof k.lastUsedAt === "number")).toBe(true);
    expect(list.keys.map((k) => [k.id, k.alg, k.label])).toEqual([
      [oldKey.id, "HS256", "backend"],
      [newKey.id, "HS256", "rotation 2026-12"],
    ]);
    expect(list.keys.every((k) => typeof k.createdAt === "number" && !("secret" in k))).toBe(true);
    expect(JSON.stringify(list)).not.toContain(oldSecret);
    const rows = await env.DB.prepare("SELECT material FROM identity_keys WHERE app_id = ?")
      .bind(app.appId)
      .all<{ material: string }>();
    expect(rows.results).toHaveLength(2);
    for (const r of rows.results) {
      expect(r.material).not.toContain(oldSecret.slice(6));
      expect(r.material).not.toContain(newKey.secret!.slice(6));
    }

    const retired = await admin(app, `/admin/app/identity-keys/${oldKey.id}`, { method: "DELETE" });
    expect(retired.status).toBe(200);
    clearKeyCache();
    expect(await errorOf(await sdk(app, "/v1/track", track("ada", "old-2"), withToken(oldToken)))).toMatchObject({
      status: 401,
      code: "user_token_bad_signature",
    });
    expect((await sdk(app, "/v1/track", track("ada", "new-2"), withToken(newToken))).status).toBe(200);
    expect((await admin(app, `/admin/app/identity-keys/${oldKey.id}`, { method: "DELETE" })).status).toBe(404);
  });

  it("verifying reads no D1 on the event path: imported keys are cached per isolate and config version, for a bounded number of apps", async () => {
    const { app, secret } = await verifiedApp();
    const token = await hsToken(secret, "ada");
    expect((await sdk(app, "/v1/track", track("ada", "warm"), withToken(token))).status).toBe(200);
    // Gone from D1 behind the cache's back (no config version bump): the cached key still verifies.
    await env.DB.prepare("DELETE FROM identity_keys WHERE app_id = ?").bind(app.appId).run();
    expect((await sdk(app, "/v1/track", track("ada", "cached"), withToken(token))).status).toBe(200);
    // A new config version (what every key change makes) is read again.
    await env.DB.prepare("UPDATE apps SET config_version = config_version + 1 WHERE id = ?").bind(app.appId).run();
    clearKeyCache();
    expect(await errorOf(await sdk(app, "/v1/track", track("ada", "reloaded"), withToken(token)))).toMatchObject({
      status: 401,
      code: "user_token_no_keys",
    });

    clearIdentityKeyCache();
    for (let i = 0; i <= MAX_CACHED_APPS; i++)
      await appVerifierKeys(env.DB, `no-such-app-${i}`, 1, DEV_IDENTITY_KEYS_SECRET);
    expect(cachedIdentityApps()).toBe(MAX_CACHED_APPS);
  });

  it("an app with no identity key refuses every token under required (and says so)", async () => {
    const app = await createTestApp({ identityVerification: "required" });
    const res = await sdk(app, "/v1/track", track("ada", "x"), withToken(await hsToken("whatever-secret", "ada")));
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "user_token_no_keys" });
  });
});

describe("identity verification: modes", () => {
  it("apps created through the operator API default to required", async () => {
    const res = await call("/admin/apps", {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR}` },
      json: { name: "defaults" },
    });
    const app = (await res.json()) as TestApp;
    const view = (await (await admin(app, "/admin/app")).json()) as { settings: { identityVerification: string } };
    expect(view.settings.identityVerification).toBe("required");
    expect(await errorOf(await sdk(app, "/v1/track", track("ada", "m1")))).toMatchObject({
      status: 401,
      code: "user_token_missing",
    });
  });

  it("anonymous-only calls need no token under required", async () => {
    const { app } = await verifiedApp();
    expect((await sdk(app, "/v1/track", { anonymousId: "anon-7", event: "Browsed", messageId: "a7" })).status).toBe(
      200,
    );
    expect((await sdk(app, "/v1/devices", { anonymousId: "anon-7", timezone: "Europe/Paris" })).status).toBe(200);
    expect((await call(`/v1/in-app?anonymousId=anon-7&writeKey=${app.writeKey}`)).status).toBe(200);
    expect((await call(`/v1/cards?anonymousId=anon-7&writeKey=${app.writeKey}`)).status).toBe(200);
    expect((await call(`/v1/config?writeKey=${app.writeKey}`)).status).toBe(200);
  });

  it("warn accepts calls without a valid token and notes it on the person's timeline (once per spell)", async () => {
    const { app, secret } = await verifiedApp("warn");
    expect(
      (
        await sdk(
          app,
          "/v1/identify",
          { userId: "wanda", traits: { plan: "pro" }, messageId: "w0" },
          withToken(await hsToken(secret, "wanda")),
        )
      ).status,
    ).toBe(200);
    expect((await sdk(app, "/v1/track", track("wanda", "w1"))).status).toBe(200);
    expect(
      (
        await sdk(
          app,
          "/v1/track",
          track("wanda", "w2"),
          withToken(await hsToken(secret, "wanda", { exp: nowS() - 600 })),
        )
      ).status,
    ).toBe(200);
    expect((await sdk(app, "/v1/devices", { userId: "wanda", email: "wanda@example.com" })).status).toBe(200);
    const profile = await profileOf(app, "wanda");
    expect(profile!.profile.counters.events).toBe(3);
    expect(profile!.profile.email).toBe("wanda@example.com");
    const notes = (await timelineOf(app, "wanda")).filter((e) => e.kind === "identity" && e.detail.unverifiedUserToken);
    expect(notes.map((n) => [n.detail.unverifiedUserToken, n.detail.path])).toEqual([["missing", "/v1/track"]]);
  });

  it("off: calls naming a userId need no token", async () => {
    const app = await createTestApp(); // the test helper's default
    expect((await sdk(app, "/v1/track", track("ada", "o1"))).status).toBe(200);
    expect((await sdk(app, "/v1/devices", { userId: "ada", email: "ada@example.com" })).status).toBe(200);
  });
});

describe("identity verification: what needs the person's token", () => {
  it("devices, location, in-app, cards and their engagement, and the live socket", async () => {
    const { app, secret } = await verifiedApp();
    const token = await hsToken(secret, "ada");
    const mallory = await hsToken(secret, "mallory");
    await sendInApp(app, "ada", modal("For Ada"), { key: "m:ada" });
    await addCard(app, "ada", { title: "Ada's card", body: "Only for Ada" }, { key: "c:ada" });
    const q = (extra: Record<string, string> = {}) =>
      new URLSearchParams({ writeKey: app.writeKey, userId: "ada", ...extra });

    const attempts: Array<[string, () => Promise<Response>, () => Promise<Response>]> = [
      [
        "devices",
        () => sdk(app, "/v1/devices", { userId: "ada", timezone: "Europe/London" }),
        () => sdk(app, "/v1/devices", { userId: "ada", timezone: "Europe/London", userToken: token }),
      ],
      [
        "location",
        () => sdk(app, "/v1/location", { userId: "ada", lat: 51.5, lng: -0.12, accuracy: 10 }),
        () => sdk(app, "/v1/location", { userId: "ada", lat: 51.5, lng: -0.12, accuracy: 10 }, withToken(token)),
      ],
      ["GET /v1/in-app", () => call(`/v1/in-app?${q()}`), () => call(`/v1/in-app?${q({ userToken: token })}`)],
      ["GET /v1/cards", () => call(`/v1/cards?${q()}`), () => call(`/v1/cards?${q()}`, withToken(token))],
      [
        "POST /v1/in-app/events",
        () => postText(app, "/v1/in-app/events", { userId: "ada", events: [{ kind: "impression", key: "m:ada" }] }),
        () =>
          postText(app, "/v1/in-app/events", {
            userId: "ada",
            userToken: token,
            events: [{ kind: "impression", key: "m:ada" }],
          }),
      ],
      [
        "POST /v1/cards/:id/read",
        () => postText(app, "/v1/cards/c:ada/read", { userId: "ada" }),
        () => postText(app, "/v1/cards/c:ada/read", { userId: "ada", userToken: token }),
      ],
      [
        "WebSocket",
        () => call(`/v1/connect?${q()}`, { headers: { upgrade: "websocket" } }),
        () => call(`/v1/connect?${q({ userToken: token })}`, { headers: { upgrade: "websocket" } }),
      ],
    ];
    for (const [name, without, withIt] of attempts) {
      expect(await errorOf(await without()), name).toMatchObject({ status: 401, code: "user_token_missing" });
      const res = await withIt();
      expect(res.status, name).toBe(name === "WebSocket" ? 101 : 200);
      if (res.webSocket) {
        res.webSocket.accept();
        res.webSocket.close();
      }
    }
    // Another signed-in person's genuine token does not open Ada's messages or socket.
    expect(await errorOf(await call(`/v1/in-app?${q({ userToken: mallory })}`))).toMatchObject({
      status: 401,
      code: "user_token_wrong_subject",
    });
    expect(
      await errorOf(await call(`/v1/connect?${q({ userToken: mallory })}`, { headers: { upgrade: "websocket" } })),
    ).toMatchObject({ status: 401, code: "user_token_wrong_subject" });
  });

  it("the issue's attacker: with the public write key (and even their own valid token) they cannot change the victim's email, devices or consent, nor read or dismiss her messages", async () => {
    const { app, secret } = await verifiedApp();
    const victimToken = await hsToken(secret, "victim");
    const own = await hsToken(secret, "mallory");
    const setup = await sdk(
      app,
      "/v1/devices",
      {
        userId: "victim",
        email: "victim@example.com",
        phone: "+14155550100",
        register: [{ provider: "fcm", platform: "android", token: "victim-fcm-token-0001" }],
        consent: { push: "opted_in", email: "opted_in", sms: "opted_out", whatsapp: "opted_out" },
      },
      withToken(victimToken),
    );
    expect(setup.status).toBe(200);
    await addCard(app, "victim", { title: "Your invoice", body: "private" }, { key: "c:victim" });
    await sendInApp(app, "victim", modal("Private offer"), { key: "m:victim" });
    const before = await profileOf(app, "victim");

    const takeover = {
      userId: "victim",
      email: "attacker@example.com",
      phone: "+14155550199",
      register: [{ provider: "fcm", platform: "android", token: "attacker-fcm-token-01" }],
      unregister: ["victim-fcm-token-0001"],
      consent: { sms: "opted_in", whatsapp: "opted_in", email: "opted_out" },
    };
    expect((await sdk(app, "/v1/devices", takeover)).status).toBe(401);
    expect((await sdk(app, "/v1/devices", takeover, withToken(own))).status).toBe(401);
    expect((await postText(app, "/v1/devices", { ...takeover, userToken: own })).status).toBe(401);
    expect(
      (
        await sdk(app, "/v1/identify", {
          userId: "victim",
          traits: { email: "attacker@example.com" },
          messageId: "spoof-identify",
        })
      ).status,
    ).toBe(401);
    expect((await call(`/v1/in-app?writeKey=${app.writeKey}&userId=victim`)).status).toBe(401);
    expect((await call(`/v1/cards?writeKey=${app.writeKey}&userId=victim&userToken=${own}`)).status).toBe(401);
    expect((await postText(app, "/v1/cards/c:victim/dismiss", { userId: "victim" })).status).toBe(401);
    expect(
      (await postText(app, "/v1/in-app/events", { userId: "victim", events: [{ kind: "dismiss", key: "m:victim" }] }))
        .status,
    ).toBe(401);

    const after = await profileOf(app, "victim");
    expect(after).toEqual(before);
    expect(after!.profile.email).toBe("victim@example.com");
    expect(after!.profile.consent.sms?.status).toBe("opted_out");
    expect(after!.devices.map((d) => d.token)).toEqual(["victim-fcm-token-0001"]);
    const feed = (await (
      await call(`/v1/cards?writeKey=${app.writeKey}&userId=victim`, withToken(victimToken))
    ).json()) as { cards: Array<{ id: string }> };
    expect(feed.cards).toHaveLength(1);
    const pending = (await (
      await call(`/v1/in-app?writeKey=${app.writeKey}&userId=victim`, withToken(victimToken))
    ).json()) as { messages: Array<{ key: string }> };
    expect(pending.messages.map((m) => m.key)).toEqual(["m:victim"]);
  });
});

describe("identity verification: server keys", () => {
  async function serverKey(app: TestApp): Promise<string> {
    const res = await call(`/admin/apps/${app.appId}/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR}` },
      json: { kind: "server", label: "warehouse sync" },
    });
    expect(res.status).toBe(200);
    const { key } = (await res.json()) as { key: string };
    expect(key.startsWith("bk_s_")).toBe(true);
    return key;
  }

  it("a backend with a server key sends many people per batch without tokens; the key works only in the Authorization header", async () => {
    const { app } = await verifiedApp();
    const key = await serverKey(app);
    const batch = {
      batch: ["ann", "ben", "cat"].map((userId, i) => ({
        type: "identify",
        userId,
        traits: { plan: "team" },
        messageId: `s${i}`,
      })),
    };
    const res = await call("/v1/batch", { method: "POST", headers: { authorization: basic(key) }, json: batch });
    expect(res.status).toBe(200);
    for (const u of ["ann", "ben", "cat"]) expect(await profileOf(app, u)).not.toBeNull();
    expect(
      (
        await call("/v1/devices", {
          method: "POST",
          headers: { authorization: basic(key) },
          json: { userId: "ann", email: "ann@example.com" },
        })
      ).status,
    ).toBe(200);
    // A server key pasted into a browser (body or URL) is refused: it is a secret.
    const inBody = await call("/v1/batch", { method: "POST", json: { writeKey: key, ...batch } });
    expect(await errorOf(inBody)).toMatchObject({ status: 401, code: "unauthorized" });
    expect((await call(`/v1/in-app?writeKey=${key}&userId=ann`)).status).toBe(401);
    // A server key is not an admin key, and a write key is not a server key.
    expect((await call("/admin/app", { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    expect(
      (
        await call("/v1/batch", {
          method: "POST",
          headers: { authorization: basic(`bk_s_${app.writeKey.slice(5)}`) },
          json: batch,
        })
      ).status,
    ).toBe(401);
  });

  it("@segment/analytics-node on a backend works under required with a server key", async () => {
    const { app } = await verifiedApp();
    const key = await serverKey(app);
    const worker = (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default;
    const statuses: number[] = [];
    const analytics = new Analytics({
      writeKey: key,
      host: "http://beckon.test",
      maxEventsInBatch: 10,
      flushInterval: 50,
      httpClient: async (url, init) => {
        const res = await worker.fetch(
          new Request(url, { method: init.method, headers: init.headers as HeadersInit, body: init.body as BodyInit }),
        );
        statuses.push(res.status);
        return res;
      },
    });
    analytics.identify({ userId: "node-a", traits: { plan: "team" } });
    analytics.track({ userId: "node-b", event: "Order Completed", properties: { revenue: 5 } });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await profileOf(app, "node-b"))!.profile.counters.events).toBe(1);
  });
});

describe("engagement event names through track", () => {
  it("a tracked `In-App Message Clicked` or `Survey Answered` enters no campaign and moves no journey waiting for it", async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "Clicked follow-up",
      trigger: { type: "event", event: "In-App Message Clicked" },
      steps: [
        {
          type: "message",
          id: "fu",
          channels: ["in_app"],
          content: { in_app: { type: "modal", title: "Thanks", body: "for clicking" } },
        },
      ],
    });
    await launchCampaign(app, {
      name: "NPS",
      trigger: { type: "event", event: "Survey Shown" },
      steps: [
        {
          type: "wait_for_event",
          id: "wait",
          event: "Survey Answered",
          timeout: { days: 3 },
          onEvent: "thanks",
          onTimeout: "done",
        },
        {
          type: "message",
          id: "thanks",
          channels: ["in_app"],
          content: { in_app: { type: "modal", title: "Thank you", body: "for answering" } },
          next: "done",
        },
        { type: "exit", id: "done" },
      ],
    });
    await sdk(app, "/v1/track", { userId: "eve", event: "Survey Shown", messageId: "e0" }, { clock: NOW });
    const spoofs = [
      "In-App Message Clicked",
      "In-App Message Viewed",
      "In-App Message Dismissed",
      "Survey Answered",
      "Content Card Clicked",
      "Content Card Viewed",
      "Content Card Dismissed",
    ];
    for (const [i, event] of spoofs.entries()) {
      const res = await sdk(
        app,
        "/v1/track",
        {
          userId: "eve",
          event,
          properties: { key: "x", questionId: "nps", answer: 10, buttonId: "go", cardId: "c" },
          messageId: `spoof-${i}`,
        },
        { clock: NOW + 1000 + i },
      );
      expect(res.status).toBe(200);
    }
    expect(await sent(app, "eve")).toEqual([]);
    const entered = (await decisions(app, "eve")).filter((d) => d.detail.entered).map((d) => d.detail.campaignId);
    expect(entered).toHaveLength(1); // the NPS journey, from `Survey Shown`, still waiting
    const notEntered = (await decisions(app, "eve")).filter((d) => d.detail.notEntered);
    expect(notEntered.length).toBeGreaterThan(0);
  });
});

describe("the demo shop's token route", () => {
  it("POST /demo/token is off unless DEMO_TOKENS=true, and its tokens verify for the demo app only", async () => {
    expect((await call("/demo/token", { method: "POST", json: { userId: "ada" } })).status).toBe(404);

    const created = await call("/admin/apps", {
      method: "POST",
      headers: { authorization: `Bearer ${OPERATOR}` },
      json: { name: "Demo shop", id: "demo" },
    });
    const demo = (await created.json()) as TestApp;
    const { app: other } = await verifiedApp();
    const worker = createApp();
    const mint = async (json: unknown) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`${BASE}/demo/token`, { method: "POST", body: JSON.stringify(json) }),
        { ...env, DEMO_TOKENS: "true" },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    expect(await errorOf(await mint({ userId: "" }))).toMatchObject({ status: 400, field: "userId" });
    const res = await mint({ userId: "ada" });
    expect(res.status).toBe(200);
    const { userToken, appId } = (await res.json()) as { userToken: string; appId: string };
    expect(appId).toBe("demo");
    clearKeyCache();
    expect(await errorOf(await sdk(demo, "/v1/track", track("ada", "d0")))).toMatchObject({
      status: 401,
      code: "user_token_missing",
    });
    expect((await sdk(demo, "/v1/track", track("ada", "d1"), withToken(userToken))).status).toBe(200);
    expect(await errorOf(await sdk(other, "/v1/track", track("ada", "d2"), withToken(userToken)))).toMatchObject({
      status: 401,
      code: "user_token_bad_signature",
    });
  });
});
