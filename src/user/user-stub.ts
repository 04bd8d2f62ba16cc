import type { UserObject } from "./user-object";

/**
 * The UserObject's RPC surface as callers see it. Values cross by structured
 * clone, so the methods' own signatures hold; typing the stub through
 * workers-types' recursive `Rpc.Stub` mapping of JSON-shaped data is too deep
 * for the compiler, hence one cast here instead of many at call sites.
 */
export type UserApi = Pick<
  UserObject,
  | "ingest"
  | "updateDevices"
  | "invalidateDevice"
  | "setConsent"
  | "getProfile"
  | "getTimeline"
  | "exportData"
  | "erase"
  | "tick"
  | "handOver"
  | "noop"
  | "command"
  | "fetch"
  | "isIdentifiedPerson"
>;

export function userStub(ns: DurableObjectNamespace<UserObject>, name: string): UserApi {
  return ns.getByName(name) as unknown as UserApi;
}
