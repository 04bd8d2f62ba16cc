import type { UserApi } from "./user-api";

/**
 * A person's object as callers see it. Values cross by structured clone, so the
 * methods' own signatures hold; typing the stub through workers-types' recursive
 * `Rpc.Stub` mapping of JSON-shaped data is too deep for the compiler, hence one
 * cast here instead of many at call sites.
 */
export function userStub(ns: DurableObjectNamespace<UserApi>, name: string): UserApi {
  return ns.getByName(name) as unknown as UserApi;
}
