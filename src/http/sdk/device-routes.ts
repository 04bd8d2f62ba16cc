import { Hono } from "hono";
import { sdkRequest } from "./sdk-request";
import { userStub } from "../../engine/user-stub";
import * as z from "zod";
import { E164_RE, isTimezone, LOCALE_RE } from "../../domain/profile/profile";
import { DeviceRegistration } from "../../engine/devices";
import type { HonoEnv } from "../hono-env";
import { userObjectName } from "../../kernel/ids";
import { verifyIdentity } from "../middleware/user-token";

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

export const deviceRoutes = new Hono<HonoEnv>();

deviceRoutes.post("/v1/devices", async (c) => {
  const request = await sdkRequest(c, DevicesRequest, 64 * 1024);
  const { writeKey: _k, userToken: _t, userId, anonymousId, ...update } = request;
  await verifyIdentity(c, [userId], request);
  const app = c.get("app");
  const target = userObjectName(app.appId, { userId, anonymousId });
  const result = await userStub(c.env.USER, target.name).updateDevices({
    appId: app.appId,
    userId: target.userId,
    anonymous: target.anonymous,
    configVersion: app.configVersion,
    now: c.get("now"),
    virtualClock: c.get("virtualClock"),
    update: { ...update, source: "sdk" },
  });
  return c.json({ success: true, devices: result.devices });
});
