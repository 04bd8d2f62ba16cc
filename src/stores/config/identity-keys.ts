import { decodeProtectedHeader, errors, exportJWK, importJWK, importSPKI, jwtVerify, type JWK } from "jose";
import { eq } from "drizzle-orm";
import { database } from "../d1/client";
import { identityKeys } from "../d1/schema";

/**
 * The keys an app's user tokens are verified with (docs/api.md "Identity verification"):
 * HS256 shared secrets (stored AES-GCM encrypted, see `sealSecret`) and ES256/RS256
 * public keys (stored as JWK). Imported keys are cached per isolate, per app and config
 * version (every key change bumps the version), so verifying a token reads no D1.
 */
export type IdentityAlg = "HS256" | "ES256" | "RS256";
export const IDENTITY_ALGS: readonly IdentityAlg[] = ["HS256", "ES256", "RS256"];

/** Used when the IDENTITY_KEYS_SECRET Worker secret is unset (local development and tests only). */
export const DEV_IDENTITY_KEYS_SECRET = "beckon-dev-identity-keys-secret";

const utf8 = (s: string) => new TextEncoder().encode(s);
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4)), (ch) =>
    ch.charCodeAt(0),
  );

export const newIdentityKeyId = () => `ik_${b64url(crypto.getRandomValues(new Uint8Array(9)))}`;
/** A fresh HS256 secret; its UTF-8 bytes are the HMAC key (what `new TextEncoder().encode(secret)` gives the backend). */
export const newHs256Secret = () => `bk_hs_${b64url(crypto.getRandomValues(new Uint8Array(32)))}`;

// ───────────────────────── secrets at rest ─────────────────────────

let sealing: { secret: string; key: Promise<CryptoKey> } | undefined;
function sealingKey(envSecret: string): Promise<CryptoKey> {
  if (sealing?.secret !== envSecret) {
    const key = crypto.subtle
      .importKey("raw", utf8(envSecret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: utf8("beckon identity keys v1"), info: new Uint8Array() },
          base,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    sealing = { secret: envSecret, key };
  }
  return sealing.key;
}

/** AES-256-GCM with a key derived (HKDF) from the Worker secret; `aad` binds the ciphertext to its app and key id. */
export async function sealSecret(envSecret: string, aad: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(aad) },
    await sealingKey(envSecret),
    utf8(plaintext),
  );
  return `v1.${b64url(iv)}.${b64url(new Uint8Array(ct))}`;
}

export async function openSecret(envSecret: string, aad: string, sealed: string): Promise<string> {
  const [v, iv, ct] = sealed.split(".");
  if (v !== "v1" || !iv || !ct) throw new Error("not a sealed secret");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromB64url(iv), additionalData: utf8(aad) },
    await sealingKey(envSecret),
    fromB64url(ct),
  );
  return new TextDecoder().decode(plain);
}

// ───────────────────────── public keys ─────────────────────────

/** A registered public key as the stored JWK, or the reason it cannot be used. */
export async function publicJwkOf(alg: "ES256" | "RS256", input: unknown): Promise<{ jwk: JWK } | { problem: string }> {
  let jwk: JWK;
  if (typeof input === "string") {
    if (/PRIVATE KEY/.test(input))
      return { problem: "this is a private key: register the public key (-----BEGIN PUBLIC KEY-----)" };
    try {
      jwk = await exportJWK(await importSPKI(input.trim(), alg, { extractable: true }));
    } catch (err) {
      return { problem: `not a ${alg} public key in PEM (SPKI) form: ${(err as Error).message}` };
    }
  } else if (input && typeof input === "object" && !Array.isArray(input)) {
    jwk = input as JWK;
  } else return { problem: "expected a JWK object or a PEM string" };
  if ("d" in jwk || "p" in jwk) return { problem: "this is a private key: register the public key only" };
  if (
    alg === "ES256" &&
    (jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.x !== "string" || typeof jwk.y !== "string")
  )
    return { problem: "ES256 needs an EC P-256 key (kty EC, crv P-256, x, y)" };
  if (alg === "RS256") {
    if (jwk.kty !== "RSA" || typeof jwk.n !== "string" || typeof jwk.e !== "string")
      return { problem: "RS256 needs an RSA key (kty RSA, n, e)" };
    let bits = 0;
    try {
      bits = fromB64url(jwk.n).length * 8;
    } catch {
      return { problem: "n is not base64url" };
    }
    if (bits < 2048) return { problem: "RSA keys must have at least 2048 bits" };
  }
  const stored: JWK =
    alg === "ES256" ? { kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y! } : { kty: "RSA", n: jwk.n!, e: jwk.e! };
  try {
    await importJWK(stored, alg);
  } catch (err) {
    return { problem: `the key cannot be imported: ${(err as Error).message}` };
  }
  return { jwk: stored };
}

// ───────────────────────── the isolate cache ─────────────────────────

export interface VerifierKey {
  id: string;
  alg: IdentityAlg;
  key: CryptoKey | Uint8Array;
}

/** Apps whose keys one isolate keeps imported; the least recently used is dropped beyond this. */
export const MAX_CACHED_APPS = 500;
const cache = new Map<string, { version: number; keys: Promise<VerifierKey[]> }>();

