import { describe, expect, it } from "vitest";
import { transition, type DeliveryFact, type DeliveryStatus } from "../../src/delivery/status";
import { backoffSeconds, parseRetryAfter } from "../../src/delivery/retry";
import { parseLimit, take } from "../../src/delivery/token-bucket";
import { keywordAction } from "../../src/delivery/sms-keywords";
import { classifyFcmError } from "../../src/delivery/channels/fcm";
import { classifyApnsError } from "../../src/delivery/channels/apns";
import { classifyWebPushError } from "../../src/delivery/channels/webpush";
import { classifyTwilioError } from "../../src/delivery/channels/twilio";
import { classifyResendError } from "../../src/delivery/channels/resend";
import { classifySendgridError } from "../../src/delivery/channels/sendgrid";
import { classifyWhatsAppError } from "../../src/delivery/channels/whatsapp";
import { resendEvent, sendgridEvents, twilioStatusEvent, whatsappEvents } from "../../src/delivery/webhook-events";
import { unsubscribeUrl, verifyUnsubscribe } from "../../src/delivery/unsubscribe";
import { targetsOf } from "../../src/delivery/providers";

describe("delivery status only moves forward", () => {
  const apply = (facts: DeliveryFact[], from: DeliveryStatus = "sent") =>
    facts.reduce<DeliveryStatus>((s, f) => transition(s, f).status ?? s, from);

  it("follows the funnel in any arrival order", () => {
    expect(apply(["delivered", "opened", "clicked"])).toBe("clicked");
    expect(apply(["clicked", "opened", "delivered", "sent"])).toBe("clicked");
    expect(apply(["opened", "delivered"])).toBe("opened");
  });

  it("failed ends a message not yet delivered; bounced may follow delivered; nothing leaves them", () => {
    expect(apply(["failed", "delivered", "opened"])).toBe("failed");
    expect(apply(["delivered", "failed"])).toBe("delivered");
    expect(apply(["delivered", "bounced", "opened"])).toBe("bounced");
    expect(apply(["opened", "bounced"])).toBe("opened");
    expect(transition("failed", "bounced").status).toBeNull();
  });

  it("counts what a fact proves: an open proves delivery and sending", () => {
    expect(transition("sent", "opened").stats).toEqual(["sent", "delivered", "opened"]);
    expect(transition("clicked", "opened")).toEqual({ status: null, stats: ["sent", "delivered", "opened"] });
    expect(transition("bounced", "opened")).toEqual({ status: null, stats: [] });
    expect(transition("delivered", "failed")).toEqual({ status: null, stats: [] });
  });
});

