import { bytesToHex } from "./channels/types";

/**
 * One-click unsubscribe links (RFC 8058) for marketing email. The link names the app and the
 * person's UserObject and carries an HMAC over both, so it cannot be forged to unsubscribe
 * someone else, and it needs no database lookup.
 */
export interface UnsubscribeTarget {
  appId: string;
  userObject: string;
  /** The send it came from, for attribution (not signed: it changes nothing). */
  idempotencyKey?: string;
}

async function mac(secret: string, t: UnsubscribeTarget): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const sig = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`unsubscribe\n${t.appId}\n${t.userObject}`),
  );
  return bytesToHex(new Uint8Array(sig)).slice(0, 32);
}

export async function unsubscribeUrl(publicUrl: string, secret: string, t: UnsubscribeTarget): Promise<string> {
  const q = new URLSearchParams({ a: t.appId, u: t.userObject, s: await mac(secret, t) });
  if (t.idempotencyKey) q.set("k", t.idempotencyKey);
  return `${publicUrl.replace(/\/$/, "")}/v1/unsubscribe?${q.toString()}`;
}

/** The target named by a link's query, if its signature is right. */
export async function verifyUnsubscribe(secret: string, query: URLSearchParams): Promise<UnsubscribeTarget | null> {
  const appId = query.get("a");
  const userObject = query.get("u");
  const s = query.get("s");
  if (!appId || !userObject || !s) return null;
  // The object name must belong to the app it claims (names are `<appId>/u/<id>` or `<appId>/a/<id>`).
  if (!userObject.startsWith(`${appId}/`)) return null;
  const expected = await mac(secret, { appId, userObject });
  if (expected.length !== s.length) return null;
  let diff = 0;
  for (let i = 0; i < s.length; i++) diff |= s.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0 ? { appId, userObject, ...(query.get("k") ? { idempotencyKey: query.get("k")! } : {}) } : null;
}
