import type { KeyValueStorage } from "./queue";

/**
 * Who the device speaks for: the anonymous id (persisted, minted once per install or
 * sign-out), the identified user id (persisted) and the user token of identity
 * verification (memory only: the app hands it over each start). One implementation for
 * web and React Native, so the token refresh after a `user_token_*` 401 behaves the same.
 */

/** A new random id (RFC 4122 where `crypto.randomUUID` exists, else time + random). */
export const uuid = (): string =>
  typeof crypto !== "undefined" && crypto?.randomUUID
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/** Reads a key from sync (localStorage) or async (AsyncStorage) storage; storage errors read as absent. */
export function readItem(storage: KeyValueStorage | null, key: string): string | null | Promise<string | null> {
  try {
    const v = storage?.getItem(key) ?? null;
    return v && typeof v === "object" ? Promise.resolve(v).catch(() => null) : v;
  } catch {
    return null;
  }
}

/** Writes (or, for null, removes) a key; storage errors are ignored: the SDK keeps working in memory. */
export function writeItem(storage: KeyValueStorage | null, key: string, value: string | null): void {
  try {
    const done = value === null ? storage?.removeItem(key) : storage?.setItem(key, value);
    if (done) done.catch(() => undefined);
  } catch {
    // storage full or disabled
  }
}

export type RefreshUserToken = (userId: string) => Promise<string | null | undefined> | string | null | undefined;

export interface IdentityOptions {
  storage: KeyValueStorage | null;
  /** The storage key of a field (each platform keeps its own key scheme, so stored installs carry over). */
  key: (field: "anonymousId" | "userId") => string;
  userToken?: string | null;
  refreshUserToken?: RefreshUserToken;
}

export class Identity {
  anonymousId = "";
  userId: string | null = null;
  userToken: string | null;
  private readonly o: IdentityOptions;
  private refreshing: Promise<boolean> | null = null;

  constructor(options: IdentityOptions) {
    this.o = options;
    this.userToken = options.userToken ?? null;
  }

  /** Loads the stored ids: at once for a synchronous store, else when the promise resolves. */
  load(): void | Promise<void> {
    const anon = readItem(this.o.storage, this.o.key("anonymousId"));
    const user = readItem(this.o.storage, this.o.key("userId"));
    const apply = (a: string | null, u: string | null) => {
      // An id set before async storage answered (identify right after init) wins over the stored one.
      this.anonymousId ||= a ?? uuid();
      this.userId ??= u;
      writeItem(this.o.storage, this.o.key("anonymousId"), this.anonymousId);
    };
    if (anon instanceof Promise || user instanceof Promise)
      return Promise.all([anon, user]).then(([a, u]) => apply(a, u));
    apply(anon, user);
  }

  /** The person as the SDK routes address them. */
  who(): { userId: string } | { anonymousId: string } {
    return this.userId ? { userId: this.userId } : { anonymousId: this.anonymousId };
  }

  /** The user token as a body field or query parameter (a header would cost a CORS preflight on the web). */
  tokenField(): { userToken?: string } {
    return this.userId && this.userToken ? { userToken: this.userToken } : {};
  }

  /**
   * Names the person; returns whether the identified person changed. Another identified
   * person's token is no good for this one, so it is dropped; a token given before the
   * first identify (at init) is kept for the person being named.
   */
  identify(id: string | null | undefined, userToken?: string): boolean {
    const changed = !!id && id !== this.userId;
    if (changed && this.userId) this.userToken = null;
    if (userToken) this.userToken = userToken;
    if (id) {
      this.userId = id;
      writeItem(this.o.storage, this.o.key("userId"), id);
    }
    return changed;
  }

  /** Signs out: a new anonymous id, no user id or token. */
  reset(): void {
    this.userId = null;
    this.userToken = null;
    writeItem(this.o.storage, this.o.key("userId"), null);
    this.anonymousId = uuid();
    writeItem(this.o.storage, this.o.key("anonymousId"), this.anonymousId);
  }

  /**
   * After a 401: if it names the user token (or, without a response, unconditionally) and the
   * app can mint one, get a fresh token — once for concurrent callers. True when one was set.
   */
  async refresh(res?: Response): Promise<boolean> {
    const mint = this.o.refreshUserToken;
    if (!this.userId || !mint) return false;
    if (res) {
      const body = (await res
        .clone()
        .json()
        .catch(() => null)) as { error?: { code?: string } } | null;
      if (!body?.error?.code?.startsWith("user_token_")) return false;
    }
    const person = this.userId;
    this.refreshing ??= Promise.resolve()
      .then(() => mint(person))
      .then((t) => {
        // Signed out or switched meanwhile: the token is for someone else now.
        if (t && this.userId === person) this.userToken = t;
        return !!t;
      })
      .catch(() => false)
      .finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  /** Whether the token's `exp` is (nearly) past, read without verifying (the server does that). */
  tokenExpired(now = Date.now()): boolean {
    try {
      const exp = (
        JSON.parse(atob(this.userToken!.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: number }
      ).exp;
      return exp !== undefined && exp * 1000 < now + 5000;
    } catch {
      return false;
    }
  }
}

/** A request for the current person; refused for the user token, it is sent once more with a fresh one. */
export async function withFreshToken(identity: Identity, send: () => Promise<Response>): Promise<Response> {
  const res = await send();
  return res.status === 401 && (await identity.refresh(res)) ? send() : res;
}
