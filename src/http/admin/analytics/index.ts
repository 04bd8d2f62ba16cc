import { adminAuth } from "../../middleware/auth";
import { adminRouter } from "../../openapi/openapi";
import { backfillRoutes } from "./backfill-routes";
import { exportRoutes } from "./export-routes";
import { funnelRoutes } from "./funnel-routes";
import { kpiRoutes } from "./kpi-routes";
import { lifecycleAnalyticsRoutes } from "./lifecycle-routes";

/**
 * Product analytics admin API (docs/analytics.md "Analytics"): funnels, retention cohorts, lifecycle
 * flow, KPIs and the export. Figures come from the counters each person's object adds to
 * (src/domain/analytics/counters.ts); days are UTC. One admin check for the whole group.
 */
export const analyticsRoutes = adminRouter();
analyticsRoutes.use("/admin/funnels", adminAuth);
analyticsRoutes.use("/admin/funnels/*", adminAuth);
analyticsRoutes.use("/admin/analytics/*", adminAuth);
analyticsRoutes.route("/", funnelRoutes);
analyticsRoutes.route("/", backfillRoutes);
analyticsRoutes.route("/", lifecycleAnalyticsRoutes);
analyticsRoutes.route("/", kpiRoutes);
analyticsRoutes.route("/", exportRoutes);
