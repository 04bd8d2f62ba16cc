import "@hono/zod-openapi"; // extends zod with .openapi()
import * as z from "zod";
import { ErrorSchema, FieldProblemSchema } from "./openapi";
import { type AddPath, json, sdkErrors, WRITE_KEY } from "./sdk-path-kit";

/**
 * The Segment-compatible tracking calls in the OpenAPI document: `/v1/batch` and the single calls,
 * each with analytics.js's short form. The handlers (http/sdk/ingest-routes.ts) read the raw body
 * for the Segment limits, so these schemas document what is accepted; they do not validate it.
 */

const Id = z.union([z.string().min(1).max(256), z.number()]);
const Context = z
  .object({
    timezone: z.string().max(64).openapi({ example: "Europe/Paris" }),
    locale: z.string().max(35).openapi({ example: "fr-FR" }),
    ip: z.string(),
    userAgent: z.string(),
    traits: z.record(z.string(), z.unknown()),
  })
  .partial()
  .loose()
  .openapi("SegmentContext", {
    description: "Segment's `context` object. Other fields clients send (library, device, os, app, …) are accepted.",
  });

/** A Segment spec call. Unknown fields (`_metadata`, `channel`, …) are accepted and ignored. */
const callFields = {
  userId: Id.nullable().optional().openapi({
    description: "the person's id; `\"\"` counts as absent (RudderStack's anonymous calls)",
    example: "ada",
  }),
  anonymousId: Id.nullable()
    .optional()
    .openapi({ description: "a device/visitor id; `userId` or `anonymousId` is required", example: "3f2c9a7e" }),
  messageId: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .openapi({ description: "dedupe key: a call with a messageId already seen is counted as a duplicate" }),
  timestamp: z
    .union([z.string(), z.number()])
    .optional()
    .openapi({ description: "when it happened (ISO-8601 or epoch ms); corrected for clock skew with `sentAt`" }),
  sentAt: z.union([z.string(), z.number()]).optional(),
  context: Context.optional(),
  writeKey: z.string().optional().openapi({ description: "the write key, for clients that cannot send Basic auth" }),
  userToken: z
    .string()
    .optional()
    .openapi({ description: "identity verification: the person's user token (or the X-Beckon-User-Token header)" }),
};
const props = z.record(z.string(), z.unknown());
const Track = z
  .object({
    ...callFields,
    event: z.string().min(1).max(256).openapi({ example: "Signed Up" }),
    properties: props.nullable().optional(),
  })
  .loose()
  .openapi("TrackCall");
const Identify = z
  .object({ ...callFields, traits: props.nullable().optional() })
  .loose()
  .openapi("IdentifyCall");
const Page = z
  .object({ ...callFields, name: z.string().max(256).nullable().optional(), properties: props.nullable().optional() })
  .loose()
  .openapi("PageCall");
const Screen = Page.openapi("ScreenCall");
const Group = z
  .object({ ...callFields, groupId: Id, traits: props.nullable().optional() })
  .loose()
  .openapi("GroupCall");
const Alias = z
  .object({ ...callFields, previousId: Id, userId: Id })
  .loose()
  .openapi("AliasCall");
const BatchCall = z
  .object({
    ...callFields,
    type: z.enum(["track", "identify", "page", "screen", "group", "alias"]),
    event: z.string().optional(),
    name: z.string().nullable().optional(),
    properties: props.nullable().optional(),
    traits: props.nullable().optional(),
    previousId: Id.optional(),
    groupId: Id.optional(),
  })
  .loose()
  .openapi("BatchCall", {
    description: "One call of a batch: `type` says which; its fields are those of the single call",
  });
const Batch = z
  .object({
    batch: z.array(BatchCall),
    sentAt: z.union([z.string(), z.number()]).optional(),
    writeKey: z.string().optional(),
    userToken: z.string().optional(),
    context: Context.optional(),
  })
  .loose()
  .openapi("Batch", {
    example: {
      batch: [
        {
          type: "track",
          userId: "ada",
          event: "Product Added",
          properties: { product: "Shoes", cart_id: "c1" },
          messageId: "m-1",
        },
      ],
    },
  });

const IngestResult = z
  .object({
    success: z.literal(true),
    accepted: z.number().int().openapi({ description: "calls that passed validation" }),
    applied: z.number().int(),
    duplicates: z.number().int().openapi({ description: "calls whose messageId was already seen" }),
  })
  .openapi("IngestResult");
const IngestRejected = z
  .object({
    success: z.literal(false),
    accepted: z.number().int(),
    applied: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.array(
      z.object({ index: z.number().int(), messageId: z.string().optional(), problems: z.array(FieldProblemSchema) }),
    ),
    error: ErrorSchema.shape.error,
  })
  .openapi("IngestRejected", {
    description: "Some calls were rejected (named by their index); the others were applied",
  });

// A body over the limits (500 KB, 32 KB per call, 32 levels) is a 400 `too_large`/`too_deep` in the Error shape.
const ingestResponses = {
  200: json(IngestResult, "Accepted"),
  400: json(
    z.union([IngestRejected, ErrorSchema]),
    "One or more calls rejected (IngestRejected names each), or the body as a whole is invalid or too large (Error)",
  ),
  401: sdkErrors[401],
};
const CALLS = [
  ["track", "t", Track, "Record an event the person did"],
  ["identify", "i", Identify, "Identify the person and set traits"],
  ["page", "p", Page, "Record a page view"],
  ["screen", "s", Screen, "Record a screen view"],
  ["group", "g", Group, "Associate the person with a group"],
  ["alias", "a", Alias, "Link a previous id to the person"],
] as const;

// analytics.js posts its calls as text/plain (no CORS preflight); the body is the same JSON.
const ingestBody = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema }, "text/plain": { schema } } },
});

export function registerIngestPaths(add: AddPath): void {
  add("post", "/v1/batch", {
    operationId: "batch",
    tags: ["sdk-ingest"],
    summary: "Send several calls at once (Segment batch, 500 KB, 32 KB per call)",
    security: WRITE_KEY,
    request: ingestBody(Batch),
    responses: ingestResponses,
  });
  add("post", "/v1/b", {
    operationId: "batchShort",
    tags: ["sdk-ingest"],
    summary: "Short form of /v1/batch (analytics.js)",
    security: WRITE_KEY,
    request: ingestBody(Batch),
    responses: ingestResponses,
  });
  for (const [call, short, schema, summary] of CALLS) {
    add("post", `/v1/${call}`, {
      operationId: call,
      tags: ["sdk-ingest"],
      summary,
      security: WRITE_KEY,
      request: ingestBody(schema),
      responses: ingestResponses,
    });
    add("post", `/v1/${short}`, {
      operationId: `${call}Short`,
      tags: ["sdk-ingest"],
      summary: `Short form of /v1/${call} (analytics.js)`,
      security: WRITE_KEY,
      request: ingestBody(schema),
      responses: ingestResponses,
    });
  }
}
