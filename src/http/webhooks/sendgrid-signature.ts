import { base64ToBytes } from "./crypto-util";

/**
 * SendGrid Signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature` is a base64 DER
 * ECDSA P-256/SHA-256 signature over `timestamp + raw body`, where the timestamp is the
 * `X-Twilio-Email-Event-Webhook-Timestamp` header; the verification key is the base64 DER
 * (SPKI) public key shown in SendGrid's settings.
 */
export async function verifySendgrid(
  publicKeyBase64: string,
  signatureBase64: string | undefined,
  timestamp: string | undefined,
  body: Uint8Array,
): Promise<boolean> {
  if (!signatureBase64 || !timestamp) return false;
  try {
    const key = await crypto.subtle.importKey(
      "spki",
      base64ToBytes(publicKeyBase64),
      { name: "ECDSA", namedCurve: "P-256" },
      false,
      ["verify"],
    );
    const signature = derToP1363(base64ToBytes(signatureBase64), 32);
    const data = new Uint8Array([...new TextEncoder().encode(timestamp), ...body]);
    return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data);
  } catch {
    return false;
  }
}

/** ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }` → r‖s (WebCrypto's IEEE P1363 format). */
export function derToP1363(der: Uint8Array, size: number): Uint8Array {
  let i = 0;
  if (der[i++] !== 0x30) throw new Error("not a DER sequence");
  let len = der[i++]!;
  if (len & 0x80) i += len & 0x7f;
  const out = new Uint8Array(size * 2);
  for (let part = 0; part < 2; part++) {
    if (der[i++] !== 0x02) throw new Error("not a DER integer");
    len = der[i++]!;
    let int = der.slice(i, i + len);
    i += len;
    while (int.length > size && int[0] === 0) int = int.slice(1);
    if (int.length > size) throw new Error("integer too long");
    out.set(int, part * size + (size - int.length));
  }
  return out;
}
