import type { MiddlewareHandler } from "hono";
import { configPropagationMs } from "../../stores/config/app-directory";
import { currentConfigVersion } from "../../stores/config/config-version";
import type { HonoEnv } from "../hono-env";

/**
 * "Activate" means live (docs/architecture.md, "config changes are live when they answer"). Edges serve a cached
 * config version for at most CONFIG_PROPAGATION_MS (src/stores/config/app-directory.ts), so an admin
 * change that moved the app's config version answers only once that bound has passed: from then
 * on every edge carries the new version, and every event received after the answer is decided
 * by it. A commit wait instead of a D1 read per event; it costs config changes ~3 s.
 */
export const awaitConfigPropagation: MiddlewareHandler<HonoEnv> = async (c, next) => {
  await next();
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.res.status >= 400) return;
  const app = c.get("app") as { appId: string; configVersion: number } | undefined;
  if (!app) return;
  if ((await currentConfigVersion(c.env.DB, app.appId)) === app.configVersion) return;
  await waitPropagation(c.env);
};

export const waitPropagation = (env: { CONFIG_PROPAGATION_MS?: string }) =>
  new Promise<void>((resolve) => setTimeout(resolve, configPropagationMs(env)));
