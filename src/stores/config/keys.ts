/** API keys: random secrets shown once; only their SHA-256 hashes are stored. */
/** `server` keys are write keys for trusted backends: secret, Basic auth only, exempt from identity verification. */
export type KeyKind = "write" | "admin" | "server";

const PREFIX: Record<KeyKind, string> = { write: "bk_w_", admin: "bk_a_", server: "bk_s_" };
export const SERVER_KEY_PREFIX = PREFIX.server;

/** The kind a key's prefix announces (keys set by hand, such as the demo's, have none). */
export function kindOfKey(key: string): KeyKind | undefined {
  return (Object.keys(PREFIX) as KeyKind[]).find((k) => key.startsWith(PREFIX[k]));
}

export function generateKey(kind: KeyKind): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return PREFIX[kind] + s;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let s = "";
  for (const b of new Uint8Array(digest)) s += b.toString(16).padStart(2, "0");
  return s;
}

export const hashKey = sha256Hex;

/** The first characters of a key, stored so an operator can tell keys apart. */
export function keyPrefix(key: string): string {
  return key.slice(0, 10);
}
