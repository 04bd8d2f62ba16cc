import { importPKCS8, SignJWT } from "jose";
import type { SendJob } from "../../domain/delivery/send-job";
import { parseRetryAfter } from "../retry";
import {
  collapseId,
  fetchWithTimeout,
  readJson,
  type DeliveryTarget,
  type ProviderAdapter,
  type SendContext,
  type SendOutcome,
} from "./types";
import { setBounded } from "../../kernel/bounded-map";

/**
 * Apple Push Notification service, token-based auth: `POST {base}/3/device/{token}` with an
 * ES256 provider token (`kid` = key id, `iss` = team id). Apple rejects tokens refreshed more
 * often than every 20 minutes and older than 60, so one is reused for 40 minutes.
 * Apple's endpoints accept HTTP/2 only; the tests' fake speaks HTTP/1.1, so reaching Apple from the
 * Workers runtime must be confirmed in a real deployment (FCM's `apns` block is the tested iOS path).
 */
export interface ApnsCredentials {
  teamId: string;
  keyId: string;
  /** The .p8 key (PKCS#8 PEM). */
  privateKey: string;
  /** The app's bundle id: the `apns-topic`. */
  topic: string;
}

export const APNS_TOKEN_REUSE_MS = 40 * 60_000;
const tokens = new Map<string, { jwt: Promise<string>; issuedAt: number }>();
const MAX_CACHED_TOKENS = 100;

export function providerToken(creds: ApnsCredentials, now: number): Promise<string> {
  const key = `${creds.teamId}:${creds.keyId}`;
  const cached = tokens.get(key);
  if (cached && now - cached.issuedAt < APNS_TOKEN_REUSE_MS) return cached.jwt;
  const jwt = (async () => {
    const k = await importPKCS8(creds.privateKey, "ES256");
    return new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: creds.keyId })
      .setIssuer(creds.teamId)
      .setIssuedAt(Math.floor(now / 1000))
      .sign(k);
  })();
  setBounded(tokens, key, { jwt, issuedAt: now }, MAX_CACHED_TOKENS);
  jwt.catch(() => tokens.delete(key));
  return jwt;
}

function forgetToken(creds: ApnsCredentials): void {
  tokens.delete(`${creds.teamId}:${creds.keyId}`);
}

export function apnsPayload(job: SendJob): Record<string, unknown> {
  const c = job.content;
  const alert: Record<string, string> = {};
  if (c.title) alert.title = c.title;
  if (c.body) alert.body = c.body;
  return {
    aps: { alert, sound: "default", "mutable-content": 1 },
    ...(c.data ?? {}),
    beckon_key: job.idempotencyKey,
    beckon_campaign: job.campaignId,
    ...(c.deepLink ? { beckon_deep_link: c.deepLink } : {}),
    ...(c.imageUrl ? { beckon_image: c.imageUrl } : {}),
  };
}

/** APNs `reason` values (Apple's "Handling notification responses from APNs") → outcome. */
export function classifyApnsError(
  status: number,
  reason: string,
  token: string,
  retryAfter: number | undefined,
): SendOutcome {
  const error = `APNs ${status} ${reason}`;
  if (status === 410 || reason === "Unregistered" || reason === "BadDeviceToken") {
    return { kind: "failed", error, feedback: { kind: "invalid_token", token, reason: `apns:${reason || status}` } };
  }
  // The token is fine but belongs to another app than APNS_TOPIC (or the topic itself is wrong):
  // Beckon's configuration is at fault, so keep the device and retry until the operator fixes it.
  if (
    reason === "DeviceTokenNotForTopic" ||
    reason === "TopicDisallowed" ||
    reason === "BadTopic" ||
    reason === "MissingTopic"
  ) {
    return { kind: "retry", error: `configuration error: ${error} (check APNS_TOPIC)` };
  }
  if (reason === "ExpiredProviderToken" || reason === "InvalidProviderToken")
    return { kind: "retry", error, invalidateAuth: true };
  if (status === 429 || status >= 500)
    return { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
  return { kind: "failed", error };
}

export function apnsAdapter(creds: ApnsCredentials, baseUrl = "https://api.push.apple.com"): ProviderAdapter {
  return {
    provider: "apns",
    idempotent: true,
    account: `${creds.teamId}:${creds.topic}`,
    async send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome> {
      const token = target.push!.token;
      let jwt: string;
      try {
        jwt = await providerToken(creds, ctx.now);
      } catch (err) {
        // A bad APNS_PRIVATE_KEY is a configuration error: retried, then dead-lettered (replayable once fixed).
        return {
          kind: "retry",
          error: `configuration error: APNS_PRIVATE_KEY is unusable: ${String((err as Error).message ?? err)}`,
        };
      }
      const res = await fetchWithTimeout(ctx, `${baseUrl.replace(/\/$/, "")}/3/device/${encodeURIComponent(token)}`, {
        method: "POST",
        headers: {
          authorization: `bearer ${jwt}`,
          "apns-topic": creds.topic,
          "apns-push-type": "alert",
          "apns-priority": "10",
          "apns-expiration": String(Math.floor(ctx.now / 1000) + 7 * 86400),
          "apns-collapse-id": await collapseId(job.idempotencyKey),
          "content-type": "application/json",
        },
        body: JSON.stringify(apnsPayload(job)),
      });
      if ("timeout" in res) return { kind: "retry", error: `APNs ${res.error}` };
      if (res.status === 200)
        return { kind: "sent", providerMessageId: res.headers.get("apns-id") ?? `apns:${job.idempotencyKey}` };
      const body = await readJson(res);
      const outcome = classifyApnsError(
        res.status,
        String(body?.reason ?? ""),
        token,
        parseRetryAfter(res.headers.get("retry-after"), ctx.now),
      );
      if (outcome.kind === "retry" && outcome.invalidateAuth) forgetToken(creds);
      return outcome;
    },
  };
}
