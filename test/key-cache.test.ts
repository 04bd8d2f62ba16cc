import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearKeyCache, DEFAULT_CONFIG_PROPAGATION_MS as BOUND, resolveKey } from "../src/stores/config/app-directory";
import { createTestApp, sdk } from "./helpers/api";

/** The edge's write-key cache: no D1 read in steady state, yet config edits reach the next event. */
describe("write-key cache", () => {
  const bump = (appId: string) =>
    env.DB.prepare("UPDATE apps SET config_version = config_version + 1 WHERE id = ?").bind(appId).run();

  it("serves an entry for at most the propagation bound: refreshed ahead in the background, re-read before use past it", async () => {
    const app = await createTestApp();
    clearKeyCache();
    let t = 1_000_000;
    const background: Promise<unknown>[] = [];
    const resolve = () =>
      resolveKey(
        env.DB,
        "write",
        app.writeKey,
        (p) => background.push(p),
        () => t,
      );
    const v1 = (await resolve())!.configVersion;

    await bump(app.appId);
    t += (BOUND * 2) / 3 - 1;
    expect((await resolve())!.configVersion).toBe(v1); // fresh: no D1 read
    expect(background).toHaveLength(0);

    t += 2; // two thirds of the bound: answered from the cache at once, refreshed in the background
    expect((await resolve())!.configVersion).toBe(v1);
    expect(background).toHaveLength(1);
    await Promise.all(background);
    expect((await resolve())!.configVersion).toBe(v1 + 1);

    // Past the bound (a quiet isolate), the entry is re-read before the answer: no request is
    // ever decided by a version older than the bound.
    await bump(app.appId);
    t += BOUND;
    expect((await resolve())!.configVersion).toBe(v1 + 2);
    expect(background).toHaveLength(1);
  });

  it("a request's virtual clock does not age the cache", async () => {
    const app = await createTestApp();
    clearKeyCache();
    const first = await resolveKey(env.DB, "write", app.writeKey, () => {});
    await bump(app.appId);
    // X-Beckon-Clock is the domain's time (tests, replays), not the isolate's: 2090 must not look stale.
    const res = await sdk(
      app,
      "/v1/track",
      { userId: "virtual", event: "E" },
      { clock: Date.parse("2090-01-01T00:00:00Z") },
    );
    expect(res.status).toBe(200);
    const again = await resolveKey(env.DB, "write", app.writeKey, () => {});
    expect(again!.configVersion).toBe(first!.configVersion);
  });
});
