import { Hono } from "hono";
import type { HonoEnv } from "../hono-env";
import { serveAsset } from "../static-asset";

/**
 * The web SDK (`/sdk/beckon.js`, an ES module), its Web Push service worker and the demo shop
 * (`/demo`): static assets `npm run build:sdk` writes to `public/` (committed), served with the
 * headers a page embedding them from another origin needs.
 */
export const sdkAssetsRoutes = new Hono<HonoEnv>();

const JS = "text/javascript; charset=utf-8";
// Pages embed the SDK from another origin; revalidated at most every 5 minutes so releases spread quickly.
const EMBEDDED = {
  "content-type": JS,
  "access-control-allow-origin": "*",
  "cache-control": "public, max-age=300, stale-while-revalidate=86400",
};

sdkAssetsRoutes.get("/sdk/beckon.js", (c) => serveAsset(c, "/sdk/beckon.js", EMBEDDED));
// May control the whole origin (scope "/") although it lives under /sdk/.
sdkAssetsRoutes.get("/sdk/beckon-sw.js", (c) =>
  serveAsset(c, "/sdk/beckon-sw.js", { ...EMBEDDED, "service-worker-allowed": "/", "cache-control": "no-cache" }),
);
sdkAssetsRoutes.get("/demo", (c) =>
  serveAsset(c, "/demo/", { "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" }),
);
