import { Hono } from "hono";
import type { HonoEnv } from "../hono-env";
import { serveAsset } from "../static-asset";

/**
 * The OpenAPI document (`/openapi.json`, and `/admin/openapi.json` where it first lived) and the
 * human-readable reference at `/docs`. Both are built from the app by `npm run openapi`
 * (src/http/openapi/document.ts; Redoc inlined, no CDN), committed, and served from Workers Static
 * Assets (`public/openapi.json` links to `openapi/beckon.openapi.json`), so neither the generator nor
 * the renderer counts against the Worker's bundle. test/openapi-document.test.ts checks that the
 * committed document is what the routes generate.
 */
export function docsRoutes(): Hono<HonoEnv> {
  const routes = new Hono<HonoEnv>();
  const json = { "content-type": "application/json; charset=utf-8" };
  for (const path of ["/openapi.json", "/admin/openapi.json"])
    routes.get(path, (c) => serveAsset(c, "/openapi.json", json, "npm run openapi"));
  // `/docs/` is the page's canonical address (index.html of public/docs/).
  routes.on("GET", ["/docs", "/docs/"], (c) =>
    serveAsset(c, "/docs/", { "content-type": "text/html; charset=utf-8" }, "npm run openapi"),
  );
  return routes;
}
