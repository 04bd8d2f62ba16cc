import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import "@hono/zod-openapi"; // extends zod with .openapi()
import * as z from "zod";
import { CARD_ACTIONS, InAppEngagement } from "../../domain/inapp/model";
import { CardFeed, DeviceView, PendingView } from "./views";
import { DevicesRequest, LocationRequest } from "./sdk-requests";
import { ErrorSchema, FieldProblemSchema } from "./openapi";
import { error, json, jsonRequest as body, pathAdder, sdkErrors, WRITE_KEY } from "./sdk-path-kit";
import { registerIngestPaths } from "./sdk-ingest-paths";

/**
 * The SDK routes (`/v1/...`, write key) and the provider webhooks in the OpenAPI document.
 * Their handlers are plain Hono routes (they read raw bodies for the Segment limits and accept
 * what Segment/RudderStack clients send), so they are described here, not re-declared: the
 * registry only documents, it never validates. Keep in step with the handlers. The tracking
 * calls are in sdk-ingest-paths.ts.
 */

const Person = {
  userId: z.string().min(1).max(256).optional(),
  anonymousId: z.string().min(1).max(256).optional(),
  userToken: z.string().optional(),
};
const PersonQuery = z.object({
  ...Person,
  writeKey: z.string().optional().openapi({ description: "the write key, when no Basic auth header can be sent" }),
});
const EngagementResults = z.object({
  success: z.boolean(),
  results: z.array(z.object({ outcome: z.string(), problems: z.array(FieldProblemSchema).optional() }).loose()),
});