describe("retry policy", () => {
  it("backs off exponentially with equal jitter, capped", () => {
    expect([1, 2, 3, 4].map((a) => backoffSeconds(a, undefined, () => 0))).toEqual([3, 5, 10, 20]);
    expect([1, 2, 3, 4].map((a) => backoffSeconds(a, undefined, () => 1))).toEqual([5, 10, 20, 40]);
    expect(backoffSeconds(30, undefined, () => 1)).toBe(3600);
  });

  it("honours Retry-After (seconds or HTTP date) with at most 10% spread, within the queue's 12 h", () => {
    expect(backoffSeconds(1, 120, () => 0)).toBe(120);
    expect(backoffSeconds(1, 120, () => 1)).toBe(132);
    expect(backoffSeconds(1, 10_000, () => 1)).toBe(10_030);
    expect(backoffSeconds(1, 90_000, () => 0)).toBe(43_200);
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30);
    expect(parseRetryAfter("Tue, 24 Nov 2026 10:01:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe("token bucket", () => {
  it("grants up to the burst, refills at the rate, and says when the rest can go", () => {
    const limit = { ratePerSecond: 10, burst: 20 };
    const a = take(null, limit, 25, 0);
    expect(a.granted).toBe(20);
    expect(a.retryAfterMs).toBe(500);
    const b = take(a.state, limit, 5, 500);
    expect(b.granted).toBe(5);
    const c = take(b.state, limit, 1, 500);
    expect(c).toMatchObject({ granted: 0, retryAfterMs: 100 });
    expect(take(c.state, limit, 100, 60_000).granted).toBe(20);
  });

  it("parses RATE_LIMIT_* values", () => {
    const fallback = { ratePerSecond: 1, burst: 1 };
    expect(parseLimit("30/60", fallback)).toEqual({ ratePerSecond: 30, burst: 60 });
    expect(parseLimit("2.5", fallback)).toEqual({ ratePerSecond: 2.5, burst: 3 });
    expect(parseLimit("fast", fallback)).toBe(fallback);
    expect(parseLimit(undefined, fallback)).toBe(fallback);
  });
});

describe("SMS keywords", () => {
  it("matches carrier keywords on the whole message, case-insensitively", () => {
    for (const w of ["STOP", "stop", " Stop. ", "STOPALL", "unsubscribe", "CANCEL", "end", "QUIT"])
      expect(keywordAction(w)).toBe("opt_out");
    for (const w of ["START", "yes", "Unstop"]) expect(keywordAction(w)).toBe("opt_in");
    expect(keywordAction("help")).toBe("help");
    expect(keywordAction("please stop sending")).toBeNull();
    expect(keywordAction(undefined)).toBeNull();
  });
});

describe("provider error classes → outcome", () => {
  const fcmErr = (status: string, errorCode?: string, message = "") => ({
    error: {
      code: 400,
      status,
      message,
      details: errorCode ? [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode }] : [],
    },
  });

  it("FCM", () => {
    expect(classifyFcmError(404, fcmErr("NOT_FOUND", "UNREGISTERED"), "t", undefined)).toMatchObject({
      kind: "failed",
      feedback: { kind: "invalid_token", token: "t", reason: "fcm:UNREGISTERED" },
    });
    expect(classifyFcmError(403, fcmErr("PERMISSION_DENIED", "SENDER_ID_MISMATCH"), "t", undefined)).toMatchObject({
      kind: "failed",
      feedback: { kind: "invalid_token" },
    });
    expect(
      classifyFcmError(
        400,
        fcmErr("INVALID_ARGUMENT", "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"),
        "t",
        undefined,
      ),
    ).toMatchObject({ feedback: { kind: "invalid_token" } });
    expect(classifyFcmError(400, fcmErr("INVALID_ARGUMENT", "INVALID_ARGUMENT", "bad ttl"), "t", undefined)).toEqual({
      kind: "failed",
      error: "FCM 400 INVALID_ARGUMENT: bad ttl",
    });
    expect(classifyFcmError(429, fcmErr("RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), "t", 30)).toMatchObject({
      kind: "retry",
      retryAfterSeconds: 30,
    });
    expect(classifyFcmError(503, fcmErr("UNAVAILABLE", "UNAVAILABLE"), "t", undefined)).toMatchObject({
      kind: "retry",
    });
    expect(classifyFcmError(500, fcmErr("INTERNAL", "INTERNAL"), "t", undefined)).toMatchObject({ kind: "retry" });
    expect(classifyFcmError(401, fcmErr("UNAUTHENTICATED"), "t", undefined)).toMatchObject({
      kind: "retry",
      invalidateAuth: true,
    });
    expect(classifyFcmError(401, fcmErr("UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"), "t", undefined)).toMatchObject({
      kind: "failed",
    });
  });

  it("APNs and Web Push", () => {
    expect(classifyApnsError(410, "Unregistered", "t", undefined)).toMatchObject({
      feedback: { kind: "invalid_token", reason: "apns:Unregistered" },
    });
    expect(classifyApnsError(400, "BadDeviceToken", "t", undefined)).toMatchObject({
      feedback: { kind: "invalid_token" },
    });
    expect(classifyApnsError(403, "ExpiredProviderToken", "t", undefined)).toMatchObject({
      kind: "retry",
      invalidateAuth: true,
    });
    expect(classifyApnsError(429, "TooManyRequests", "t", 5)).toMatchObject({ kind: "retry", retryAfterSeconds: 5 });
    expect(classifyApnsError(413, "PayloadTooLarge", "t", undefined)).toMatchObject({ kind: "failed" });
    expect(classifyApnsError(413, "PayloadTooLarge", "t", undefined)).not.toHaveProperty("feedback");
    for (const s of [404, 410])
      expect(classifyWebPushError(s, "https://push/x", "", undefined)).toMatchObject({
        feedback: { kind: "invalid_token", token: "https://push/x" },
      });
    expect(classifyWebPushError(429, "e", "", 60)).toMatchObject({ kind: "retry", retryAfterSeconds: 60 });
    expect(classifyWebPushError(413, "e", "", undefined)).toMatchObject({ kind: "failed" });
  });

  it("Twilio, Resend, SendGrid, WhatsApp", () => {
    expect(classifyTwilioError(400, { code: 21610, message: "unsubscribed" }, undefined)).toMatchObject({
      kind: "failed",
      feedback: { kind: "opt_out", channel: "sms" },
    });
    expect(classifyTwilioError(400, { code: 21211, message: "invalid To" }, undefined)).toMatchObject({
      kind: "failed",
    });
    expect(classifyTwilioError(429, { code: 20429 }, 3)).toMatchObject({ kind: "retry", retryAfterSeconds: 3 });
    expect(classifyTwilioError(401, { code: 20003 }, undefined)).toMatchObject({ kind: "retry" });
    expect(classifyResendError(422, { name: "validation_error" }, undefined)).toMatchObject({ kind: "failed" });
    expect(classifyResendError(429, { name: "daily_quota_exceeded" }, undefined)).toMatchObject({
      kind: "retry",
      retryAfterSeconds: 3600,
    });
    expect(classifyResendError(409, { name: "invalid_idempotent_request" }, undefined)).toMatchObject({
      kind: "failed",
    });
    expect(classifySendgridError(413, null, undefined)).toMatchObject({ kind: "failed" });
    expect(classifySendgridError(429, null, 9)).toMatchObject({ kind: "retry", retryAfterSeconds: 9 });
    expect(classifyWhatsAppError(400, { error: { code: 131047 } }, undefined)).toMatchObject({ kind: "failed" });
    expect(classifyWhatsAppError(400, { error: { code: 131056 } }, undefined)).toMatchObject({
      kind: "retry",
      retryAfterSeconds: 60,
    });
    expect(classifyWhatsAppError(401, { error: { code: 190 } }, undefined)).toMatchObject({ kind: "retry" });
  });
});

describe("webhook payloads → delivery events", () => {
  it("Twilio status callbacks", () => {
    expect(twilioStatusEvent({ MessageSid: "SM1", MessageStatus: "delivered" }, 5)).toEqual({
      eventId: "twilio:SM1:delivered",
      provider: "twilio",
      providerMessageId: "SM1",
      fact: "delivered",
      at: 5,
    });
    expect(twilioStatusEvent({ MessageSid: "SM1", MessageStatus: "queued" }, 5)).toBeNull();
    expect(twilioStatusEvent({ MessageSid: "SM1", MessageStatus: "undelivered", ErrorCode: "21610" }, 5)).toMatchObject(
      { eventId: "twilio:SM1:undelivered:21610", fact: "failed", optOut: { channel: "sms" } },
    );
  });

  it("SendGrid events", () => {
    const events = sendgridEvents([
      { event: "delivered", sg_message_id: "abc.filter0001", sg_event_id: "e1", timestamp: 10 },
      { event: "open", sg_message_id: "abc.filter0001", sg_event_id: "e2", timestamp: 11, sg_machine_open: true },
      { event: "bounce", type: "blocked", sg_message_id: "abc.f", sg_event_id: "e3", timestamp: 12 },
      { event: "spamreport", sg_message_id: "abc.f", sg_event_id: "e4", timestamp: 13 },
      { event: "deferred", sg_message_id: "abc.f", sg_event_id: "e5", timestamp: 14 },
    ]);
    expect(events.map((e) => [e.eventId, e.providerMessageId, e.fact, e.optOut?.source ?? null, e.at])).toEqual([
      ["sendgrid:e1", "abc", "delivered", null, 10_000],
      ["sendgrid:e3", "abc", "failed", null, 12_000],
      ["sendgrid:e4", "abc", null, "sendgrid:spamreport", 13_000],
    ]);
    expect(sendgridEvents({ not: "an array" })).toEqual([]);
  });

  it("Resend events", () => {
    const data = { email_id: "em_1" };
    expect(resendEvent("msg_1", { type: "email.clicked", created_at: "2026-11-24T10:00:00Z", data })).toMatchObject({
      eventId: "resend:msg_1",
      fact: "clicked",
      at: Date.parse("2026-11-24T10:00:00Z"),
    });
    expect(
      resendEvent("m", {
        type: "email.bounced",
        data: { ...data, bounce: { type: "Permanent", message: "no such user" } },
      }),
    ).toMatchObject({ fact: "bounced", optOut: { channel: "email" } });
    expect(resendEvent("m", { type: "email.bounced", data: { ...data, bounce: { type: "Transient" } } })).toMatchObject(
      { fact: "failed" },
    );
    expect(
      resendEvent("m", { type: "email.bounced", data: { ...data, bounce: { type: "Transient" } } }),
    ).not.toHaveProperty("optOut");
    expect(resendEvent("m", { type: "email.delivery_delayed", data })).toBeNull();
  });

  it("WhatsApp statuses and inbound texts", () => {
    const { statuses, inbound } = whatsappEvents({
      entry: [
        {
          changes: [
            {
              value: {
                statuses: [{ id: "wamid.1", status: "failed", timestamp: "100", errors: [{ code: 131050 }] }],
                messages: [{ from: "4477", id: "wamid.in", type: "button", button: { text: "Stop promotions" } }],
              },
            },
          ],
        },
      ],
    });
    expect(statuses).toEqual([
      {
        eventId: "whatsapp:wamid.1:failed",
        provider: "whatsapp",
        providerMessageId: "wamid.1",
        fact: "failed",
        at: 100_000,
        detail: "WhatsApp 131050",
        optOut: { channel: "whatsapp", source: "whatsapp:131050" },
      },
    ]);
    expect(inbound).toEqual([{ from: "4477", text: "Stop promotions", id: "wamid.in" }]);
  });
});

describe("unsubscribe links", () => {
  it("verify only with the right secret, for the object of the named app", async () => {
    const url = new URL(
      await unsubscribeUrl("https://b.example/", "s3cret", {
        appId: "app1",
        userObject: "app1/u/ada",
        idempotencyKey: "k:1",
      }),
    );
    expect(url.origin + url.pathname).toBe("https://b.example/v1/unsubscribe");
    expect(await verifyUnsubscribe("s3cret", url.searchParams)).toEqual({
      appId: "app1",
      userObject: "app1/u/ada",
      idempotencyKey: "k:1",
    });
    expect(await verifyUnsubscribe("other", url.searchParams)).toBeNull();
    url.searchParams.set("u", "app1/u/bob");
    expect(await verifyUnsubscribe("s3cret", url.searchParams)).toBeNull();
  });
});

describe("targets of a job", () => {
  it("one per push device (Web Push keyed by endpoint), one for single-address channels, none without an address", () => {
    const base = {
      idempotencyKey: "k",
      appId: "a",
      userId: "u",
      userObject: "a/u/u",
      campaignId: "c",
      campaignVersion: 1,
      stepId: "s",
      variant: "A",
      content: {},
      category: "marketing" as const,
      createdAt: 0,
    };
    expect(
      targetsOf({
        ...base,
        channel: "push",
        to: {
          kind: "push",
          devices: [
            { provider: "fcm", platform: "android", token: "t1" },
            {
              provider: "webpush",
              platform: "web",
              token: "https://p/1",
              subscription: { endpoint: "https://p/1", keys: { p256dh: "x", auth: "y" } },
            },
          ],
        },
      }).map((t) => t.key),
    ).toEqual(["t1", "https://p/1"]);
    expect(targetsOf({ ...base, channel: "sms", to: { kind: "sms", phone: "+1" } })).toEqual([
      { key: "", address: "+1" },
    ]);
    expect(targetsOf({ ...base, channel: "sms", to: { kind: "none" } })).toEqual([]);
  });
});
