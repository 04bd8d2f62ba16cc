import { OpenAPIHono } from "@hono/zod-openapi";
import { consoleRoutes } from "./console-routes";
import { appStatsRoutes } from "./admin/app-stats-routes";
import { userSearchRoutes } from "./admin/user-search-routes";
import { segmentPreviewRoutes } from "./admin/segment-preview-routes";
import { cors } from "hono/cors";
import { adminAppRoutes } from "./admin/app-routes";
import { adminUserRoutes } from "./admin/user-routes";
import { campaignRoutes } from "./admin/campaign-routes";
import { campaignActionRoutes } from "./admin/campaign-action-routes";
import { campaignReportRoutes } from "./admin/campaign-report-routes";
import { deviceRoutes } from "./sdk/device-routes";
import { errorResponse } from "./middleware/errors";
import { DomainError } from "../kernel/errors";
import type { HonoEnv } from "./hono-env";
import { ingestRoutes } from "./sdk/ingest-routes";
import { operatorRoutes } from "./admin/operator-routes";
import { benchRoutes } from "./sdk/bench-routes";
import { scaleBenchRoutes } from "./admin/scale-bench-routes";
import { webhookRoutes } from "./webhooks/webhook-routes";
import { deliveryAdminRoutes } from "./admin/delivery-routes";
import { inAppRoutes } from "./sdk/inapp-routes";
import { segmentReportRoutes } from "./admin/segment-report-routes";
import { segmentRoutes } from "./admin/segment-routes";
import { beaconRoutes } from "./admin/beacon-routes";
import { geofenceRoutes } from "./admin/geofence-routes";
import { locationRoutes } from "./sdk/location-routes";
import { pushOpenRoutes } from "./sdk/push-open-routes";
import { adminBodyGuard } from "./middleware/body";
import { requestClockMiddleware } from "./middleware/request-clock";
import { awaitConfigPropagation } from "./middleware/config-propagation";
import { identityKeyRoutes } from "./admin/identity-key-routes";
import { demoTokenRoutes } from "./sdk/demo-token-routes";
import { sdkSettingsRoutes } from "./sdk/sdk-settings-routes";
import { buildDocument, registerDocumentation } from "./openapi/document";
import { docsRoutes } from "./openapi/docs-routes";
import { analyticsRoutes } from "./admin/analytics";
import { accessRoutes } from "./admin/access-routes";
import { approvalRoutes } from "./admin/approval-routes";
import { messageRoutes } from "./admin/message-routes";

/** The whole HTTP surface: SDK ingest, admin API, provider webhooks. */
export function createApp() {
  const app = new OpenAPIHono<HonoEnv>();
  app.onError((err, c) => errorResponse(c, err));
  app.notFound((c) =>
    errorResponse(c, new DomainError(404, "not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)),
  );

  app.use("*", requestClockMiddleware);
  app.use("/admin/*", adminBodyGuard);
  app.use("/admin/*", awaitConfigPropagation);
  app.get("/", (c) => c.json({ name: "beckon", docs: "/admin/openapi.json" }));
  // Every SDK route is called from web pages on any origin. Preflights reflect the requested
  // headers: SDKs add their own (analytics.js `X-Retry-Count` on retries, RudderStack
  // `AnonymousId`, `SentAt`, `rsa-*`), and an allowlist that misses one loses those calls silently.
  // Admin routes get no CORS headers: they are server-to-server.
  const sdkCors = cors({ origin: "*", allowMethods: ["GET", "POST", "OPTIONS"], maxAge: 86400 });
  app.use("/v1/*", sdkCors);
  app.use("/sourceConfig", sdkCors);
  app.use("/sourceConfig/*", sdkCors);
  app.route("/", consoleRoutes);
  app.route("/", sdkSettingsRoutes);
  app.route("/", ingestRoutes);
  app.route("/", deviceRoutes);
  app.route("/", benchRoutes);
  app.route("/", scaleBenchRoutes);
  app.route("/", operatorRoutes);
  app.route("/", adminAppRoutes);
  app.route("/", accessRoutes);
  app.route("/", identityKeyRoutes);
  app.route("/", demoTokenRoutes);
  app.route("/", adminUserRoutes);
  app.route("/", approvalRoutes);
  app.route("/", messageRoutes);
  app.route("/", campaignRoutes);
  app.route("/", campaignActionRoutes);
  app.route("/", campaignReportRoutes);
  app.route("/", webhookRoutes);
  app.route("/", deliveryAdminRoutes);
  app.route("/", inAppRoutes);
  app.route("/", segmentPreviewRoutes);
  app.route("/", segmentReportRoutes);
  app.route("/", segmentRoutes);
  app.route("/", appStatsRoutes);
  app.route("/", userSearchRoutes);
  app.route("/", geofenceRoutes);
  app.route("/", beaconRoutes);
  app.route("/", locationRoutes);
  app.route("/", pushOpenRoutes);
  app.route("/", analyticsRoutes);

  registerDocumentation(app);
  // Built on first request, once per isolate: it is large and the same for every request.
  let document: Record<string, unknown> | undefined;
  app.route(
    "/",
    docsRoutes(() => (document ??= buildDocument(app))),
  );
  return app;
}
