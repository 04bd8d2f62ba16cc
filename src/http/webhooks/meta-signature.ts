import { bytesToHex, hmac, safeEqual } from "./crypto-util";

/** Meta (WhatsApp Cloud API) webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`. */
export async function verifyMetaSignature(
  appSecret: string,
  header: string | undefined,
  body: Uint8Array,
): Promise<boolean> {
  if (!header?.startsWith("sha256=")) return false;
  const expected = `sha256=${bytesToHex(await hmac("SHA-256", appSecret, body))}`;
  return safeEqual(header.toLowerCase(), expected);
}
