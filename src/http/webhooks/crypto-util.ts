/** Small WebCrypto helpers shared by the webhook signature verifiers. */
const enc = new TextEncoder();

export async function hmac(
  hash: "SHA-1" | "SHA-256",
  key: Uint8Array | string,
  data: string | Uint8Array,
): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    typeof key === "string" ? enc.encode(key) : key,
    { name: "HMAC", hash },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, typeof data === "string" ? enc.encode(data) : data));
}

export function base64ToBytes(b64: string): Uint8Array {
  const s = atob(
    b64.replace(/-/g, "+").replace(/_/g, "/").replace(/\s+/g, "") +
      "===".slice((b64.replace(/\s+/g, "").length + 3) % 4),
  );
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export const bytesToHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** Constant-time comparison of two strings (signatures). */
export function safeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
