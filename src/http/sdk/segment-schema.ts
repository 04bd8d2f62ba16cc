import * as z from "zod";
import type { BeckonEvent, SegmentCallType } from "../../domain/events/beckon-event";
import { NAME_OF_CALL } from "../../domain/events/beckon-event";
import type { Millis } from "../../kernel/clock";
import type { JsonObject } from "../../kernel/json";
import { problemsOf } from "../../kernel/errors";
import type { FieldProblem } from "../../kernel/errors";
import { geoEventProblems } from "../../domain/geo/geo-input";
import { ContextInput, keptContext, pushTokenOf } from "../../domain/events/event-context";

/** Limits of the Segment HTTP Tracking API, which Beckon keeps. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;

const id = z.union([z.string().min(1).max(256), z.number().finite()]).transform(String);
/** RudderStack JS v3 sends anonymous calls with `userId: ""`: an empty id is an absent one. */
const optionalId = z.preprocess((v) => (v === "" ? undefined : v), id.optional());
const dateLike = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const t = typeof v === "number" ? v : Date.parse(v);
  if (!Number.isFinite(t)) {
    ctx.addIssue({ code: "custom", message: "not a valid ISO-8601 date" });
    return z.NEVER;
  }
  return t;
});
const record = z.record(z.string(), z.unknown());

/**
 * One call of the Segment spec. Unknown top-level fields (Segment and RudderStack
 * clients add `_metadata`, `channel`, `rudderId`, …) are accepted and ignored, so
 * instrumented apps work unchanged; Beckon's own endpoints are strict instead.
 */
const SegmentCall = z
  .object({
    type: z.enum(["track", "identify", "page", "screen", "group", "alias"]),
    userId: optionalId.nullable(),
    anonymousId: optionalId.nullable(),
    messageId: z.string().min(1).max(256).optional(),
    event: z.string().min(1).max(256).optional(),
    name: z.string().max(256).optional().nullable(),
    properties: record.optional().nullable(),
    traits: record.optional().nullable(),
    previousId: optionalId,
    groupId: id.optional(),
    timestamp: dateLike.optional(),
    /** RudderStack's name for the device's time of the call (Segment's `timestamp`). */
    originalTimestamp: dateLike.optional(),
    sentAt: dateLike.optional(),
    context: ContextInput.optional(),
  })
  .loose()
  .superRefine((c, ctx) => {
    if (c.userId == null && c.anonymousId == null)
      ctx.addIssue({ code: "custom", path: ["userId"], message: "userId or anonymousId is required" });
    if (c.type === "track" && !c.event)
      ctx.addIssue({ code: "custom", path: ["event"], message: "required for track calls" });
    if (c.type === "alias" && (c.previousId == null || c.userId == null))
      ctx.addIssue({ code: "custom", path: ["previousId"], message: "alias needs previousId and userId" });
    if (c.type === "group" && c.groupId == null)
      ctx.addIssue({ code: "custom", path: ["groupId"], message: "required for group calls" });
  });

export type EntryResult =
  | { ok: true; event: BeckonEvent }
  | { ok: false; problems: FieldProblem[]; messageId?: string };

/**
 * Validates one entry and normalises it. Clock skew is corrected the way Segment and
 * RudderStack do: timestamp = receivedAt − (sentAt − device time), where the device time is
 * `timestamp`, else RudderStack's `originalTimestamp` (offline-queued mobile calls keep the
 * moment they happened); the result never lies in the future.
 */
export function parseEntry(
  raw: unknown,
  opts: { type?: SegmentCallType; sentAt?: Millis; receivedAt: Millis; prefix: string; bytes: number },
): EntryResult {
  if (opts.bytes > MAX_EVENT_BYTES) {
    return {
      ok: false,
      problems: [{ field: opts.prefix || "(body)", message: `event exceeds the 32 KB limit (${opts.bytes} bytes)` }],
    };
  }
  const input = opts.type && raw && typeof raw === "object" ? { ...(raw as object), type: opts.type } : raw;
  const parsed = SegmentCall.safeParse(input);
  if (!parsed.success) {
    const messageId =
      raw && typeof raw === "object" && typeof (raw as { messageId?: unknown }).messageId === "string"
        ? (raw as { messageId: string }).messageId
        : undefined;
    return { ok: false, problems: problemsOf(parsed.error, opts.prefix), ...(messageId ? { messageId } : {}) };
  }
  const c = parsed.data;
  // Location and beacon events carry coordinates and ids that must be valid, like POST /v1/location.
  const geo = c.type === "track" ? geoEventProblems(c.event!, c.properties, opts.prefix) : [];
  if (geo.length > 0) return { ok: false, problems: geo, ...(c.messageId ? { messageId: c.messageId } : {}) };
  const receivedAt = opts.receivedAt;
  const sentAt = c.sentAt ?? opts.sentAt;
  const deviceTime = c.timestamp ?? c.originalTimestamp;
  let timestamp = deviceTime ?? receivedAt;
  if (deviceTime !== undefined && sentAt !== undefined) timestamp = receivedAt - (sentAt - deviceTime);
  if (timestamp > receivedAt) timestamp = receivedAt;
  const name =
    c.type === "track"
      ? c.event!
      : c.type === "page" || c.type === "screen"
        ? NAME_OF_CALL[c.type]
        : NAME_OF_CALL[c.type];
  const properties = { ...(c.properties ?? {}) } as JsonObject;
  if ((c.type === "page" || c.type === "screen") && c.name) properties.name ??= c.name;
  const traits = (c.traits ?? c.context?.traits ?? undefined) as JsonObject | undefined;
  const event: BeckonEvent = {
    messageId: c.messageId ?? "",
    type: c.type,
    name,
    properties,
    timestamp,
    receivedAt,
    ...(traits ? { traits } : {}),
    ...(c.userId != null ? { userId: c.userId } : {}),
    ...(c.anonymousId != null ? { anonymousId: c.anonymousId } : {}),
    ...(c.previousId != null ? { previousId: c.previousId } : {}),
    ...(c.groupId != null ? { groupId: c.groupId } : {}),
  };
  const context = c.context ? keptContext(c.context) : undefined;
  if (context) event.context = context;
  const pushToken = c.context ? pushTokenOf(c.context) : undefined;
  if (pushToken) event.pushToken = pushToken;
  return { ok: true, event };
}
