import { describe, expect, it } from "vitest";
import { admin, basic, BASE, call, createTestApp, sdk } from "./helpers/api";

/** What the browser SDKs need beyond the Tracking API itself: CORS for their headers, their settings documents, their id conventions. */
const preflight = (path: string, requestHeaders: string) =>
  call(path, {
    method: "OPTIONS",
    headers: {
      origin: "https://shop.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": requestHeaders,
    },
  });

const allowed = (res: Response) =>
  (res.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/\s*,\s*/);

describe("CORS for browser SDKs", () => {
  it("preflights allow the headers analytics.js and RudderStack send, on every SDK route", async () => {
    const headers = "content-type,authorization,x-retry-count,anonymousid,sentat,rsa-request-id,rsa-session-id";
    for (const path of [
      "/v1/t",
      "/v1/track",
      "/v1/b",
      "/v1/batch",
      "/v1/identify",
      "/v1/devices",
      "/v1/in-app",
      "/v1/in-app/events",
      "/v1/cards",
      "/v1/location",
      "/v1/projects/k/settings",
      "/sourceConfig/",
    ]) {
      const res = await preflight(path, headers);
      expect(res.status, path).toBeLessThan(300);
      expect(res.headers.get("access-control-allow-origin"), path).toBe("*");
      expect(allowed(res), path).toEqual(expect.arrayContaining(headers.split(",")));
      expect(res.headers.get("access-control-allow-methods"), path).toContain("POST");
    }
  });

  it("answers SDK calls with Access-Control-Allow-Origin, and admin routes without it", async () => {
    const app = await createTestApp();
    const res = await sdk(
      app,
      "/v1/t",
      { userId: "c1", event: "Viewed" },
      { headers: { origin: "https://shop.example" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const adminRes = await admin(app, "/admin/users/c1", { headers: { origin: "https://shop.example" } });
    expect(adminRes.status).toBe(200);
    expect(adminRes.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("SDK settings documents", () => {
  it("serves analytics-next its CDN settings with Beckon as the Segment.io destination", async () => {
    const app = await createTestApp();
    const res = await call(`/v1/projects/${app.writeKey}/settings`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      integrations: Record<string, { apiKey: string; apiHost: string; protocol: string }>;
      remotePlugins: unknown[];
    };
    expect(Object.keys(body.integrations)).toEqual(["Segment.io"]);
    expect(body.integrations["Segment.io"]).toMatchObject({
      apiKey: app.writeKey,
      apiHost: `${new URL(BASE).host}/v1`,
      protocol: "http",
    });
    expect(body.remotePlugins).toEqual([]);
  });

  it("serves RudderStack JS v3 its source config, by writeKey query or Basic auth", async () => {
    const app = await createTestApp();
    const byQuery = await call(
      `/sourceConfig/?p=npm&v=3.34.1&build=modern&writeKey=${app.writeKey}&lockIntegrationsVersion=false&lockPluginsVersion=false`,
    );
    expect(byQuery.status).toBe(200);
    const body = (await byQuery.json()) as {
      source: { id: string; enabled: boolean; config: object; destinations: unknown[] };
    };
    expect(body.source).toMatchObject({ id: app.appId, enabled: true, destinations: [] });
    expect(typeof body.source.config).toBe("object");
    const byAuth = await call("/sourceConfig", { headers: { authorization: basic(app.writeKey) } });
    expect(byAuth.status).toBe(200);
  });

  it("an unknown or missing write key is a JSON error naming writeKey", async () => {
    for (const [path, status] of [
      ["/v1/projects/nope/settings", 404],
      ["/sourceConfig/?writeKey=nope", 404],
      ["/sourceConfig/", 401],
    ] as const) {
      const res = await call(path);
      expect(res.status, path).toBe(status);
      const body = (await res.json()) as { error: { code: string; problems: Array<{ field: string }> } };
      expect(body.error.problems[0]!.field, path).toBe("writeKey");
    }
  });
});

describe("RudderStack id conventions", () => {
  it('an anonymous call with userId "" counts as anonymous instead of failing', async () => {
    const app = await createTestApp();
    const res = await sdk(app, "/v1/track", { userId: "", anonymousId: "rs-anon-1", event: "Viewed", previousId: "" });
    expect(res.status).toBe(200);
    const profile = await admin(app, "/admin/users/rs-anon-1?anonymous=true");
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as { profile: { counters: { events: number } } }).profile.counters.events).toBe(1);
    // Still: no id at all is an error.
    const none = await sdk(app, "/v1/track", { userId: "", anonymousId: "", event: "Viewed" });
    expect(none.status).toBe(400);
  });
});
