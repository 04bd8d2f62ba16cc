import { importPKCS8, SignJWT } from "jose";
import type { SendJob } from "../../domain/delivery/send-job";
import {
  collapseId,
  fetchWithTimeout,
  readJson,
  type DeliveryTarget,
  type ProviderAdapter,
  type SendContext,
  type SendOutcome,
} from "./types";
import { parseRetryAfter } from "../retry";
import { setBounded } from "../../kernel/bounded-map";

/**
 * Firebase Cloud Messaging HTTP v1: `POST {base}/v1/projects/{project}/messages:send` with an
 * OAuth2 access token obtained by signing a service-account JWT (RFC 7523 bearer grant).
 * One message per token (v1 has no multicast). Android, iOS (through the `apns` block) and web.
 */
export interface ServiceAccount {
  project_id: string;
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";
const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** Access tokens live 1 h; renew 5 minutes before, so a request never carries one about to expire. */
const TOKEN_RENEW_BEFORE_MS = 5 * 60_000;

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}
/** Per isolate, per service account: one token exchange per hour, not per message. */
const tokenCache = new Map<string, Promise<CachedToken>>();
const MAX_CACHED_TOKENS = 100;

export function parseServiceAccount(json: string): ServiceAccount {
  const sa = JSON.parse(json) as Partial<ServiceAccount>;
  if (!sa.project_id || !sa.client_email || !sa.private_key)
    throw new Error("FCM_SERVICE_ACCOUNT_JSON needs project_id, client_email and private_key");
  return sa as ServiceAccount;
}

export async function accessToken(sa: ServiceAccount, ctx: SendContext, tokenUrl?: string): Promise<string> {
  const key = sa.client_email;
  const cached = tokenCache.get(key);
  if (cached) {
    const token = await cached.catch(() => null);
    if (token && token.expiresAt - TOKEN_RENEW_BEFORE_MS > ctx.now) return token.accessToken;
  }
  const exchange = exchangeToken(sa, ctx, tokenUrl ?? sa.token_uri ?? GOOGLE_TOKEN_URI);
  setBounded(tokenCache, key, exchange, MAX_CACHED_TOKENS);
  try {
    return (await exchange).accessToken;
  } catch (err) {
    if (tokenCache.get(key) === exchange) tokenCache.delete(key);
    throw err;
  }
}

export function forgetAccessToken(sa: ServiceAccount): void {
  tokenCache.delete(sa.client_email);
}

