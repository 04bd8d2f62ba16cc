import { describe, expect, it } from "vitest";
import sdkJs from "../public/sdk/beckon.js?raw";
import swJs from "../public/sdk/beckon-sw.js?raw";
import { call } from "./helpers/api";

describe("SDK assets served by the Worker", () => {
  it("serves the SDK module with caching, CORS and revalidation", async () => {
    const res = await call("/sdk/beckon.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("cache-control")).toContain("max-age=300");
    const body = await res.text();
    expect(body).toBe(sdkJs);
    // An ES module exporting the public API.
    for (const name of ["init", "identify", "track", "page", "consent", "registerWebPush", "mountCards"])
      expect(body).toMatch(new RegExp(`\\b${name}\\b`));
    const etag = res.headers.get("etag")!;
    const again = await call("/sdk/beckon.js", { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
  });

  it("serves the service worker allowed to control the whole origin", async () => {
    const res = await call("/sdk/beckon-sw.js");
    expect(res.headers.get("service-worker-allowed")).toBe("/");
    expect(await res.text()).toBe(swJs);
  });

  it("serves the demo shop, which loads the SDK", async () => {
    const res = await call("/demo");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain('import * as beckon from "/sdk/beckon.js"');
  });
});
