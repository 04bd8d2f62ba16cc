import { OpenAPIHono } from "@hono/zod-openapi";
import { DomainError } from "../kernel/errors";
import { adminApi } from "./admin/admin-api";
import { consoleRoutes } from "./console-routes";
import type { HonoEnv } from "./hono-env";
import { errorResponse } from "./middleware/errors";
import { requestClockMiddleware } from "./middleware/request-clock";
import { docsRoutes } from "./openapi/docs-routes";
import { demoRoutes } from "./sdk/demo-routes";
import { sdkApi, sdkCors } from "./sdk/sdk-api";
import { sdkAssetsRoutes } from "./sdk/sdk-assets-routes";
import { rudderStackConfigRoutes } from "./sdk/sdk-settings-routes";
import { unsubscribeRoutes } from "./webhooks/unsubscribe-routes";
import { webhookRoutes } from "./webhooks/webhook-routes";

/**
 * The whole HTTP surface, one group per audience, each mounted at its prefix: the admin API
 * (`/admin`, admin/admin-api.ts, one authentication), the SDK API (`/v1`, sdk/sdk-api.ts, write
 * keys), provider webhooks (`/webhooks`), the web SDK's files (`/sdk`), the demo shop (`/demo`),
 * the console (`/console`) and the OpenAPI document and reference (`/openapi.json`, `/docs`).
 */
export function createApp() {
  const app = new OpenAPIHono<HonoEnv>();
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) =>
    errorResponse(c, new DomainError(404, "not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)),
  );

  app.use("*", requestClockMiddleware);
  app.get("/", (c) => c.json({ name: "beckon", docs: "/admin/openapi.json" }));
  app.route("/console", consoleRoutes);
  app.route("/admin", adminApi());
  app.route("/v1", sdkApi());
  app.route("/v1/unsubscribe", unsubscribeRoutes);
  // RudderStack asks for its config at the root (with and without the trailing slash).
  app.use("/sourceConfig", sdkCors);
  app.use("/sourceConfig/*", sdkCors);
  app.route("/", rudderStackConfigRoutes);
  app.route("/webhooks", webhookRoutes);
  app.route("/sdk", sdkAssetsRoutes);
  app.route("/demo", demoRoutes);

  // The OpenAPI document is built from this app by `npm run openapi` (src/http/openapi/document.ts)
  // and served as a static asset: the Worker's bundle carries no document generator.
  app.route("/", docsRoutes());
  return app;
}