async function exchangeToken(sa: ServiceAccount, ctx: SendContext, tokenUrl: string): Promise<CachedToken> {
  const iat = Math.floor(ctx.now / 1000);
  const key = await importPKCS8(sa.private_key, "RS256");
  const assertion = await new SignJWT({ scope: FCM_SCOPE })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", ...(sa.private_key_id ? { kid: sa.private_key_id } : {}) })
    .setIssuer(sa.client_email)
    .setAudience(sa.token_uri ?? GOOGLE_TOKEN_URI)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 3600)
    .sign(key);
  const res = await fetchWithTimeout(ctx, tokenUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString(),
  });
  if ("timeout" in res) throw new Error(`FCM token exchange: ${res.error}`);
  const body = await readJson(res);
  if (!res.ok || typeof body?.access_token !== "string")
    throw new Error(`FCM token exchange failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  const expiresIn = typeof body.expires_in === "number" ? body.expires_in : 3600;
  return { accessToken: body.access_token, expiresAt: ctx.now + expiresIn * 1000 };
}

/** The v1 `Message` for one device, in the discovery document's JSON names. */
export function fcmMessage(
  job: SendJob,
  token: string,
  platform: "android" | "ios" | "web",
  collapse: string,
): Record<string, unknown> {
  const c = job.content;
  const data: Record<string, string> = {
    ...(c.data ?? {}),
    beckon_key: job.idempotencyKey,
    beckon_campaign: job.campaignId,
  };
  if (c.deepLink) data.beckon_deep_link = c.deepLink;
  const notification: Record<string, string> = {};
  if (c.title) notification.title = c.title;
  if (c.body) notification.body = c.body;
  if (c.imageUrl) notification.image = c.imageUrl;
  const label = job.campaignId.replace(/[^a-zA-Z0-9\-_.~%]/g, "_").slice(0, 50) || "beckon";
  const message: Record<string, unknown> = { token, data, fcmOptions: { analyticsLabel: label } };
  if (Object.keys(notification).length > 0) message.notification = notification;
  if (platform === "android")
    message.android = {
      priority: "HIGH",
      notification: { tag: collapse, ...(c.deepLink ? { clickAction: c.deepLink } : {}) },
    };
  if (platform === "ios")
    message.apns = {
      headers: { "apns-priority": "10", "apns-push-type": "alert", "apns-collapse-id": collapse },
      payload: { aps: { "mutable-content": 1, sound: "default" } },
      ...(c.imageUrl ? { fcmOptions: { image: c.imageUrl } } : {}),
    };
  if (platform === "web")
    message.webpush = {
      headers: { Topic: collapse },
      ...(c.deepLink?.startsWith("https://") ? { fcmOptions: { link: c.deepLink } } : {}),
    };
  return message;
}

/** The FcmError code from an error body (`details[@type=…FcmError].errorCode`), else the canonical status. */
export function fcmErrorCode(body: Record<string, unknown> | null): string {
  const error = body?.error as
    | { status?: string; details?: Array<{ "@type"?: string; errorCode?: string }> }
    | undefined;
  const detail = error?.details?.find((d) => d["@type"]?.endsWith("google.firebase.fcm.v1.FcmError"));
  return detail?.errorCode ?? error?.status ?? "UNKNOWN";
}

/** Maps FCM's documented error codes (ErrorCode enum of the v1 API) to an outcome. */
export function classifyFcmError(
  status: number,
  body: Record<string, unknown> | null,
  token: string,
  retryAfter: number | undefined,
): SendOutcome {
  const code = fcmErrorCode(body);
  const message = String((body?.error as { message?: string } | undefined)?.message ?? "");
  const error = `FCM ${status} ${code}${message ? `: ${message}` : ""}`;
  switch (code) {
    case "UNREGISTERED":
      return { kind: "failed", error, feedback: { kind: "invalid_token", token, reason: "fcm:UNREGISTERED" } };
    case "SENDER_ID_MISMATCH":
      return { kind: "failed", error, feedback: { kind: "invalid_token", token, reason: "fcm:SENDER_ID_MISMATCH" } };
    case "INVALID_ARGUMENT":
      // The same code covers a malformed token and a malformed message; only the former is the device's fault.
      return /registration token/i.test(message)
        ? { kind: "failed", error, feedback: { kind: "invalid_token", token, reason: "fcm:INVALID_ARGUMENT" } }
        : { kind: "failed", error };
    case "QUOTA_EXCEEDED":
    case "UNAVAILABLE":
    case "INTERNAL":
      return { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
    case "UNAUTHENTICATED":
      // Our access token was refused (revoked or clock skew): fetch a new one and try again.
      return { kind: "retry", error, invalidateAuth: true };
    default:
      if (status === 429 || status >= 500)
        return { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
      return { kind: "failed", error };
  }
}

export function fcmAdapter(
  sa: ServiceAccount,
  baseUrl = "https://fcm.googleapis.com",
  tokenUrl?: string,
): ProviderAdapter {
  return {
    provider: "fcm",
    idempotent: true,
    account: sa.project_id,
    async send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome> {
      const device = target.push!;
      let token: string;
      try {
        token = await accessToken(sa, ctx, tokenUrl);
      } catch (err) {
        return { kind: "retry", error: String((err as Error).message ?? err) };
      }
      const res = await fetchWithTimeout(
        ctx,
        `${baseUrl.replace(/\/$/, "")}/v1/projects/${encodeURIComponent(sa.project_id)}/messages:send`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json; charset=UTF-8" },
          body: JSON.stringify({
            message: fcmMessage(job, device.token, device.platform, await collapseId(job.idempotencyKey)),
          }),
        },
      );
      if ("timeout" in res) return { kind: "retry", error: `FCM ${res.error}` };
      const body = await readJson(res);
      if (res.ok && typeof body?.name === "string") return { kind: "sent", providerMessageId: body.name };
      const outcome = classifyFcmError(
        res.status,
        body,
        device.token,
        parseRetryAfter(res.headers.get("retry-after"), ctx.now),
      );
      if (outcome.kind === "retry" && outcome.invalidateAuth) forgetAccessToken(sa);
      return outcome;
    },
  };
}
