import type { Context } from "hono";
import { DomainError } from "../kernel/errors";
import type { HonoEnv } from "./hono-env";

/**
 * A file of the Worker's static assets (`public/`, wrangler.toml `[assets]`), answered with the
 * headers a route adds. The request's headers go along, so the asset's ETag answers a revalidation
 * with a 304. Files the build commits (the SDK, the API reference and document, the demo page) are
 * served this way so they never count against the Worker's bundle; a deployment without the
 * binding, or without the file, gets a 503 naming it.
 */
export async function serveAsset(
  c: Context<HonoEnv>,
  path: string,
  headers: Record<string, string>,
  build = "npm run build:sdk",
): Promise<Response> {
  if (!c.env.ASSETS)
    throw new DomainError(
      503,
      "asset_unavailable",
      `public${path} is a static asset and this deployment has no [assets] binding (wrangler.toml)`,
    );
  const res = await c.env.ASSETS.fetch(new Request(new URL(path, c.req.url), { headers: c.req.raw.headers }));
  if (res.status !== 304 && !res.ok)
    throw new DomainError(503, "asset_unavailable", `public${path} is missing: run ${build}`);
  const out = new Response(res.status === 304 ? null : res.body, res);
  for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
  return out;
}