export function registerSdkPaths(registry: OpenAPIHono["openAPIRegistry"]): void {
  const add = pathAdder(registry);
  registerIngestPaths(add);

  add("post", "/v1/devices", {
    operationId: "updateDevices",
    tags: ["sdk"],
    summary: "Push registrations, email/phone, consent, timezone and locale of one person",
    security: WRITE_KEY,
    request: body(DevicesRequest),
    responses: {
      200: json(z.object({ success: z.literal(true), devices: z.array(DeviceView) }), "The person's devices now"),
      ...sdkErrors,
    },
  });
  add("post", "/v1/location", {
    operationId: "sendLocation",
    tags: ["sdk"],
    summary: "One location fix or a batch of history; geofence enter/exit/dwell are derived server-side",
    security: WRITE_KEY,
    request: body(LocationRequest),
    responses: {
      200: json(z.object({ success: z.literal(true) }).loose(), "Applied, with the transitions it caused"),
      ...sdkErrors,
    },
  });
  add("get", "/v1/geofences/nearby", {
    operationId: "nearbyGeofences",
    tags: ["sdk"],
    summary: "The nearest enabled fences (as circles an OS can monitor) and beacon regions",
    security: WRITE_KEY,
    request: {
      query: z.object({
        lat: z.number().min(-90).max(90),
        lng: z.number().min(-180).max(180),
        limit: z.number().int().min(1).max(100).optional().openapi({ description: "default 20" }),
        writeKey: z.string().optional(),
      }),
    },
    responses: {
      200: json(
        z.object({
          geofences: z.array(
            z
              .object({
                id: z.string(),
                externalId: z.string().nullable(),
                name: z.string(),
                kind: z.string(),
                tags: z.array(z.string()),
                latitude: z.number(),
                longitude: z.number(),
                radius: z.number(),
                distance: z.number(),
                dwellSeconds: z.number().nullable(),
              })
              .loose(),
          ),
          refreshDistance: z.number().nullable().openapi({
            description: "ask again once the device has moved this far (metres); null: every fence was returned",
          }),
          beacons: z.array(z.record(z.string(), z.unknown())),
        }),
        "Nearest fences and beacons",
      ),
      ...sdkErrors,
    },
  });
  add("get", "/v1/config", {
    operationId: "getSdkConfig",
    tags: ["sdk"],
    summary: "What a client needs before registering for Web Push",
    security: WRITE_KEY,
    request: { query: z.object({ writeKey: z.string().optional() }) },
    responses: {
      200: json(
        z.object({
          appId: z.string(),
          webPush: z.object({ vapidPublicKey: z.string() }).nullable(),
          inApp: z.object({ minIntervalSeconds: z.number() }),
        }),
        "Client config",
      ),
      401: sdkErrors[401],
    },
  });
  add("get", "/v1/in-app", {
    operationId: "getPendingInApp",
    tags: ["sdk-in-app"],
    summary: "Pending in-app messages in display order, client-side trigger rules, pacing",
    security: WRITE_KEY,
    request: { query: PersonQuery },
    responses: { 200: json(PendingView, "Pending messages"), ...sdkErrors },
  });
  add("post", "/v1/in-app/events", {
    operationId: "sendInAppEngagement",
    tags: ["sdk-in-app"],
    summary: "Impressions, clicks, dismissals and survey answers (each counts once)",
    security: WRITE_KEY,
    request: body(
      z.object({ ...Person, writeKey: z.string().optional(), events: z.array(InAppEngagement).min(1).max(50) }),
    ),
    responses: {
      200: json(EngagementResults, "Recorded"),
      400: json(
        EngagementResults.extend({ error: ErrorSchema.shape.error }),
        "Some events rejected; the others were recorded",
      ),
      401: sdkErrors[401],
      404: error("No such user"),
    },
  });
  add("get", "/v1/connect", {
    operationId: "connectLive",
    tags: ["sdk-in-app"],
    summary: "WebSocket upgrade: in-app messages and cards pushed live (write key and user token as query parameters)",
    security: WRITE_KEY,
    request: { query: PersonQuery },
    responses: {
      101: { description: "Switching protocols (WebSocket)" },
      401: sdkErrors[401],
      426: error("Not a WebSocket upgrade"),
    },
  });
  add("get", "/v1/cards", {
    operationId: "getCards",
    tags: ["sdk-in-app"],
    summary: "The person's content card feed, pinned first then newest",
    security: WRITE_KEY,
    request: { query: PersonQuery },
    responses: { 200: json(CardFeed, "The feed"), ...sdkErrors },
  });
  add("post", "/v1/cards/{id}/{action}", {
    operationId: "actOnCard",
    tags: ["sdk-in-app"],
    summary: "View, read, click, dismiss, pin or unpin a card",
    security: WRITE_KEY,
    request: {
      params: z.object({
        id: z.string().openapi({ param: { name: "id", in: "path" } }),
        action: z.enum(CARD_ACTIONS).openapi({ param: { name: "action", in: "path" } }),
      }),
      ...body(z.object({ ...Person, writeKey: z.string().optional() })),
    },
    responses: {
      200: json(
        z.object({ success: z.literal(true), card: z.record(z.string(), z.unknown()), outcome: z.string() }),
        "The card after the action",
      ),
      ...sdkErrors,
      404: error("No such card for this person"),
    },
  });

  // Settings documents the Segment and RudderStack browser SDKs fetch before sending (no auth header: the write key is in the URL).
  add("get", "/v1/projects/{writeKey}/settings", {
    operationId: "getSegmentSettings",
    tags: ["sdk-settings"],
    summary: "analytics.js settings (cdnURL pointed at Beckon): Segment.io sends back to this host",
    security: [],
    request: { params: z.object({ writeKey: z.string().openapi({ param: { name: "writeKey", in: "path" } }) }) },
    responses: {
      200: json(z.object({ integrations: z.record(z.string(), z.unknown()) }).loose(), "The settings document"),
      401: error("Missing write key"),
      404: error("Unknown write key"),
    },
  });
  add("get", "/sourceConfig", {
    operationId: "getRudderStackSourceConfig",
    tags: ["sdk-settings"],
    summary: "RudderStack JS v3 source config (configUrl pointed at Beckon)",
    security: [{ writeKey: [] }, {}],
    request: {
      query: z.object({ writeKey: z.string().optional(), p: z.string().optional(), v: z.string().optional() }),
    },
    responses: {
      200: json(z.object({ isHosted: z.boolean(), source: z.record(z.string(), z.unknown()) }), "The source config"),
      401: error("Missing write key"),
      404: error("Unknown write key"),
    },
  });

  // Signed links and provider webhooks: authenticated by their signature, not a key.
  const html = (description: string) => ({ description, content: { "text/html": { schema: z.string() } } });
  const Signed = z.object({ u: z.string().optional(), sig: z.string().optional() }).loose();
  add("get", "/v1/unsubscribe", {
    operationId: "unsubscribeForm",
    tags: ["delivery-webhooks"],
    summary: "A person following an unsubscribe link: a confirmation form (link scanners prefetch GETs)",
    security: [],
    request: { query: Signed },
    responses: { 200: html("The form"), 400: error("The link is not valid") },
  });
  add("post", "/v1/unsubscribe", {
    operationId: "unsubscribeOneClick",
    tags: ["delivery-webhooks"],
    summary: "RFC 8058 one-click unsubscribe (List-Unsubscribe=One-Click)",
    security: [],
    request: { query: Signed },
    responses: { 200: html("Unsubscribed"), 400: error("The link is not valid") },
  });
  const webhook = (path: string, operationId: string, summary: string, method: RouteConfig["method"] = "post") =>
    add(method, path, {
      operationId,
      tags: ["delivery-webhooks"],
      summary,
      security: [],
      responses: {
        200: { description: "Received (replays are no-ops)" },
        401: error("Bad or missing provider signature"),
      },
    });
  webhook("/webhooks/twilio/status", "twilioStatusWebhook", "Twilio delivery status callbacks (X-Twilio-Signature)");
  webhook("/webhooks/twilio/inbound", "twilioInboundWebhook", "Twilio inbound SMS: STOP/START keywords change consent");
  webhook("/webhooks/sendgrid", "sendgridWebhook", "SendGrid event webhook (signed, ECDSA)");
  webhook("/webhooks/resend", "resendWebhook", "Resend webhook (Svix signature)");
  webhook("/webhooks/whatsapp", "whatsappWebhookVerify", "WhatsApp webhook verification (hub.challenge)", "get");
  webhook("/webhooks/whatsapp", "whatsappWebhook", "WhatsApp Cloud API webhook (X-Hub-Signature-256)");

  const asset = (path: string, operationId: string, summary: string) =>
    add("get", path, {
      operationId,
      tags: ["sdk"],
      summary,
      security: [],
      responses: {
        200: { description: "JavaScript", content: { "text/javascript": { schema: z.string() } } },
        304: { description: "Not modified (ETag)" },
      },
    });
  asset("/sdk/beckon.js", "getWebSdk", "The web SDK (an ES module)");
  asset("/sdk/beckon-sw.js", "getWebSdkServiceWorker", "The web SDK's Web Push service worker");
}
