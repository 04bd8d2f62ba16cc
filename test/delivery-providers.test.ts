import { beforeEach, describe, expect, it } from "vitest";
import { signedUpPerson } from "./helpers/people";
import { admin, type TestApp } from "./helpers/api";
import {
  fakeState,
  providerEnv,
  resetFake,
  runDeadLetters,
  runSends,
  script,
  sendJob,
  statsOf,
  deliveryRows,
  testEnv,
} from "./fakes/delivery-harness";
import type { SendJob } from "../src/domain/delivery/send-job";

/**
 * Each adapter against its loopback fake: the fake checks URL, method, headers, auth and the
 * body against the provider's published spec, and answers like the provider (or as scripted).
 */

async function profile(app: TestApp, userId: string) {
  return (await (await admin(app, `/admin/users/${userId}`)).json()) as {
    profile: { consent: Record<string, { status: string; source: string }> };
    devices: Array<{ token: string; status: string; invalidReason: string | null }>;
  };
}

const noJitter = { random: () => 0 };

describe("delivery: provider adapters", () => {
  beforeEach(async () => {
    await resetFake();
  });

  it("FCM v1: OAuth2 service-account token exchanged once and reused; message per spec; UNREGISTERED removes the device", async () => {
    const app = await signedUpPerson("ann", [
      { provider: "fcm", platform: "android", token: "fcm-token-android-1" },
      { provider: "fcm", platform: "ios", token: "fcm-token-ios-2" },
    ]);
    const env = await providerEnv();
    const job = sendJob({
      appId: app.appId,
      userId: "ann",
      channel: "push",
      to: {
        kind: "push",
        devices: [
          { provider: "fcm", platform: "android", token: "fcm-token-android-1" },
          { provider: "fcm", platform: "ios", token: "fcm-token-ios-2" },
        ],
      },
      content: {
        title: "Sale",
        body: "50% off",
        deepLink: "shop://sale",
        imageUrl: "https://img.example/x.png",
        data: { sku: "42" },
      },
    });
    await script("fcm", [
      { status: 200 },
      {
        status: 404,
        body: {
          error: {
            code: 404,
            message: "Requested entity was not found.",
            status: "NOT_FOUND",
            details: [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: "UNREGISTERED" }],
          },
        },
      },
    ]);
    const r = await runSends([job], env);
    expect(r.acked).toHaveLength(1);
    const state = await fakeState();
    const sends = state.requests.filter((q) => q.provider === "fcm");
    expect(sends).toHaveLength(2);
    for (const q of sends) {
      expect(q.problems).toEqual([]);
      expect(q.method).toBe("POST");
      expect(q.path).toBe("/v1/projects/beckon-test/messages:send");
    }
    expect(state.tokenExchanges).toBe(1);
    expect(state.requests.find((q) => q.provider === "oauth")!.problems).toEqual([]);
    const bodies = sends.map((q) => JSON.parse(q.body) as { message: Record<string, unknown> });
    const android = bodies.find((b) => b.message.token === "fcm-token-android-1")!.message;
    expect(android).toMatchObject({
      notification: { title: "Sale", body: "50% off", image: "https://img.example/x.png" },
      android: {
        priority: "HIGH",
        notification: { clickAction: "shop://sale", tag: expect.stringMatching(/^[0-9a-f]{32}$/) },
      },
      data: { sku: "42", beckon_key: job.idempotencyKey },
    });
    expect(bodies.find((b) => b.message.token === "fcm-token-ios-2")!.message).toMatchObject({
      apns: { headers: { "apns-priority": "10" } },
    });

    // One device took the message, the other is gone: sent once, device removed.
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
    const rows = await deliveryRows(job.idempotencyKey);
    expect(rows.map((x) => x.status).sort()).toEqual(["failed", "sent"]);
    const p = await profile(app, "ann");
    const dead = p.devices.find((d) => d.token === rows.find((x) => x.status === "failed")!.target);
    expect(dead?.status ?? "removed").not.toBe("active");

    // A second job reuses the cached access token.
    await runSends(
      [
        sendJob({
          appId: app.appId,
          userId: "ann",
          channel: "push",
          to: { kind: "push", devices: [{ provider: "fcm", platform: "android", token: "fcm-token-android-1" }] },
          content: { title: "Again" },
        }),
      ],
      env,
    );
    expect((await fakeState()).tokenExchanges).toBe(1);
  });

  it("FCM: QUOTA_EXCEEDED and UNAVAILABLE retry with Retry-After / backoff; INVALID_ARGUMENT fails without retry", async () => {
    const app = await signedUpPerson("ben");
    const env = await providerEnv();
    const push = (token: string): SendJob =>
      sendJob({
        appId: app.appId,
        userId: "ben",
        channel: "push",
        to: { kind: "push", devices: [{ provider: "fcm", platform: "android", token }] },
        content: { title: "x" },
      });
    await script("fcm", [
      {
        status: 429,
        headers: { "retry-after": "120" },
        body: {
          error: {
            code: 429,
            status: "RESOURCE_EXHAUSTED",
            details: [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: "QUOTA_EXCEEDED" }],
          },
        },
      },
    ]);
    const quota = push("tok-quota-000");
    const r1 = await runSends([quota], env, noJitter);
    expect(r1.retried).toEqual([{ msgId: r1.ids[0], delaySeconds: 120 }]);
    expect((await deliveryRows(quota.idempotencyKey))[0]).toMatchObject({ status: "queued", attempts: 1 });

    await script("fcm", [{ status: 503, body: { error: { code: 503, status: "UNAVAILABLE" } } }]);
    const unavailable = push("tok-unavail-0");
    const r2 = await runSends([unavailable], env, noJitter, 3);
    expect(r2.retried[0]!.delaySeconds).toBe(10); // attempt 3: 5·2² = 20 s, equal jitter at 0 → 10 s

    await script("fcm", [
      {
        status: 400,
        body: { error: { code: 400, message: "Invalid value at 'message.data[0].value'", status: "INVALID_ARGUMENT" } },
      },
    ]);
    const invalid = push("tok-invalid-0");
    const r3 = await runSends([invalid], env);
    expect(r3.acked).toHaveLength(1);
    expect((await deliveryRows(invalid.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    expect(await statsOf(invalid.idempotencyKey)).toEqual({ failed: 1 });

    // The retried ones go out on their next delivery.
    await runSends([quota, unavailable], env, {}, 2);
    expect(await statsOf(quota.idempotencyKey)).toEqual({ sent: 1 });
    expect((await fakeState()).inbox.fcm).toHaveLength(2);
  });

  it("APNs token auth: ES256 provider token reused across sends; 410 Unregistered and BadDeviceToken remove the device", async () => {
    const app = await signedUpPerson("cat", [
      { provider: "apns", platform: "ios", token: "aaaa1111" },
      { provider: "apns", platform: "ios", token: "bbbb2222" },
    ]);
    const env = await providerEnv();
    const job = sendJob({
      appId: app.appId,
      userId: "cat",
      channel: "push",
      to: {
        kind: "push",
        devices: [
          { provider: "apns", platform: "ios", token: "aaaa1111" },
          { provider: "apns", platform: "ios", token: "bbbb2222" },
        ],
      },
      content: { title: "T", body: "B" },
    });
    await script("apns", [
      { status: 410, body: { reason: "Unregistered", timestamp: 1 } },
      { status: 400, body: { reason: "BadDeviceToken" } },
    ]);
    await runSends([job], env);
    const reqs = (await fakeState()).requests.filter((q) => q.provider === "apns");
    expect(reqs).toHaveLength(2);
    for (const q of reqs) {
      expect(q.problems).toEqual([]);
      expect(q.headers["apns-topic"]).toBe("com.example.app");
      expect(q.headers["apns-push-type"]).toBe("alert");
      expect(q.headers["apns-collapse-id"]).toMatch(/^[0-9a-f]{32}$/);
      expect(JSON.parse(q.body)).toMatchObject({
        aps: { alert: { title: "T", body: "B" } },
        beckon_key: job.idempotencyKey,
      });
    }
    expect(reqs[0]!.headers.authorization).toBe(reqs[1]!.headers.authorization);
    const p = await profile(app, "cat");
    expect(p.devices.filter((d) => d.status === "active")).toHaveLength(0);
    expect(await statsOf(job.idempotencyKey)).toEqual({ failed: 1 });
  });

  it("Twilio: form-encoded Messages API with Basic auth and StatusCallback; 21610 opts the person out of SMS", async () => {
    const app = await signedUpPerson("dan");
    const env = await providerEnv();
    const job = sendJob({
      appId: app.appId,
      userId: "dan",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550100" },
      content: { text: "Your cart misses you", imageUrl: "https://img.example/cart.png" },
    });
    await runSends([job], env);
    const [req] = (await fakeState()).requests.filter((q) => q.provider === "twilio");
    expect(req!.problems).toEqual([]);
    expect(req!.path).toBe("/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json");
    const form = new URLSearchParams(req!.body);
    expect(Object.fromEntries(form)).toEqual({
      To: "+14155550100",
      From: "+15005550006",
      Body: "Your cart misses you",
      MediaUrl: "https://img.example/cart.png",
      StatusCallback: "https://beckon.example/webhooks/twilio/status",
    });
    expect((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id).toMatch(/^SM/);

    await script("twilio", [
      {
        status: 400,
        body: {
          code: 21610,
          message: "Attempt to send to unsubscribed recipient",
          more_info: "https://www.twilio.com/docs/errors/21610",
          status: 400,
        },
      },
    ]);
    const blocked = sendJob({
      appId: app.appId,
      userId: "dan",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550100" },
      content: { text: "again" },
    });
    const r = await runSends([blocked], env);
    expect(r.acked).toHaveLength(1);
    expect((await profile(app, "dan")).profile.consent.sms).toMatchObject({
      status: "opted_out",
      source: "twilio:21610",
    });

    await script("twilio", [{ status: 429, body: { code: 20429, message: "Too Many Requests", status: 429 } }]);
    const throttled = sendJob({
      appId: app.appId,
      userId: "dan",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550100" },
      content: { text: "x" },
    });
    expect((await runSends([throttled], env)).retried).toHaveLength(1);
  });

  it("Resend: JSON per spec, Idempotency-Key = job key, List-Unsubscribe one-click on marketing mail only", async () => {
    const app = await signedUpPerson("eve");
    const env = await providerEnv();
    const marketing = sendJob({ appId: app.appId, userId: "eve", to: { kind: "email", email: "eve@example.com" } });
    const transactional = sendJob({
      appId: app.appId,
      userId: "eve",
      to: { kind: "email", email: "eve@example.com" },
      category: "transactional",
    });
    await runSends([marketing, transactional], env);
    const reqs = (await fakeState()).requests.filter((q) => q.provider === "resend");
    expect(reqs.map((q) => q.problems)).toEqual([[], []]);
    const m = reqs.find((q) => q.headers["idempotency-key"] === marketing.idempotencyKey)!;
    const body = JSON.parse(m.body) as { from: string; to: string[]; subject: string; headers: Record<string, string> };
    expect(body).toMatchObject({
      from: "Beckon Shop <hello@shop.example>",
      to: ["eve@example.com"],
      subject: "Hello",
      html: "<p>Hi Ada</p>",
      text: "Hi Ada",
    });
    expect(body.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(body.headers["List-Unsubscribe"]).toMatch(
      /^<https:\/\/beckon\.example\/v1\/unsubscribe\?a=.+&s=[0-9a-f]{32}&k=/,
    );
    const t = JSON.parse(reqs.find((q) => q.headers["idempotency-key"] === transactional.idempotencyKey)!.body) as {
      headers?: unknown;
    };
    expect(t.headers).toBeUndefined();

    // The link works: one-click POST opts the person out of email.
    const link = body.headers["List-Unsubscribe"]!.slice(1, -1).replace("https://beckon.example", "");
    const { call } = await import("./helpers/api");
    const res = await call(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(res.status).toBe(200);
    expect((await profile(app, "eve")).profile.consent.email).toMatchObject({
      status: "opted_out",
      source: "email:list-unsubscribe",
    });
    // A tampered link changes nothing.
    expect(
      (await call(link.replace(/s=[0-9a-f]+/, "s=00000000000000000000000000000000"), { method: "POST" })).status,
    ).toBe(400);
  });

  it("Resend errors: 422 validation fails permanently; 429 honours Retry-After; concurrent idempotent request retries", async () => {
    const app = await signedUpPerson("fay");
    const env = await providerEnv();
    await script("resend", [
      { status: 422, body: { statusCode: 422, name: "validation_error", message: "Invalid `to` field." } },
      {
        status: 429,
        headers: { "retry-after": "7" },
        body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests" },
      },
      { status: 409, body: { statusCode: 409, name: "concurrent_idempotent_requests", message: "in progress" } },
    ]);
    const a = sendJob({ appId: app.appId, userId: "fay" });
    const b = sendJob({ appId: app.appId, userId: "fay" });
    const c = sendJob({ appId: app.appId, userId: "fay" });
    const ra = await runSends([a], env, noJitter);
    const rb = await runSends([b], env, noJitter);
    const rc = await runSends([c], env, noJitter);
    expect(ra.acked).toHaveLength(1);
    expect((await deliveryRows(a.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    expect(rb.retried[0]!.delaySeconds).toBe(7);
    expect(rc.retried[0]!.delaySeconds).toBe(5);
  });

  it("SendGrid: Mail Send v3 per spec, key in custom_args, X-Message-Id recorded; 400 fails, 500 retries", async () => {
    const app = await signedUpPerson("gil");
    const env = await providerEnv({ EMAIL_PROVIDER: "sendgrid" });
    const job = sendJob({ appId: app.appId, userId: "gil", to: { kind: "email", email: "gil@example.com" } });
    await runSends([job], env);
    const [req] = (await fakeState()).requests.filter((q) => q.provider === "sendgrid");
    expect(req!.problems).toEqual([]);
    expect(req!.headers.authorization).toBe("Bearer SG.test-key");
    const body = JSON.parse(req!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      personalizations: [
        {
          to: [{ email: "gil@example.com" }],
          custom_args: { beckon_key: job.idempotencyKey, beckon_campaign: "camp-1" },
        },
      ],
      from: { email: "hello@shop.example", name: "Beckon Shop" },
      subject: "Hello",
      content: [
        { type: "text/plain", value: "Hi Ada" },
        { type: "text/html", value: "<p>Hi Ada</p>" },
      ],
      headers: { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    });
    const inbox = (await fakeState()).inbox.sendgrid!;
    expect((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id).toBe(inbox[0]!.id);

    await script("sendgrid", [
      {
        status: 400,
        body: { errors: [{ message: "Does not contain a valid address.", field: "personalizations.0.to.0.email" }] },
      },
      { status: 500, body: { errors: [{ message: "internal" }] } },
    ]);
    const bad = sendJob({ appId: app.appId, userId: "gil", to: { kind: "email", email: "gil@example.com" } });
    const flaky = sendJob({ appId: app.appId, userId: "gil", to: { kind: "email", email: "gil@example.com" } });
    expect((await runSends([bad], env)).acked).toHaveLength(1);
    expect((await deliveryRows(bad.idempotencyKey))[0]!.error).toContain("personalizations.0.to.0.email");
    expect((await runSends([flaky], env)).retried).toHaveLength(1);
  });

  it("WhatsApp Cloud API: template and text messages per spec; 131050 opts out, 130429 retries", async () => {
    const app = await signedUpPerson("hal");
    const env = await providerEnv();
    const template = sendJob({
      appId: app.appId,
      userId: "hal",
      channel: "whatsapp",
      to: { kind: "whatsapp", phone: "+447700900123" },
      content: { template: { name: "cart_reminder", language: "en_GB", parameters: ["Hal", "2 items"] } },
    });
    const text = sendJob({
      appId: app.appId,
      userId: "hal",
      channel: "whatsapp",
      to: { kind: "whatsapp", phone: "+447700900123" },
      content: { text: "See https://shop.example" },
    });
    await runSends([template, text], env);
    const reqs = (await fakeState()).requests.filter((q) => q.provider === "whatsapp");
    expect(reqs.map((q) => q.problems)).toEqual([[], []]);
    expect(reqs[0]!.path).toBe("/v23.0/1234567890/messages");
    const bodies = reqs.map((q) => JSON.parse(q.body) as Record<string, unknown>);
    expect(bodies).toContainEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "447700900123",
      type: "template",
      template: {
        name: "cart_reminder",
        language: { policy: "deterministic", code: "en_GB" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Hal" },
              { type: "text", text: "2 items" },
            ],
          },
        ],
      },
    });
    expect(bodies).toContainEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "447700900123",
      type: "text",
      text: { body: "See https://shop.example", preview_url: true },
    });

    await script("whatsapp", [
      {
        status: 400,
        body: {
          error: {
            message: "Message failed to send because of a rate limit",
            type: "OAuthException",
            code: 130429,
            fbtrace_id: "a",
          },
        },
      },
      { status: 400, body: { error: { message: "User has stopped marketing messages", code: 131050 } } },
    ]);
    const limited = sendJob({
      appId: app.appId,
      userId: "hal",
      channel: "whatsapp",
      to: { kind: "whatsapp", phone: "+447700900123" },
      content: { text: "x" },
    });
    const stopped = sendJob({
      appId: app.appId,
      userId: "hal",
      channel: "whatsapp",
      to: { kind: "whatsapp", phone: "+447700900123" },
      content: { text: "y" },
    });
    expect((await runSends([limited], env)).retried).toHaveLength(1);
    expect((await runSends([stopped], env)).acked).toHaveLength(1);
    expect((await profile(app, "hal")).profile.consent.whatsapp).toMatchObject({
      status: "opted_out",
      source: "whatsapp:131050",
    });
  });

  it("webhook channel: signed POST to the operator's URL; 5xx retries, other 4xx fail", async () => {
    const app = await signedUpPerson("ida");
    const env = await providerEnv();
    const { fakeUrl } = await import("./fakes/delivery-harness");
    const job = sendJob({
      appId: app.appId,
      userId: "ida",
      channel: "webhook",
      to: { kind: "webhook", url: `${fakeUrl()}/hook` },
      content: { payload: { coupon: "SAVE10" } },
    });
    await runSends([job], env);
    const [req] = (await fakeState()).requests.filter((q) => q.provider === "webhook");
    expect(req!.problems).toEqual([]);
    expect(req!.headers["x-beckon-idempotency-key"]).toBe(job.idempotencyKey);
    expect(JSON.parse(req!.body)).toMatchObject({
      type: "beckon.message",
      idempotencyKey: job.idempotencyKey,
      userId: "ida",
      content: { coupon: "SAVE10" },
    });

    await script("webhook", [{ status: 503 }, { status: 404 }]);
    const j2 = sendJob({
      appId: app.appId,
      userId: "ida",
      channel: "webhook",
      to: { kind: "webhook", url: `${fakeUrl()}/hook` },
      content: { payload: {} },
    });
    const j3 = sendJob({
      appId: app.appId,
      userId: "ida",
      channel: "webhook",
      to: { kind: "webhook", url: `${fakeUrl()}/hook` },
      content: { payload: {} },
    });
    expect((await runSends([j2], env)).retried).toHaveLength(1);
    expect((await runSends([j3], env)).acked).toHaveLength(1);
    expect((await deliveryRows(j3.idempotencyKey))[0]).toMatchObject({ status: "failed" });
  });

  it("APNs DeviceTokenNotForTopic is a configuration error (wrong APNS_TOPIC): the device is kept and the send retried", async () => {
    const app = await signedUpPerson("lou", [{ provider: "apns", platform: "ios", token: "cccc3333" }]);
    const env = await providerEnv();
    const job = sendJob({
      appId: app.appId,
      userId: "lou",
      channel: "push",
      to: { kind: "push", devices: [{ provider: "apns", platform: "ios", token: "cccc3333" }] },
      content: { title: "T" },
    });
    await script("apns", [{ status: 400, body: { reason: "DeviceTokenNotForTopic" } }]);
    const r = await runSends([job], env);
    expect(r.acked).toEqual([]);
    expect(r.retried).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({
      status: "queued",
      error: expect.stringMatching(/^configuration error: APNs 400 DeviceTokenNotForTopic/),
    });
    expect((await profile(app, "lou")).devices.find((d) => d.token === "cccc3333")?.status).toBe("active");
    expect(await statsOf(job.idempotencyKey)).toEqual({});
    // Once the operator fixes the topic, the retry goes out to the same device.
    expect((await runSends([job], env, {}, 2)).acked).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "sent" });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("partial or unusable credentials are configuration errors (retried, then dead-lettered with the reason), never the sandbox", async () => {
    const app = await signedUpPerson("kit");
    const base = { appId: app.appId, userId: "kit" };
    const webDevice = {
      provider: "webpush" as const,
      platform: "web" as const,
      token: "https://push.example/sub/kit",
      subscription: { endpoint: "https://push.example/sub/kit", keys: { p256dh: "BKey", auth: "auth" } },
    };
    const cases: Array<{ env: Record<string, string>; job: SendJob; provider: string; reason: RegExp }> = [
      {
        env: { FCM_SERVICE_ACCOUNT_JSON: '{"project_id": "beckon-test", "private_key": ' },
        job: sendJob({
          ...base,
          channel: "push",
          to: { kind: "push", devices: [{ provider: "fcm", platform: "android", token: "tok-cfg-fcm" }] },
          content: { title: "x" },
        }),
        provider: "fcm",
        reason: /^configuration error: FCM_SERVICE_ACCOUNT_JSON is not valid JSON$/,
      },
      {
        env: { FCM_SERVICE_ACCOUNT_JSON: '{"project_id": "beckon-test"}' },
        job: sendJob({
          ...base,
          channel: "push",
          to: { kind: "push", devices: [{ provider: "fcm", platform: "android", token: "tok-cfg-fcm2" }] },
          content: { title: "x" },
        }),
        provider: "fcm",
        reason: /^configuration error: FCM_SERVICE_ACCOUNT_JSON needs project_id, client_email and private_key$/,
      },
      {
        env: { APNS_TOPIC: "" },
        job: sendJob({
          ...base,
          channel: "push",
          to: { kind: "push", devices: [{ provider: "apns", platform: "ios", token: "dddd4444" }] },
          content: { title: "x" },
        }),
        provider: "apns",
        reason: /^configuration error: APNs is partly configured: APNS_TOPIC is not set$/,
      },
      {
        env: { VAPID_PUBLIC_KEY: "BPub-key" },
        job: sendJob({ ...base, channel: "push", to: { kind: "push", devices: [webDevice] }, content: { title: "x" } }),
        provider: "webpush",
        reason: /^configuration error: Web Push is partly configured: VAPID_SUBJECT, VAPID_PRIVATE_KEY are not set$/,
      },
      {
        env: { TWILIO_FROM: "" },
        job: sendJob({ ...base, channel: "sms", to: { kind: "sms", phone: "+14155550171" }, content: { text: "x" } }),
        provider: "twilio",
        reason:
          /^configuration error: Twilio is partly configured: TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is not set$/,
      },
      {
        env: { EMAIL_PROVIDER: "sendgrid", SENDGRID_API_KEY: "" },
        job: sendJob({ ...base, to: { kind: "email", email: "kit@example.com" } }),
        provider: "sendgrid",
        reason: /^configuration error: EMAIL_PROVIDER is sendgrid but SENDGRID_API_KEY is not set$/,
      },
      {
        env: { WHATSAPP_PHONE_NUMBER_ID: "" },
        job: sendJob({
          ...base,
          channel: "whatsapp",
          to: { kind: "whatsapp", phone: "+447700900171" },
          content: { text: "x" },
        }),
        provider: "whatsapp",
        reason: /^configuration error: WhatsApp is partly configured: WHATSAPP_PHONE_NUMBER_ID is not set$/,
      },
    ];
    for (const c of cases) {
      const env = await providerEnv(c.env);
      const r = await runSends([c.job], env);
      expect(r.acked, c.provider).toEqual([]);
      expect(r.retried, c.provider).toHaveLength(1);
      expect((await deliveryRows(c.job.idempotencyKey))[0], c.provider).toMatchObject({
        status: "queued",
        provider: c.provider,
        error: expect.stringMatching(c.reason),
      });
    }
    expect((await fakeState()).requests).toEqual([]);
    const sandboxed = (await (await admin(app, "/admin/sends?provider=sandbox")).json()) as { sends: unknown[] };
    expect(sandboxed.sends).toEqual([]);

    // Retries exhausted: dead-lettered with the reason, visible in the admin API.
    const twilio = cases.find((c) => c.provider === "twilio")!;
    const env = await providerEnv(twilio.env);
    expect((await runSends([twilio.job], env, {}, 8)).retried).toHaveLength(1);
    await runDeadLetters([twilio.job], env, [`dlq-cfg-${twilio.job.idempotencyKey}`]);
    const dead = (
      (await (await admin(app, "/admin/dead-letters?pending=true")).json()) as {
        deadLetters: Array<{ idempotencyKey: string; error: string }>;
      }
    ).deadLetters;
    expect(dead.find((d) => d.idempotencyKey === twilio.job.idempotencyKey)?.error).toMatch(
      /^configuration error: Twilio is partly configured: TWILIO_FROM/,
    );
    const send = (
      (await (await admin(app, `/admin/sends/${encodeURIComponent(twilio.job.idempotencyKey)}`)).json()) as {
        sends: Array<{ status: string; error: string }>;
      }
    ).sends[0];
    expect(send).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/^dead-lettered: configuration error: Twilio/),
    });
    expect(await statsOf(twilio.job.idempotencyKey)).toEqual({ failed: 1 });
  });

  it("a channel with no credentials at all still uses the sandbox (TWILIO_AUTH_TOKEN alone only verifies webhooks)", async () => {
    const app = await signedUpPerson("liv");
    expect(testEnv.TWILIO_AUTH_TOKEN).toBeTruthy();
    const job = sendJob({
      appId: app.appId,
      userId: "liv",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550172" },
      content: { text: "x" },
    });
    expect((await runSends([job], testEnv)).acked).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "sent", provider: "sandbox" });
  });
});
