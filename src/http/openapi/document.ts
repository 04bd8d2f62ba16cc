import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HonoEnv } from "../hono-env";
import { addErrorResponses } from "./extra-responses";
import { splitInputOutput } from "./io";
import { derivedOperationId, OPERATION_IDS } from "./operation-ids";
import { registerSdkPaths } from "./sdk-paths";

/**
 * The OpenAPI 3.1 document of the whole HTTP surface: the admin and operator API (declared
 * with `createRoute`), the SDK routes and webhooks (registered in `openapi-sdk-paths.ts`).
 * Served at `/openapi.json` (and `/admin/openapi.json`), committed as `openapi/beckon.openapi.json`
 * by `npm run openapi`, and rendered at `/docs`. No request data goes in: it is the same bytes
 * on every deployment, so a test can compare the committed file with what the Worker serves.
 */
export const DOCUMENT_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Beckon API",
    version: "1.0.0",
    summary: "Self-hosted mobile engagement on Cloudflare Workers",
    description: [
      "Beckon's HTTP API. **SDK routes** (`/v1/...`) take a public *write key* and are Segment HTTP Tracking API compatible; ",
      "**admin routes** (`/admin/...`) take an app's secret *admin key*; the **operator routes** (`/admin/apps`) take the deployment's `OPERATOR_TOKEN`.",
      '\n\nEvery error has one shape, `Error`: `{"error": {"code", "message", "problems"?: [{"field", "message"}]}}`; bad input is a 4xx naming the field.',
      "\n\nA typed client: `npx openapi-typescript openapi/beckon.openapi.json -o beckon.d.ts`, then `createClient<paths>()` from openapi-fetch (see docs/api.md).",
    ].join(""),
    license: { name: "MIT", identifier: "MIT" },
  },
  servers: [
    { url: "http://localhost:8787", description: "Local development (`npm start`)" },
    {
      url: "https://{host}",
      description: "Your deployment",
      variables: {
        host: {
          default: "beckon.your-account.workers.dev",
          description: "the host your Worker is served on (its workers.dev name or a custom domain)",
        },
      },
    },
  ],
  tags: [
    {
      name: "sdk-ingest",
      description:
        "Segment-compatible tracking calls (write key). Short paths (`/v1/t`, `/v1/b`, …) are the ones analytics.js uses.",
    },
    { name: "sdk", description: "Devices, consent, location and client config for SDKs (write key)" },
    { name: "sdk-in-app", description: "In-app messages and content cards for SDKs (write key)" },
    {
      name: "sdk-settings",
      description: "Settings documents the Segment and RudderStack browser SDKs load before sending",
    },
    { name: "operator", description: "Apps and their keys (OPERATOR_TOKEN)" },
    { name: "app", description: "The app's settings and identity keys (admin key)" },
    { name: "users", description: "One person: profile, timeline, GDPR export and erasure (admin key)" },
    { name: "campaigns", description: "Campaigns and journeys: definitions, lifecycle, triggers, stats (admin key)" },
    {
      name: "approvals",
      description: "Approvals of large activations: list, approve, reject (admin key with the approver right)",
    },
    { name: "messages", description: "Message previews rendered for a real person, and test sends (admin key)" },
    { name: "in-app", description: "Test sends of in-app messages and cards (admin key)" },
    { name: "segments", description: "Lifecycle, RFM, churn model and saved segments (admin key)" },
    {
      name: "stats",
      description: "App-wide figures the console charts: messages per day, consent per channel (admin key)",
    },
    {
      name: "analytics",
      description: "Product analytics: funnels, retention cohorts, lifecycle flow, KPIs over time (admin key)",
    },
    { name: "geofences", description: "Geofences and beacons (admin key)" },
    { name: "delivery", description: "Sends, their provider events and dead letters (admin key)" },
    { name: "delivery-webhooks", description: "Provider webhooks and unsubscribe links, verified by signature" },
    { name: "testing", description: "Virtual time for tests and replays (only with ALLOW_VIRTUAL_CLOCK)" },
    { name: "meta", description: "This document and the API reference" },
  ],
};

export function registerDocumentation(app: OpenAPIHono<HonoEnv>): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "admin", {
    type: "http",
    scheme: "bearer",
    description: "An app's admin key (`bk_a_…`, secret): `Authorization: Bearer <admin key>`",
  });
  registry.registerComponent("securitySchemes", "operator", {
    type: "http",
    scheme: "bearer",
    description: "The deployment's OPERATOR_TOKEN secret: `Authorization: Bearer <token>`",
  });
  registry.registerComponent("securitySchemes", "writeKey", {
    type: "http",
    scheme: "basic",
    description:
      "An app's write key (`bk_w_…`, public) as the Basic auth username with an empty password (Segment's scheme); or `writeKey` in the body or query. A server key (`bk_s_…`) goes here only, never in a body or URL.",
  });
  registerSdkPaths(registry);
  const json = { "application/json": { schema: { type: "object" as const, additionalProperties: true } } };
  registry.registerPath({
    method: "get",
    path: "/",
    operationId: "getServiceInfo",
    tags: ["meta"],
    summary: "Service name and where the docs are",
    security: [],
    responses: { 200: { description: "Service info", content: json } },
  });
  registry.registerPath({
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    tags: ["meta"],
    summary: "This OpenAPI 3.1 document",
    security: [],
    responses: { 200: { description: "The document", content: json } },
  });
  registry.registerPath({
    method: "get",
    path: "/admin/openapi.json",
    operationId: "getAdminOpenApiDocument",
    tags: ["meta"],
    summary: "This OpenAPI 3.1 document (its original address)",
    security: [],
    responses: { 200: { description: "The document", content: json } },
  });
  registry.registerPath({
    method: "get",
    path: "/docs",
    operationId: "getApiReference",
    tags: ["meta"],
    summary: "The API reference (HTML rendered from this document)",
    security: [],
    responses: {
      200: { description: "HTML", content: { "text/html": { schema: { type: "string" } } } },
      503: { description: "The static assets are not deployed" },
    },
  });
}

type Operation = { operationId?: string } & Record<string, unknown>;
const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** The document of an app's routes (the app is changed: its registry gains the documentation). */
export function documentOf(app: OpenAPIHono<HonoEnv>): Record<string, unknown> {
  registerDocumentation(app);
  return buildDocument(app);
}

/** The finished document: operationIds filled in, responses with output semantics. */
export function buildDocument(app: OpenAPIHono<HonoEnv>): Record<string, unknown> {
  const doc = app.getOpenAPI31Document(DOCUMENT_CONFIG) as unknown as {
    paths: Record<string, Record<string, Operation>>;
    webhooks?: Record<string, unknown>;
  };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.has(method)) continue;
      op.operationId ??= OPERATION_IDS[`${method.toUpperCase()} ${path}`] ?? derivedOperationId(method, path);
      addErrorResponses(method, path, op as unknown as Parameters<typeof addErrorResponses>[2]);
    }
  }
  if (doc.webhooks && Object.keys(doc.webhooks).length === 0) delete doc.webhooks;
  splitInputOutput(doc);
  return doc;
}
