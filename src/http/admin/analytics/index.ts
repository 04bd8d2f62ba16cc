import { adminRouter } from "../../openapi/openapi";
import { exportRoutes } from "./export-routes";
import { kpiRoutes } from "./kpi-routes";
import { lifecycleAnalyticsRoutes } from "./lifecycle-routes";

/**
 * Product analytics admin API (docs/analytics.md "Analytics"), mounted at `/admin/analytics`:
 * retention cohorts, lifecycle flow, KPIs and the export; funnels (funnel-routes.ts) and their
 * backfills from the export (backfill-routes.ts) are mounted at `/admin/funnels`. Figures come from the counters each person's object adds to
 * (src/domain/analytics/counters.ts); days are UTC.
 */
export const analyticsRoutes = adminRouter();
analyticsRoutes.route("/", lifecycleAnalyticsRoutes);
analyticsRoutes.route("/", kpiRoutes);
analyticsRoutes.route("/", exportRoutes);

export { funnelRoutes } from "./funnel-routes";
export { backfillRoutes } from "./backfill-routes";
