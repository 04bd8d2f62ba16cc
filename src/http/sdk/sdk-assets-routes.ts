import { Hono } from "hono";
import { SDK_JS, SDK_SW_JS, SDK_VERSION } from "./generated/sdk-bundle";
import type { HonoEnv } from "../hono-env";

/**
 * The web SDK (`/sdk/beckon.js`, an ES module) and its Web Push service worker, mounted at
 * `/sdk` and served from the bundle `npm run build:sdk` generates (the demo shop: demo-routes.ts).
 */
export const sdkAssetsRoutes = new Hono<HonoEnv>();

const etag = (body: string) => `"${SDK_VERSION}-${body.length.toString(36)}-${hash(body)}"`;
function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
const SDK_ETAG = etag(SDK_JS);
const SW_ETAG = etag(SDK_SW_JS);

function asset(body: string, tag: string, type: string, extra: Record<string, string> = {}) {
  return (c: { req: { header(name: string): string | undefined } }) => {
    const headers: Record<string, string> = {
      "content-type": type,
      etag: tag,
      // Pages embed the SDK from another origin; revalidated at most every 5 minutes so releases spread quickly.
      "access-control-allow-origin": "*",
      "cache-control": "public, max-age=300, stale-while-revalidate=86400",
      ...extra,
    };
    if (c.req.header("if-none-match") === tag) return new Response(null, { status: 304, headers });
    return new Response(body, { headers });
  };
}

sdkAssetsRoutes.get("/beckon.js", asset(SDK_JS, SDK_ETAG, "text/javascript; charset=utf-8"));
// May control the whole origin (scope "/") although it lives under /sdk/.
sdkAssetsRoutes.get(
  "/beckon-sw.js",
  asset(SDK_SW_JS, SW_ETAG, "text/javascript; charset=utf-8", {
    "service-worker-allowed": "/",
    "cache-control": "no-cache",
  }),
);
