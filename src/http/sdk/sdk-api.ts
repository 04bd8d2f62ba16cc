import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import type { HonoEnv } from "../hono-env";
import { benchRoutes } from "./bench-routes";
import { deviceRoutes } from "./device-routes";
import { inAppRoutes } from "./inapp-routes";
import { ingestRoutes } from "./ingest-routes";
import { locationRoutes } from "./location-routes";
import { pushOpenRoutes } from "./push-open-routes";
import { segmentSettingsRoutes } from "./sdk-settings-routes";

/**
 * Every SDK route is called from web pages on any origin. Preflights reflect the requested
 * headers: SDKs add their own (analytics.js `X-Retry-Count` on retries, RudderStack
 * `AnonymousId`, `SentAt`, `rsa-*`), and an allowlist that misses one loses those calls silently.
 * Admin routes get no CORS headers: they are server-to-server.
 */
export const sdkCors = cors({ origin: "*", allowMethods: ["GET", "POST", "OPTIONS"], maxAge: 86400 });

/**
 * The SDK API, mounted at `/v1`: what apps, browsers and Segment or RudderStack clients call with
 * a write key (each route authenticates it, from the body, a query parameter or Basic auth, since
 * clients send it in different places). The signed unsubscribe link in emails, also under `/v1`, is
 * mounted beside it (webhooks/unsubscribe-routes.ts).
 */
export function sdkApi(): OpenAPIHono<HonoEnv> {
  const v1 = new OpenAPIHono<HonoEnv>();
  v1.use("*", sdkCors);
  v1.route("/", ingestRoutes);
  v1.route("/", deviceRoutes);
  v1.route("/", benchRoutes);
  v1.route("/", locationRoutes);
  v1.route("/", pushOpenRoutes);
  v1.route("/", inAppRoutes);
  v1.route("/projects", segmentSettingsRoutes);
  return v1;
}
