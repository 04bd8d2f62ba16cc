import { describe, expect, it } from "vitest";
import { CONTEXT_LIMITS, ContextInput, keptContext, pushTokenOf } from "../../src/domain/events/event-context";

/** The bounds docs/api.md "Context kept" documents: what a public write key can make an event store. */
describe("kept context", () => {
  it("is at most about 8 KB however large the input", () => {
    const long = "x".repeat(10_000);
    const part = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, long]));
    const raw = {
      userAgent: long,
      library: part(["name", "version", "extra"]),
      page: part(["path", "url", "search", "referrer", "title", "tab_url"]),
      device: { ...part(["id", "name", "manufacturer", "model", "type"]), token: "t".repeat(4096) },
      os: part(["name", "version"]),
      app: part(["name", "version", "build", "namespace"]),
      network: { carrier: long, wifi: true, cellular: true, bluetooth: false },
      campaign: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`.padEnd(32, "k"), long])),
      screen: { width: 1e6, height: 1e6, density: 1e6 },
      locale: "x".repeat(35),
      timezone: "x".repeat(64),
      unknown: part(Array.from({ length: 100 }, (_, i) => `u${i}`)),
    };
    const kept = keptContext(ContextInput.parse(raw))!;
    expect(JSON.stringify(kept).length).toBeLessThanOrEqual(8 * 1024);
    expect(kept.userAgent).toHaveLength(CONTEXT_LIMITS.userAgent);
    expect(Object.keys(kept.campaign!)).toHaveLength(CONTEXT_LIMITS.campaignKeys);
    expect(kept.device).not.toHaveProperty("token");
    expect(kept).not.toHaveProperty("unknown");
    expect(kept.library).not.toHaveProperty("extra");
  });

  it("coerces numbers to strings, drops empty values, and reads the push platform", () => {
    const ctx = ContextInput.parse({
      app: { version: 3.2, build: 57, name: "" },
      os: { name: "iPadOS", version: null },
      device: { token: "abcdefgh12345678" },
    });
    expect(keptContext(ctx)).toEqual({ app: { version: "3.2", build: "57" }, os: { name: "iPadOS" } });
    expect(pushTokenOf(ctx)).toEqual({ token: "abcdefgh12345678", platform: "ios" });
    expect(pushTokenOf(ContextInput.parse({ device: { token: "abcdefgh12345678", type: "Android" } }))).toEqual({
      token: "abcdefgh12345678",
      platform: "android",
    });
    expect(pushTokenOf(ContextInput.parse({ device: { token: "abcdefgh12345678" } }))).toEqual({
      token: "abcdefgh12345678",
      platform: null,
    });
    expect(pushTokenOf(ContextInput.parse({ device: { token: "" } }))).toBeUndefined();
    expect(keptContext(ContextInput.parse({}))).toBeUndefined();
  });
});
