import { Hono } from "hono";
import type { HonoEnv } from "./hono-env";

/**
 * The operator console (built by `scripts/build-console.mjs` into `public/console/`), served from
 * Workers Static Assets. The Worker runs first so every console response carries the security
 * headers, and so any deep link (`/console/campaigns/abc`) gets the app shell to route on. Mounted at `/console`.
 */
export const consoleRoutes = new Hono<HonoEnv>();

/** The console talks only to this origin's admin API; it is never framed (clickjacking) and never leaks its URL. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
};

const NOT_BUILT = "The console is not built: run `npm run build:console` (npm start and wrangler dev do it for you).";

consoleRoutes.get("/", (c) => c.redirect("/console/", 308));
consoleRoutes.get("/*", async (c) => {
  if (!c.env.ASSETS) return c.json({ error: { code: "not_found", message: NOT_BUILT } }, 404);
  const url = new URL(c.req.url);
  const isAsset = url.pathname.startsWith("/console/assets/");
  let res = await c.env.ASSETS.fetch(new Request(url, c.req.raw));
  // Screens are client-side routes: anything that is not a file gets the shell (index.html).
  if (res.status === 404 && !isAsset) res = await c.env.ASSETS.fetch(new Request(new URL("/console/", url), c.req.raw));
  if (res.status === 404)
    return c.json(
      { error: { code: "not_found", message: isAsset ? `no console asset ${url.pathname}` : NOT_BUILT } },
      404,
    );
  const out = new Response(res.body, res);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) out.headers.set(k, v);
  // Hashed asset names never change content; the shell must be revalidated to pick up a new build.
  out.headers.set("cache-control", isAsset ? "public, max-age=31536000, immutable" : "no-cache");
  return out;
});
