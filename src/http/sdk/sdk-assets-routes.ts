import { Hono } from "hono";
import type { HonoEnv } from "../hono-env";
import { serveAsset } from "../static-asset";

/**
 * The web SDK (`/sdk/beckon.js`, an ES module) and its Web Push service worker, mounted at `/sdk`:
 * static assets `npm run build:sdk` writes to `public/sdk/` (committed), served with the headers a
 * page embedding them from another origin needs (the demo shop: demo-routes.ts).
 */
export const sdkAssetsRoutes = new Hono<HonoEnv>();

// Pages embed the SDK from another origin; revalidated at most every 5 minutes so releases spread quickly.
const EMBEDDED = {
  "content-type": "text/javascript; charset=utf-8",
  "access-control-allow-origin": "*",
  "cache-control": "public, max-age=300, stale-while-revalidate=86400",
};

sdkAssetsRoutes.get("/beckon.js", (c) => serveAsset(c, "/sdk/beckon.js", EMBEDDED));
// May control the whole origin (scope "/") although it lives under /sdk/.
sdkAssetsRoutes.get("/beckon-sw.js", (c) =>
  serveAsset(c, "/sdk/beckon-sw.js", { ...EMBEDDED, "service-worker-allowed": "/", "cache-control": "no-cache" }),
);
