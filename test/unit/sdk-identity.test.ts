import { describe, expect, it, vi } from "vitest";
import { Identity } from "../../sdk/core/identity";
import { MemoryStorage } from "./helpers/memory-storage";

/** The shared identity of the web and React Native SDKs: stored ids, the user token and its refresh. */
const key = (k: string) => `beckon:test:${k}`;
const refused = (code: string) => Response.json({ error: { code, message: code } }, { status: 401 });

class AsyncStorage {
  readonly data = new Map<string, string>();
  getItem = async (k: string) => this.data.get(k) ?? null;
  setItem = async (k: string, v: string) => void this.data.set(k, v);
  removeItem = async (k: string) => void this.data.delete(k);
}

describe("core identity", () => {
  it("mints an anonymous id once and reads it back synchronously from localStorage-like storage", () => {
    const storage = new MemoryStorage();
    const first = new Identity({ storage, key });
    expect(first.load()).toBeUndefined(); // synchronous: ready before the first call
    const again = new Identity({ storage, key });
    again.load();
    expect(again.anonymousId).toBe(first.anonymousId);
    expect(again.who()).toEqual({ anonymousId: first.anonymousId });
  });

  it("with async storage, an identify made before it answered wins over the stored user", async () => {
    const storage = new AsyncStorage();
    storage.data.set(key("userId"), "stored-user");
    storage.data.set(key("anonymousId"), "anon-1");
    const id = new Identity({ storage, key });
    const loading = id.load();
    id.identify("fresh-user");
    await loading;
    expect(id.who()).toEqual({ userId: "fresh-user" });
    expect(id.anonymousId).toBe("anon-1");
    expect(storage.data.get(key("userId"))).toBe("fresh-user");
  });

  it("keeps an init token for the first person named, drops it when another person signs in, and on reset", () => {
    const id = new Identity({ storage: null, key, userToken: "t-ada" });
    id.load();
    expect(id.tokenField()).toEqual({}); // anonymous: no token travels
    id.identify("ada");
    expect(id.tokenField()).toEqual({ userToken: "t-ada" });
    id.identify("bob");
    expect(id.tokenField()).toEqual({});
    id.identify("bob", "t-bob");
    expect(id.tokenField()).toEqual({ userToken: "t-bob" });
    const before = id.anonymousId;
    id.reset();
    expect(id.tokenField()).toEqual({});
    expect(id.anonymousId).not.toBe(before);
  });

  it("refreshes once for concurrent 401s naming the token, and not for other 401s", async () => {
    const mint = vi.fn(async (user: string) => `fresh-${user}`);
    const id = new Identity({ storage: null, key, userToken: "old", refreshUserToken: mint });
    id.load();
    id.identify("ada");
    expect(await id.refresh(refused("invalid_write_key"))).toBe(false);
    const results = await Promise.all([
      id.refresh(refused("user_token_expired")),
      id.refresh(refused("user_token_expired")),
    ]);
    expect(results).toEqual([true, true]);
    expect(mint).toHaveBeenCalledExactlyOnceWith("ada");
    expect(id.userToken).toBe("fresh-ada");
  });

  it("does not keep a token minted for someone who signed out meanwhile", async () => {
    let release: (t: string) => void = () => undefined;
    const id = new Identity({ storage: null, key, refreshUserToken: () => new Promise<string>((r) => (release = r)) });
    id.load();
    id.identify("ada", "old");
    const refreshing = id.refresh();
    await Promise.resolve();
    id.reset();
    release("fresh-ada");
    await refreshing;
    expect(id.userToken).toBeNull();
  });

  it("reads a JWT's exp to tell an expired token, without verifying it", () => {
    const jwt = (exp: number) => `h.${btoa(JSON.stringify({ exp })).replace(/=+$/, "")}.s`;
    const id = new Identity({ storage: null, key, userToken: jwt(Date.now() / 1000 - 10) });
    expect(id.tokenExpired()).toBe(true);
    id.userToken = jwt(Date.now() / 1000 + 3600);
    expect(id.tokenExpired()).toBe(false);
    id.userToken = "not-a-jwt";
    expect(id.tokenExpired()).toBe(false);
  });
});
