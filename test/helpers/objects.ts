import { env } from "cloudflare:workers";
import type { UserObject } from "../../src/engine/user-object";

/** A person's object as the class itself (for `runInDurableObject`), not only its RPC contract. */
export function userObject(name: string): DurableObjectStub<UserObject> {
  return env.USER.getByName(name) as unknown as DurableObjectStub<UserObject>;
}
