import { encryptNotification } from "@block65/webcrypto-web-push";
import type { SendJob } from "../../domain/delivery/send-job";
import { parseRetryAfter } from "../retry";
import {
  collapseId,
  fetchWithTimeout,
  type DeliveryTarget,
  type ProviderAdapter,
  type SendContext,
  type SendOutcome,
} from "./types";
import { setBounded } from "../../kernel/bounded-map";

/**
 * Web Push (RFC 8030) with an encrypted payload (RFC 8291, `aes128gcm`, via
 * @block65/webcrypto-web-push) and VAPID authentication (RFC 8292): the JWT is signed here
 * with WebCrypto and reused per push-service origin for up to 12 hours.
 */
export interface VapidKeys {
  /** `mailto:` or `https:` contact for push services. */
  subject: string;
  /** Uncompressed P-256 public key (65 bytes), base64url: the `applicationServerKey` browsers subscribed with. */
  publicKey: string;
  /** The private scalar `d`, base64url. */
  privateKey: string;
}

const JWT_LIFETIME_S = 12 * 3600;
/** One VAPID JWT per key and push service origin (few), capped all the same. */
const jwtCache = new Map<string, { jwt: Promise<string>; expiresAt: number }>();
const MAX_CACHED_JWTS = 1000;

function b64urlToBytes(s: string): Uint8Array {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}
function bytesToB64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
const jsonB64url = (v: unknown) => bytesToB64url(new TextEncoder().encode(JSON.stringify(v)));

/** `Authorization: vapid t=<jwt>, k=<public key>` for a push service origin. */
export async function vapidAuthorization(keys: VapidKeys, audience: string, now: number): Promise<string> {
  const cacheKey = `${keys.publicKey}|${audience}`;
  const hit = jwtCache.get(cacheKey);
  // Renew an hour before expiry so a slow push service never sees an expired token.
  if (!hit || hit.expiresAt - 3600_000 < now) {
    const exp = Math.floor(now / 1000) + JWT_LIFETIME_S;
    setBounded(
      jwtCache,
      cacheKey,
      { jwt: signVapid(keys, { aud: audience, exp, sub: keys.subject }), expiresAt: exp * 1000 },
      MAX_CACHED_JWTS,
    );
  }
  return `vapid t=${await jwtCache.get(cacheKey)!.jwt}, k=${keys.publicKey}`;
}

async function signVapid(keys: VapidKeys, claims: Record<string, unknown>): Promise<string> {
  const pub = b64urlToBytes(keys.publicKey);
  const key = await crypto.subtle.importKey(
    "jwk",
    {
      kty: "EC",
      crv: "P-256",
      x: bytesToB64url(pub.slice(1, 33)),
      y: bytesToB64url(pub.slice(33, 65)),
      d: keys.privateKey,
      ext: true,
    },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const signingInput = `${jsonB64url({ typ: "JWT", alg: "ES256" })}.${jsonB64url(claims)}`;
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, new TextEncoder().encode(signingInput));
  return `${signingInput}.${bytesToB64url(new Uint8Array(sig))}`;
}

/** What the service worker receives (JSON in the encrypted body). */
export function webPushPayload(job: SendJob): Record<string, unknown> {
  const c = job.content;
  return {
    title: c.title ?? "",
    body: c.body ?? "",
    ...(c.imageUrl ? { image: c.imageUrl } : {}),
    ...(c.deepLink ? { url: c.deepLink } : {}),
    data: { ...(c.data ?? {}), beckon_key: job.idempotencyKey, beckon_campaign: job.campaignId },
  };
}

/** RFC 8030 §5 / push services' documented answers → outcome. */
export function classifyWebPushError(
  status: number,
  endpoint: string,
  text: string,
  retryAfter: number | undefined,
): SendOutcome {
  const error = `Web Push ${status}${text ? `: ${text.slice(0, 200)}` : ""}`;
  if (status === 404 || status === 410)
    return { kind: "failed", error, feedback: { kind: "invalid_token", token: endpoint, reason: `webpush:${status}` } };
  if (status === 429 || status >= 500)
    return { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
  return { kind: "failed", error };
}

/**
 * `allowInsecure` admits `http:` endpoints (a local push service in tests); real push
 * services are always https.
 */
export function webPushAdapter(keys: VapidKeys, opts: { allowInsecure?: boolean } = {}): ProviderAdapter {
  return {
    provider: "webpush",
    idempotent: true,
    account: keys.publicKey.slice(0, 16),
    async send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome> {
      const sub = target.push?.subscription;
      if (!sub)
        return {
          kind: "failed",
          error: "Web Push target without a subscription",
          feedback: { kind: "invalid_token", token: target.key, reason: "webpush:no-subscription" },
        };
      let url: URL;
      try {
        url = new URL(sub.endpoint);
      } catch {
        return {
          kind: "failed",
          error: "invalid Web Push endpoint",
          feedback: { kind: "invalid_token", token: target.key, reason: "webpush:bad-endpoint" },
        };
      }
      if (url.protocol !== "https:" && !opts.allowInsecure)
        return {
          kind: "failed",
          error: "Web Push endpoint is not https",
          feedback: { kind: "invalid_token", token: target.key, reason: "webpush:insecure" },
        };
      let body: Uint8Array;
      try {
        body = await encryptNotification(
          { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys },
          new TextEncoder().encode(JSON.stringify(webPushPayload(job))),
        );
      } catch (err) {
        // Keys that cannot be used for ECDH mean the subscription is corrupt: drop it.
        return {
          kind: "failed",
          error: `Web Push encryption failed: ${String((err as Error).message ?? err)}`,
          feedback: { kind: "invalid_token", token: target.key, reason: "webpush:bad-keys" },
        };
      }
      const res = await fetchWithTimeout(ctx, sub.endpoint, {
        method: "POST",
        headers: {
          authorization: await vapidAuthorization(keys, url.origin, ctx.now),
          ttl: String(4 * 7 * 86400),
          urgency: "normal",
          // RFC 8030 §5.4: a second copy of the same send replaces an undelivered first one.
          topic: await collapseId(job.idempotencyKey),
          "content-encoding": "aes128gcm",
          "content-type": "application/octet-stream",
        },
        body,
      });
      if ("timeout" in res) return { kind: "retry", error: `Web Push ${res.error}` };
      if (res.status === 201 || res.status === 200 || res.status === 202)
        return {
          kind: "sent",
          providerMessageId: res.headers.get("location") ?? `webpush:${job.idempotencyKey}:${target.key.slice(-16)}`,
        };
      return classifyWebPushError(
        res.status,
        target.key,
        await res.text().catch(() => ""),
        parseRetryAfter(res.headers.get("retry-after"), ctx.now),
      );
    },
  };
}
