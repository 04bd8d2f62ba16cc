import * as z from "zod";
import { E164_RE, isTimezone, LOCALE_RE } from "../../domain/profile/profile";
import { FixInput, MAX_FIXES_PER_REQUEST } from "../../domain/geo/geo-input";
import { DeviceRegistration } from "../../engine/devices";

/**
 * Request bodies of SDK routes that are both validated by their handlers (src/http/sdk/) and
 * described in the OpenAPI document (sdk-paths.ts): declared here, below both, so neither folder
 * imports the other's routes.
 */

const ConsentStatus = z.enum(["opted_in", "opted_out", "unknown"]);

/** `POST /v1/devices`: push registrations, channel addresses, consent, timezone and locale. Strict: unknown fields are errors. */
export const DevicesRequest = z
  .object({
    writeKey: z.string().optional(),
    /** Identity verification: the person's user token, for clients that cannot set X-Beckon-User-Token. */
    userToken: z.string().optional(),
    userId: z.string().min(1).max(256).optional(),
    anonymousId: z.string().min(1).max(256).optional(),
    register: z.array(DeviceRegistration).max(20).optional(),
    unregister: z.array(z.string().min(1)).max(20).optional(),
    email: z.email().nullable().optional(),
    phone: z.string().regex(E164_RE, "expected an E.164 number such as +14155550100").nullable().optional(),
    timezone: z.string().refine(isTimezone, "unknown IANA timezone").optional(),
    locale: z.string().regex(LOCALE_RE, "expected a BCP 47 locale such as en-US").optional(),
    consent: z
      .object({ push: ConsentStatus, email: ConsentStatus, sms: ConsentStatus, whatsapp: ConsentStatus })
      .partial()
      .strict()
      .optional(),
  })
  .strict()
  .refine((r) => r.userId || r.anonymousId, { message: "userId or anonymousId is required", path: ["userId"] });

/**
 * `POST /v1/location`: one fix or a batch of history (applied in timestamp
 * order). Strict: unknown fields are errors; bad coordinates or accuracy are a
 * 400 naming the field, and nothing is applied.
 */
export const LocationRequest = z
  .object({
    writeKey: z.string().optional(),
    /** Identity verification: the person's user token, for clients that cannot set X-Beckon-User-Token. */
    userToken: z.string().optional(),
    userId: z.string().min(1).max(256).optional(),
    anonymousId: z.string().min(1).max(256).optional(),
    fixes: z.array(FixInput).min(1).max(MAX_FIXES_PER_REQUEST).optional(),
    lat: FixInput.shape.lat.optional(),
    lng: FixInput.shape.lng.optional(),
    accuracy: FixInput.shape.accuracy.optional(),
    timestamp: FixInput.shape.timestamp,
  })
  .strict()
  .superRefine((r, ctx) => {
    if (!r.userId && !r.anonymousId)
      ctx.addIssue({ code: "custom", path: ["userId"], message: "userId or anonymousId is required" });
    const single = r.lat !== undefined || r.lng !== undefined || r.accuracy !== undefined || r.timestamp !== undefined;
    if (r.fixes && single)
      ctx.addIssue({
        code: "custom",
        path: ["fixes"],
        message: "send either fixes[] or one fix (lat, lng, accuracy), not both",
      });
    if (!r.fixes) {
      for (const field of ["lat", "lng", "accuracy"] as const)
        if (r[field] === undefined)
          ctx.addIssue({ code: "custom", path: [field], message: "required (or send fixes[])" });
    }
  });
