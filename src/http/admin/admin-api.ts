import { except } from "hono/combine";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HonoEnv } from "../hono-env";
import { adminAuth } from "../middleware/auth";
import { adminBodyGuard } from "../middleware/body";
import { awaitConfigPropagation } from "../middleware/config-propagation";
import { adminRouter } from "../openapi/openapi";
import { accessRoutes } from "./access-routes";
import { analyticsRoutes, backfillRoutes, funnelRoutes } from "./analytics";
import { adminAppRoutes } from "./app-routes";
import { appStatsRoutes } from "./app-stats-routes";
import { approvalRoutes } from "./approval-routes";
import { beaconRoutes } from "./beacon-routes";
import { benchAdminRoutes } from "./bench-routes";
import { campaignActionRoutes } from "./campaign-action-routes";
import { campaignReportRoutes } from "./campaign-report-routes";
import { campaignReviewRoutes } from "./campaign-review-routes";
import { campaignRoutes } from "./campaign-routes";
import { clockRoutes } from "./clock-routes";
import { deadLetterRoutes } from "./dead-letter-routes";
import { geofenceRoutes } from "./geofence-routes";
import { identityKeyRoutes } from "./identity-key-routes";
import { messageRoutes } from "./message-routes";
import { operatorRoutes } from "./operator-routes";
import { segmentPreviewRoutes } from "./segment-preview-routes";
import { segmentReportRoutes } from "./segment-report-routes";
import { segmentRoutes } from "./segment-routes";
import { sendRoutes } from "./send-routes";
import { userInAppRoutes } from "./user-inapp-routes";
import { userRoutes } from "./user-routes";
import { userSearchRoutes } from "./user-search-routes";

/** Under `/admin` but not an app's admin API: the operator's (OPERATOR_TOKEN, operator-routes.ts) and the public document. */
const NOT_ADMIN_KEY = ["/admin/apps", "/admin/apps/*", "/admin/openapi.json"];

/**
 * The admin API, mounted at `/admin`: one sub-app per resource at its prefix. Every request is read
 * within the admin body limit, answers only once config changes have propagated, and is authenticated
 * once, here, with the app's admin key (and its role, `middleware/roles.ts`) before any route runs.
 *
 * Mount order is the order of the API reference, and a static path comes before the parameter
 * that would take it (`/segments/model` before `/segments/{segmentId}`).
 */
export function adminApi(): OpenAPIHono<HonoEnv> {
  const admin = adminRouter();
  admin.use("*", adminBodyGuard);
  admin.use("*", awaitConfigPropagation);
  admin.use("*", except(NOT_ADMIN_KEY, adminAuth));

  admin.route("/_bench", benchAdminRoutes);
  admin.route("/apps", operatorRoutes);
  admin.route("/app", adminAppRoutes);
  admin.route("/me", accessRoutes);
  admin.route("/app/identity-keys", identityKeyRoutes);
  admin.route("/users", userRoutes);
  admin.route("/tick", clockRoutes);
  admin.route("/campaigns", campaignReviewRoutes);
  admin.route("/approvals", approvalRoutes);
  admin.route("/messages", messageRoutes);
  admin.route("/campaigns", campaignRoutes);
  admin.route("/campaigns", campaignActionRoutes);
  admin.route("/campaigns", campaignReportRoutes);
  admin.route("/sends", sendRoutes);
  admin.route("/dead-letters", deadLetterRoutes);
  admin.route("/users", userInAppRoutes);
  admin.route("/segments", segmentPreviewRoutes);
  admin.route("/segments", segmentReportRoutes);
  admin.route("/segments", segmentRoutes);
  admin.route("/stats", appStatsRoutes);
  admin.route("/users", userSearchRoutes);
  admin.route("/geofences", geofenceRoutes);
  admin.route("/beacons", beaconRoutes);
  admin.route("/funnels", funnelRoutes);
  admin.route("/funnels", backfillRoutes);
  admin.route("/analytics", analyticsRoutes);
  return admin;
}
