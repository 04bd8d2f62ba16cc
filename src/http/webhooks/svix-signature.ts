import { base64ToBytes, bytesToBase64, hmac, safeEqual } from "./crypto-util";

/**
 * Svix webhook signatures (used by Resend): `svix-signature` holds space-separated `v1,<base64>`
 * entries, each HMAC-SHA256 over `${svix-id}.${svix-timestamp}.${body}` with the secret's bytes
 * (the base64 after `whsec_`). Timestamps more than 5 minutes off are refused (replay window).
 */
export const SVIX_TOLERANCE_S = 5 * 60;

export async function svixSignature(secret: string, id: string, timestamp: string, body: string): Promise<string> {
  const key = base64ToBytes(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  return `v1,${bytesToBase64(await hmac("SHA-256", key, `${id}.${timestamp}.${body}`))}`;
}

export async function verifySvix(
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: string,
  nowMs: number,
): Promise<boolean> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SVIX_TOLERANCE_S) return false;
  const expected = await svixSignature(secret, id, timestamp, body);
  return signature.split(" ").some((s) => safeEqual(s.trim(), expected));
}
