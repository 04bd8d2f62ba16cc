import { type Context, Hono } from "hono";
import { resolveKey } from "../../stores/config/app-directory";
import { basicAuthKey } from "../middleware/auth";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";

/**
 * The settings documents the Segment and RudderStack browser SDKs fetch before they send
 * anything, so `cdnURL` (analytics-next) or `configUrl` (RudderStack JS v3) can point at
 * Beckon and the SDK then sends its calls back to this same host, with no other configuration.
 */
export const segmentSettingsRoutes = new Hono<HonoEnv>();
/** Served at the paths RudderStack asks for (with and without the trailing slash), so mounted at the root. */
export const rudderStackConfigRoutes = new Hono<HonoEnv>();

async function appForWriteKey(c: Context<HonoEnv>, key: string | undefined) {
  if (!key)
    throw new DomainError(401, "unauthorized", "missing write key", [{ field: "writeKey", message: "required" }]);
  const app = await resolveKey(c.env.DB, "write", key, (p) => c.executionCtx.waitUntil(p));
  if (!app)
    throw new DomainError(404, "not_found", "no app has this write key", [
      { field: "writeKey", message: "unknown write key" },
    ]);
  return app;
}

/** analytics-next: `GET {cdnURL}/v1/projects/{writeKey}/settings` (mounted at `/v1/projects`); `Segment.io` is its only destination, Beckon. */
segmentSettingsRoutes.get("/:writeKey/settings", async (c) => {
  const writeKey = c.req.param("writeKey");
  await appForWriteKey(c, writeKey);
  const url = new URL(c.req.url);
  return c.json({
    integrations: {
      "Segment.io": {
        apiKey: writeKey,
        // analytics-next sends to `${protocol}://${apiHost}/{t,i,p,...}` (and `/b` when batching).
        apiHost: `${url.host}/v1`,
        protocol: url.protocol.replace(":", ""),
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    // No telemetry to Segment's servers.
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  });
});

/**
 * RudderStack JS v3: `GET {configUrl}/sourceConfig/?p=…&v=…&writeKey=…` (write key also as Basic auth).
 * It needs `source.id`, `source.config` and `source.destinations`; no device-mode destinations,
 * no error or metrics reporting to RudderStack.
 */
rudderStackConfigRoutes.on("GET", ["/sourceConfig", "/sourceConfig/"], async (c) => {
  const writeKey = c.req.query("writeKey") || basicAuthKey(c.req.header("authorization"));
  const app = await appForWriteKey(c, writeKey);
  return c.json({
    isHosted: false,
    source: {
      id: app.appId,
      name: app.appId,
      workspaceId: app.appId,
      writeKey,
      enabled: true,
      config: { statsCollection: { errorReports: { enabled: false }, metrics: { enabled: false } } },
      destinations: [],
    },
  });
});
