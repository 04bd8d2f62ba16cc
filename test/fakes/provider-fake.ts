/**
 * Fake provider peers on loopback, for delivery tests (Node side; started by global-setup.ts).
 * Each fake checks the request exactly as the provider documents it — URL, method, headers,
 * auth and body against the provider's published spec (test/fixtures/specs) — records it, and
 * answers like the provider, or with a scripted answer (errors, Retry-After, hangs).
 * The "inbox" per provider holds what actually reached the person (accepted sends; Resend
 * answers a repeated Idempotency-Key with the first email id and does not send again).
 * It also signs webhook payloads with the real libraries (twilio, svix, Node crypto ECDSA),
 * so workerd-side tests get signatures made by the providers' own code.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import {
  createHmac,
  createVerify,
  generateKeyPairSync,
  randomUUID,
  sign as cryptoSign,
  type KeyObject,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import twilio from "twilio";
import { Webhook } from "svix";
import { SpecValidator } from "./schema-check";

const specs = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/specs/${name}`, import.meta.url)), "utf8")) as Record<
    string,
    unknown
  >;

export interface RecordedRequest {
  provider: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Where the request departs from the provider's documentation (empty when exact). */
  problems: string[];
}

interface Scripted {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Never answer (the client times out). Nothing is delivered. */
  hang?: boolean;
  /** Deliver, then answer late (the client times out after the provider accepted). */
  delayMs?: number;
}

export interface FakeCredentials {
  baseUrl: string;
  serviceAccountJson: string;
  apns: { teamId: string; keyId: string; privateKey: string; topic: string };
  twilio: { accountSid: string; authToken: string; from: string };
  resendKey: string;
  sendgridKey: string;
  whatsapp: { token: string; phoneNumberId: string };
  webhookSecret: string;
  sendgridPublicKey: string;
  resendWebhookSecret: string;
  whatsappAppSecret: string;
}

const fcmSpec = new SpecValidator(specs("fcm-v1.discovery.json"), "discovery");
const resendSpec = new SpecValidator(specs("resend.openapi.json"), "openapi");
const sendgridSpec = new SpecValidator(specs("sendgrid-mail-v3.openapi.json"), "openapi");
const twilioSpec = new SpecValidator(specs("twilio-api-v2010.messages.openapi.json"), "openapi");
const whatsappSpec = new SpecValidator(specs("whatsapp-cloud-api-v23.0.messages.openapi.json"), "openapi");

