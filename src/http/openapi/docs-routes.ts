import { Hono } from "hono";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";

/**
 * The OpenAPI document (`/openapi.json`, and `/admin/openapi.json` where it first lived) and the
 * human-readable reference at `/docs`. The reference is a static HTML page built from the same
 * document by `npm run openapi` (Redoc inlined, no CDN) and served from Workers Static Assets
 * (`public/`), so the renderer never counts against the Worker's bundle size.
 */
export function docsRoutes(document: () => Record<string, unknown>): Hono<HonoEnv> {
  const routes = new Hono<HonoEnv>();
  for (const path of ["/openapi.json", "/admin/openapi.json"]) routes.get(path, (c) => c.json(document()));
  routes.on("GET", ["/docs", "/docs/"], async (c) => {
    if (!c.env.ASSETS)
      throw new DomainError(
        503,
        "docs_unavailable",
        "the API reference is a static asset (public/docs/index.html) and this deployment has no [assets] binding; the document is at /openapi.json",
      );
    // `/docs/` is the asset's canonical address (index.html of public/docs/).
    // The request's headers go along, so the asset's ETag answers a revalidation with a 304.
    const res = await c.env.ASSETS.fetch(new Request(new URL("/docs/", c.req.url), { headers: c.req.raw.headers }));
    if (res.status === 304) return res;
    if (!res.ok)
      throw new DomainError(503, "docs_unavailable", "public/docs/index.html is missing: run npm run openapi");
    const headers = new Headers(res.headers);
    headers.set("content-type", "text/html; charset=utf-8");
    return new Response(res.body, { headers });
  });
  return routes;
}
