import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clearKeyCache, MAX_STALE_MS, REVALIDATE_MS, resolveKey } from "../src/config/app-directory";
import { createTestApp, sdk } from "./helpers/api";

/** The edge's write-key cache: no D1 read in steady state, yet config edits reach the next event. */
describe("write-key cache", () => {
  const bump = (appId: string) => env.DB.prepare("UPDATE apps SET config_version = config_version + 1 WHERE id = ?").bind(appId).run();

  it("serves a recent entry, revalidates a stale one in the background, and refreshes an idle one before use", async () => {
    const app = await createTestApp();
    clearKeyCache();
    let t = 1_000_000;
    const background: Promise<unknown>[] = [];
    const resolve = () => resolveKey(env.DB, "write", app.writeKey, (p) => background.push(p), () => t);
    const v1 = (await resolve())!.configVersion;

    await bump(app.appId);
    t += REVALIDATE_MS - 1;
    expect((await resolve())!.configVersion).toBe(v1); // fresh enough: no D1 read
    expect(background).toHaveLength(0);

    t += 2; // stale: answered from the cache at once, refreshed in the background
    expect((await resolve())!.configVersion).toBe(v1);
    expect(background).toHaveLength(1);
    await Promise.all(background);
    expect((await resolve())!.configVersion).toBe(v1 + 1);

    // A quiet isolate: the first event after the spell must already carry the new version
    // (say, of a campaign activated meanwhile), so the refresh happens before the answer.
    await bump(app.appId);
    t += MAX_STALE_MS;
    expect((await resolve())!.configVersion).toBe(v1 + 2);
    expect(background).toHaveLength(1);
  });

  it("a request's virtual clock does not age the cache", async () => {
    const app = await createTestApp();
    clearKeyCache();
    const first = await resolveKey(env.DB, "write", app.writeKey, () => {});
    await bump(app.appId);
    // X-Beckon-Clock is the domain's time (tests, replays), not the isolate's: 2090 must not look stale.
    const res = await sdk(app, "/v1/track", { userId: "virtual", event: "E" }, { clock: Date.parse("2090-01-01T00:00:00Z") });
    expect(res.status).toBe(200);
    const again = await resolveKey(env.DB, "write", app.writeKey, () => {});
    expect(again!.configVersion).toBe(first!.configVersion);
  });
});