export async function startProviderFake(): Promise<{
  url: string;
  credentials: FakeCredentials;
  close: () => Promise<void>;
}> {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const apnsKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const sendgridKey = generateKeyPairSync("ec", { namedCurve: "P-256" });
  // Test files run in parallel: each uses its own namespace (`/t/<ns>/…`), with its own state.
  const newState = () => ({
    requests: [] as RecordedRequest[],
    inbox: {} as Record<string, unknown[]>,
    scripts: {} as Record<string, Scripted[]>,
    tokens: new Set<string>(),
    tokenExchanges: 0,
    idempotency: new Map<string, string>(),
  });
  const states = new Map<string, ReturnType<typeof newState>>();
  type State = ReturnType<typeof newState>;
  let rootUrl = "";
  const credsFor = (baseUrl: string): FakeCredentials => ({
    baseUrl,
    serviceAccountJson: JSON.stringify({
      type: "service_account",
      project_id: "beckon-test",
      private_key_id: "kid1",
      private_key: rsa.privateKey.export({ type: "pkcs8", format: "pem" }),
      client_email: "beckon@beckon-test.iam.gserviceaccount.com",
      token_uri: `${baseUrl}/token`,
    }),
    apns: {
      teamId: "TEAM123456",
      keyId: "KEY1234567",
      privateKey: apnsKey.privateKey.export({ type: "pkcs8", format: "pem" }) as string,
      topic: "com.example.app",
    },
    twilio: { accountSid: "AC00000000000000000000000000000001", authToken: "twilio-auth-token", from: "+15005550006" },
    resendKey: "re_test_key",
    sendgridKey: "SG.test-key",
    whatsapp: { token: "wa-token", phoneNumberId: "1234567890" },
    webhookSecret: "hook-secret",
    sendgridPublicKey: (sendgridKey.publicKey.export({ type: "spki", format: "der" }) as Buffer).toString("base64"),
    resendWebhookSecret: `whsec_${Buffer.from("resend-webhook-secret-0123456789").toString("base64")}`,
    whatsappAppSecret: "wa-app-secret",
  });

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://fake");
    const ns = /^\/t\/([^/]+)(\/.*)$/.exec(url.pathname);
    const key = ns?.[1] ?? "";
    if (!states.has(key)) states.set(key, newState());
    const route = forRequest(states.get(key)!, ns ? `${rootUrl}/t/${key}` : rootUrl);
    if (ns) url.pathname = ns[2]!;
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : (v ?? "")]),
    );
    try {
      await route(req, res, url, headers, body);
    } catch (err) {
      send(res, 500, { error: String(err) });
    }
  });

  /** Handlers bound to one namespace's state and base URL. */
  function forRequest(state: State, baseUrl: string) {
    const creds = () => credsFor(baseUrl);
    const nextScript = (provider: string): Scripted | undefined => state.scripts[provider]?.shift();

    async function route(
      req: IncomingMessage,
      res: ServerResponse,
      url: URL,
      headers: Record<string, string>,
      body: string,
    ): Promise<void> {
      const p = url.pathname;
      // ───── control ─────
      if (p === "/_fake/reset") {
        Object.assign(state, { ...newState(), tokens: state.tokens });
        return send(res, 200, { ok: true });
      }
      if (p === "/_fake/state")
        return send(res, 200, { requests: state.requests, inbox: state.inbox, tokenExchanges: state.tokenExchanges });
      if (p === "/_fake/credentials") return send(res, 200, creds());
      if (p === "/_fake/script") {
        const s = JSON.parse(body) as { provider: string; responses: Scripted[] };
        state.scripts[s.provider] = [...(state.scripts[s.provider] ?? []), ...s.responses];
        return send(res, 200, { ok: true });
      }
      // ───── signing with the providers' own libraries ─────
      if (p === "/_sign/twilio") {
        const s = JSON.parse(body) as { url: string; params: Record<string, string> };
        return send(res, 200, {
          signature: twilio.getExpectedTwilioSignature(creds().twilio.authToken, s.url, s.params),
        });
      }
      if (p === "/_sign/svix") {
        const s = JSON.parse(body) as { id: string; timestamp: number; payload: string };
        return send(res, 200, {
          signature: new Webhook(creds().resendWebhookSecret).sign(s.id, new Date(s.timestamp * 1000), s.payload),
        });
      }
      if (p === "/_sign/sendgrid") {
        const s = JSON.parse(body) as { timestamp: string; payload: string };
        const signature = cryptoSign("sha256", Buffer.from(s.timestamp + s.payload), sendgridKey.privateKey).toString(
          "base64",
        );
        return send(res, 200, { signature });
      }
      if (p === "/_sign/meta") {
        const s = JSON.parse(body) as { payload: string };
        return send(res, 200, {
          signature: `sha256=${createHmac("sha256", creds().whatsappAppSecret).update(s.payload).digest("hex")}`,
        });
      }

      // ───── Google OAuth2 token endpoint (RFC 7523 JWT bearer grant) ─────
      if (p === "/token") {
        const form = new URLSearchParams(body);
        const problems: string[] = [];
        if (req.method !== "POST") problems.push("method must be POST");
        if (!headers["content-type"]?.startsWith("application/x-www-form-urlencoded"))
          problems.push("content-type must be form-urlencoded");
        if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") problems.push("grant_type");
        const claims = verifyJwt(form.get("assertion") ?? "", rsa.publicKey, "RSA-SHA256", problems);
        if (claims) {
          const c = creds();
          const sa = JSON.parse(c.serviceAccountJson) as { client_email: string; token_uri: string };
          if (claims.iss !== sa.client_email) problems.push("iss must be the service account email");
          if (claims.aud !== sa.token_uri) problems.push("aud must be token_uri");
          if (claims.scope !== "https://www.googleapis.com/auth/firebase.messaging") problems.push("scope");
          if (typeof claims.exp !== "number" || typeof claims.iat !== "number" || claims.exp - claims.iat > 3600)
            problems.push("exp must be ≤ iat + 3600");
        }
        record("oauth", req, url, headers, body, problems);
        if (problems.length) return send(res, 400, { error: "invalid_grant", error_description: problems.join("; ") });
        state.tokenExchanges++;
        const token = `ya29.${randomUUID()}`;
        state.tokens.add(token);
        return send(res, 200, { access_token: token, expires_in: 3599, token_type: "Bearer" });
      }

      // ───── FCM HTTP v1 ─────
      const fcm = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(p);
      if (fcm) {
        const problems: string[] = [];
        if (req.method !== "POST") problems.push("method must be POST");
        if (fcm[1] !== "beckon-test") problems.push(`unknown project ${fcm[1]}`);
        const bearer = headers.authorization?.replace(/^Bearer /, "");
        if (!bearer || !state.tokens.has(bearer))
          problems.push("Authorization: Bearer <access token from the token endpoint> required");
        const json = parseJson(body, problems);
        if (json) problems.push(...fcmSpec.validate(json, "SendMessageRequest"));
        const message = (json as { message?: { token?: string } } | null)?.message;
        if (!message?.token) problems.push("message.token required");
        record("fcm", req, url, headers, body, problems);
        if (problems.some((x) => x.startsWith("Authorization")))
          return send(res, 401, {
            error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" },
          });
        if (problems.length)
          return send(res, 400, { error: { code: 400, message: problems.join("; "), status: "INVALID_ARGUMENT" } });
        return answer(res, "fcm", () => {
          deliver("fcm", message);
          return [200, { name: `projects/beckon-test/messages/${randomUUID()}` }];
        });
      }

      // ───── APNs ─────
      const apns = /^\/3\/device\/([0-9a-fA-F]+)$/.exec(p);
      if (apns) {
        const problems: string[] = [];
        if (req.method !== "POST") problems.push("method must be POST");
        const c = creds();
        const jwt = headers.authorization?.replace(/^bearer /i, "") ?? "";
        const claims = verifyJwt(jwt, apnsKey.publicKey, "SHA256", problems, true);
        const header = jwtHeader(jwt);
        if (claims && claims.iss !== c.apns.teamId) problems.push("iss must be the team id");
        if (header?.kid !== c.apns.keyId || header?.alg !== "ES256")
          problems.push("JWT header must be {alg: ES256, kid: key id}");
        if (headers["apns-topic"] !== c.apns.topic) problems.push("apns-topic must be the bundle id");
        if (!["alert", "background"].includes(headers["apns-push-type"] ?? "")) problems.push("apns-push-type");
        const json = parseJson(body, problems) as { aps?: { alert?: unknown } } | null;
        if (!json?.aps) problems.push("payload must have aps");
        record("apns", req, url, headers, body, problems);
        if (problems.length) return send(res, 403, { reason: "InvalidProviderToken" });
        return answer(res, "apns", () => {
          deliver("apns", { token: apns[1], payload: json });
          return [200, null, { "apns-id": randomUUID().toUpperCase() }];
        });
      }

      // ───── Twilio Messages ─────
      const tw = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(p);
      if (tw) {
        const c = creds();
        const problems: string[] = [];
        if (req.method !== "POST") problems.push("method must be POST");
        if (
          headers.authorization !==
          `Basic ${Buffer.from(`${c.twilio.accountSid}:${c.twilio.authToken}`).toString("base64")}`
        )
          problems.push("Basic auth AccountSid:AuthToken required");
        if (tw[1] !== c.twilio.accountSid) problems.push("AccountSid in the path");
        if (!headers["content-type"]?.startsWith("application/x-www-form-urlencoded"))
          problems.push("content-type must be form-urlencoded");
        const form = new URLSearchParams(body);
        const params: Record<string, string | string[]> = {};
        for (const [k, v] of form) params[k] = k === "MediaUrl" ? [...((params[k] as string[]) ?? []), v] : v;
        problems.push(
          ...twilioSpec.validate(
            params,
            "#/paths/~12010-04-01~1Accounts~1{AccountSid}~1Messages.json/post/requestBody/content/application~1x-www-form-urlencoded/schema",
          ),
        );
        if (!params.From && !params.MessagingServiceSid) problems.push("From or MessagingServiceSid required");
        if (!params.Body && !params.MediaUrl && !params.ContentSid)
          problems.push("Body, MediaUrl or ContentSid required");
        record("twilio", req, url, headers, body, problems);
        if (problems.length)
          return send(res, problems[0]!.startsWith("Basic") ? 401 : 400, {
            code: 21601,
            message: problems.join("; "),
            status: 400,
          });
        return answer(res, "twilio", () => {
          const sid = `SM${randomUUID().replace(/-/g, "")}`;
          deliver("twilio", { sid, ...params });
          return [
            201,
            {
              sid,
              status: "queued",
              to: params.To,
              from: params.From ?? null,
              body: params.Body,
              account_sid: c.twilio.accountSid,
            },
          ];
        });
      }

      // ───── Resend ─────
      if (p === "/emails") {
        const problems: string[] = [];
        if (req.method !== "POST") problems.push("method must be POST");
        if (headers.authorization !== `Bearer ${creds().resendKey}`) problems.push("Authorization: Bearer <API key>");
        const key = headers["idempotency-key"];
        if (key !== undefined && (key.length === 0 || key.length > 256))
          problems.push("Idempotency-Key must be 1–256 chars");
        const json = parseJson(body, problems);
        if (json) problems.push(...resendSpec.validate(json, "#/components/schemas/SendEmailRequest"));
        record("resend", req, url, headers, body, problems);
        if (problems.length)
          return send(res, problems[0]!.startsWith("Authorization") ? 401 : 422, {
            statusCode: 422,
            name: "validation_error",
            message: problems.join("; "),
          });
        return answer(res, "resend", () => {
          if (key && state.idempotency.has(`resend:${key}`))
            return [200, { id: state.idempotency.get(`resend:${key}`) }];
          const id = randomUUID();
          if (key) state.idempotency.set(`resend:${key}`, id);
          deliver("resend", { id, ...(json as object), idempotencyKey: key });
          return [200, { id }];
        });
      }

      // ───── SendGrid ─────
      if (p === "/v3/mail/send") {
        const problems: string[] = [];
        if (req.method !== "POST") problems.push("method must be POST");
        if (headers.authorization !== `Bearer ${creds().sendgridKey}`) problems.push("Authorization: Bearer <API key>");
        const json = parseJson(body, problems);
        if (json)
          problems.push(
            ...sendgridSpec.validate(json, "#/components/requestBodies/PostMailSend/content/application~1json/schema"),
          );
        record("sendgrid", req, url, headers, body, problems);
        if (problems.length)
          return send(res, problems[0]!.startsWith("Authorization") ? 401 : 400, {
            errors: problems.map((m) => ({ message: m, field: null })),
          });
        return answer(res, "sendgrid", () => {
          const id = randomUUID().replace(/-/g, "").slice(0, 22);
          deliver("sendgrid", { id, ...(json as object) });
          return [202, null, { "x-message-id": id }];
        });
      }

      // ───── WhatsApp Cloud API ─────
      const wa = /^\/(v\d+\.\d+)\/([^/]+)\/messages$/.exec(p);
      if (wa) {
        const c = creds();
        const problems: string[] = [];
        if (req.method !== "POST") problems.push("method must be POST");
        if (headers.authorization !== `Bearer ${c.whatsapp.token}`) problems.push("Authorization: Bearer <token>");
        if (wa[2] !== c.whatsapp.phoneNumberId) problems.push("phone number id in the path");
        if (!headers["content-type"]?.startsWith("application/json"))
          problems.push("content-type must be application/json");
        const json = parseJson(body, problems);
        if (json) problems.push(...whatsappSpec.validate(json, "#/components/schemas/Message"));
        record("whatsapp", req, url, headers, body, problems);
        if (problems.length)
          return send(res, 400, {
            error: { message: problems.join("; "), type: "OAuthException", code: 100, fbtrace_id: "x" },
          });
        return answer(res, "whatsapp", () => {
          const id = `wamid.${randomUUID()}`;
          deliver("whatsapp", { id, ...(json as object) });
          return [
            200,
            {
              messaging_product: "whatsapp",
              contacts: [{ input: (json as { to: string }).to, wa_id: (json as { to: string }).to }],
              messages: [{ id }],
            },
          ];
        });
      }

      // ───── the operator's webhook receiver ─────
      if (p === "/hook") {
        const problems: string[] = [];
        const sig = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers["x-beckon-signature"] ?? "");
        if (!sig) problems.push("X-Beckon-Signature: t=<unix>,v1=<hex>");
        else if (createHmac("sha256", creds().webhookSecret).update(`${sig[1]}.${body}`).digest("hex") !== sig[2])
          problems.push("signature does not match");
        if (!headers["x-beckon-idempotency-key"]) problems.push("X-Beckon-Idempotency-Key");
        parseJson(body, problems);
        record("webhook", req, url, headers, body, problems);
        if (problems.length) return send(res, 401, { problems });
        return answer(res, "webhook", () => {
          deliver("webhook", JSON.parse(body));
          return [200, { ok: true }];
        });
      }
      send(res, 404, { error: `fake: no route ${req.method} ${p}` });
    }

    function record(
      provider: string,
      req: IncomingMessage,
      url: URL,
      headers: Record<string, string>,
      body: string,
      problems: string[],
    ): void {
      state.requests.push({
        provider,
        method: req.method ?? "",
        path: url.pathname + url.search,
        headers,
        body,
        problems,
      });
    }
    function deliver(provider: string, item: unknown): void {
      (state.inbox[provider] ??= []).push(item);
    }
    /** A scripted answer if one is queued, else the provider's success (which delivers). */
    async function answer(
      res: ServerResponse,
      provider: string,
      success: () => [number, unknown, Record<string, string>?],
    ): Promise<void> {
      const s = nextScript(provider);
      if (s?.hang) return; // never answer; nothing delivered
      if (s && s.status >= 200 && s.status < 300) {
        const [status, body, headers] = success();
        if (s.delayMs) await new Promise((r) => setTimeout(r, s.delayMs));
        // A scripted body replaces the answer (e.g. a known message id), after delivering.
        return send(res, s.body !== undefined ? s.status : status, s.body !== undefined ? s.body : body, {
          ...headers,
          ...s.headers,
        });
      }
      if (s) return send(res, s.status, s.body ?? null, s.headers);
      const [status, body, headers] = success();
      send(res, status, body, headers);
    }
    return route;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  rootUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  return { url: rootUrl, credentials: credsFor(rootUrl), close: () => new Promise((r) => server.close(() => r())) };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = body === null || body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { "content-type": "application/json" } : {}), ...headers });
  res.end(text);
}

function parseJson(body: string, problems: string[]): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    problems.push("body is not JSON");
    return null;
  }
}

function jwtHeader(jwt: string): Record<string, unknown> | null {
  try {
    return JSON.parse(Buffer.from(jwt.split(".")[0] ?? "", "base64url").toString()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Verifies a compact JWS with Node crypto (RS256, or ES256 with raw r‖s signatures). */
function verifyJwt(
  jwt: string,
  key: KeyObject,
  alg: string,
  problems: string[],
  ecdsa = false,
): Record<string, unknown> | null {
  const parts = jwt.split(".");
  if (parts.length !== 3) {
    problems.push("not a JWT");
    return null;
  }
  const verifier = createVerify(alg);
  verifier.update(`${parts[0]}.${parts[1]}`);
  const sig = Buffer.from(parts[2]!, "base64url");
  const ok = ecdsa ? verifier.verify({ key, dsaEncoding: "ieee-p1363" }, sig) : verifier.verify(key, sig);
  if (!ok) {
    problems.push("JWT signature invalid");
    return null;
  }
  return JSON.parse(Buffer.from(parts[1]!, "base64url").toString()) as Record<string, unknown>;
}
