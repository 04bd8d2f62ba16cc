import { bytesToBase64, hmac, safeEqual } from "./crypto-util";

/**
 * Twilio request validation: `X-Twilio-Signature` = base64(HMAC-SHA1(auth token, full URL +
 * each POST parameter name and value, sorted by name)). The URL is the one Twilio called, i.e.
 * our PUBLIC_URL + path + query, not the URL the Worker sees behind proxies.
 */
export async function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): Promise<string> {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const v = params[key]!;
    for (const value of Array.isArray(v) ? [...v].sort() : [v]) data += key + value;
  }
  return bytesToBase64(await hmac("SHA-1", authToken, data));
}

/** Twilio's own helper also accepts the URL with the default port added or removed; so do we. */
function urlVariants(url: string): string[] {
  const u = new URL(url);
  const variants = [url];
  const defaultPort = u.protocol === "https:" ? "443" : "80";
  if (u.port) {
    u.port = "";
    variants.push(u.toString());
  } else {
    variants.push(`${u.protocol}//${u.hostname}:${defaultPort}${u.pathname}${u.search}`);
  }
  return variants;
}

export async function verifyTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string | string[]>,
): Promise<boolean> {
  if (!signature) return false;
  for (const candidate of urlVariants(url))
    if (safeEqual(await twilioSignature(authToken, candidate, params), signature)) return true;
  return false;
}