/** The app's verification keys at `version` or newer: a D1 read only when this isolate has not seen that version. */
export function appVerifierKeys(
  d1: D1Database,
  appId: string,
  version: number,
  envSecret: string,
): Promise<VerifierKey[]> {
  const hit = cache.get(appId);
  if (hit && hit.version >= version) {
    cache.delete(appId);
    cache.set(appId, hit); // most recently used last
    return hit.keys;
  }
  const keys = loadKeys(d1, appId, envSecret);
  cache.set(appId, { version, keys });
  keys.catch(() => cache.get(appId)?.keys === keys && cache.delete(appId));
  while (cache.size > MAX_CACHED_APPS) cache.delete(cache.keys().next().value!);
  return keys;
}

async function loadKeys(d1: D1Database, appId: string, envSecret: string): Promise<VerifierKey[]> {
  const rows = await database(d1).select().from(identityKeys).where(eq(identityKeys.appId, appId));
  const keys: VerifierKey[] = [];
  for (const row of rows) {
    try {
      const key =
        row.alg === "HS256"
          ? utf8(await openSecret(envSecret, `${appId}/${row.id}`, row.material))
          : await importJWK(JSON.parse(row.material) as JWK, row.alg);
      keys.push({ id: row.id, alg: row.alg, key });
    } catch (err) {
      // Typically IDENTITY_KEYS_SECRET changed since the secret was stored: that key verifies nothing.
      console.error(`identity key ${row.id} of app ${appId} cannot be used`, err);
    }
  }
  return keys;
}

/** Forget imported keys (tests). */
export function clearIdentityKeyCache(): void {
  cache.clear();
}

/** How many apps this isolate holds keys for (tests of the bound). */
export const cachedIdentityApps = () => cache.size;

const lastTouched = new Map<string, number>();
/** `last_used_at` is refreshed at most once an hour per key and isolate: never a D1 write per event. */
export function touchKey(
  d1: D1Database,
  keyId: string,
  wallNow: number,
  waitUntil: (p: Promise<unknown>) => void,
): void {
  if (wallNow - (lastTouched.get(keyId) ?? 0) < 3_600_000) return;
  lastTouched.set(keyId, wallNow);
  if (lastTouched.size > 10_000) lastTouched.delete(lastTouched.keys().next().value!);
  waitUntil(
    database(d1)
      .update(identityKeys)
      .set({ lastUsedAt: wallNow })
      .where(eq(identityKeys.id, keyId))
      .catch(() => {}),
  );
}

// ───────────────────────── verification ─────────────────────────

export type TokenProblem =
  | "missing"
  | "malformed"
  | "expired"
  | "wrong_subject"
  | "bad_signature"
  | "claims"
  | "no_keys";
export type Verification = { ok: true; keyId: string } | { ok: false; problem: TokenProblem; message: string };

/** Seconds of clock difference between the app's backend and Beckon tolerated on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_S = 30;

/**
 * Verifies a user token for `userId` at `now`: a JWT signed by one of the app's keys
 * (the header's `alg`, and its `kid` when it names one of them), with `sub` = userId and an
 * `exp` in the future. The signature is checked before the claims, so only a genuine token
 * is reported as expired or for another person.
 */
export async function verifyUserToken(
  keys: VerifierKey[],
  token: string | undefined,
  userId: string,
  now: number,
): Promise<Verification> {
  const fail = (problem: TokenProblem, message: string): Verification => ({ ok: false, problem, message });
  if (!token)
    return fail(
      "missing",
      `a user token for ${JSON.stringify(userId)} is required (X-Beckon-User-Token header or userToken field)`,
    );
  let alg: string | undefined;
  let kid: string | undefined;
  try {
    ({ alg, kid } = decodeProtectedHeader(token));
  } catch {
    return fail("malformed", "the user token is not a JWT");
  }
  if (!IDENTITY_ALGS.includes(alg as IdentityAlg))
    return fail("malformed", `the user token's alg ${JSON.stringify(alg)} is not accepted (HS256, ES256 or RS256)`);
  if (keys.length === 0)
    return fail("no_keys", "the app has no identity keys to verify user tokens with (POST /admin/app/identity-keys)");
  const ofAlg = keys.filter((k) => k.alg === alg);
  const named = ofAlg.filter((k) => k.id === kid);
  const candidates = named.length > 0 ? named : ofAlg;
  if (candidates.length === 0) return fail("bad_signature", `the app has no ${alg} key`);
  for (const k of candidates) {
    let sub: unknown;
    try {
      ({
        payload: { sub },
      } = await jwtVerify(token, k.key, {
        algorithms: [k.alg],
        currentDate: new Date(now),
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (err) {
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      if (err instanceof errors.JWTExpired) return fail("expired", "the user token has expired: mint a new one");
      if (err instanceof errors.JWTClaimValidationFailed)
        return fail("claims", `the user token's ${err.claim} claim: ${err.message}`);
      return fail("malformed", `the user token is malformed: ${(err as Error).message}`);
    }
    if (sub !== userId)
      return fail(
        "wrong_subject",
        `the user token is for another person (sub ${JSON.stringify(sub)}, the call names ${JSON.stringify(userId)})`,
      );
    return { ok: true, keyId: k.id };
  }
  return fail("bad_signature", "the user token's signature does not verify with any of the app's keys");
}
