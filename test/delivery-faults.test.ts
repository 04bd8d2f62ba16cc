import { beforeEach, describe, expect, it } from "vitest";
import { signedUpPerson } from "./helpers/people";
import { admin, call, sdk, type TestApp } from "./helpers/api";
import {
  deliveryRows,
  fake,
  fakeState,
  providerEnv,
  resetFake,
  runDeadLetters,
  runSends,
  script,
  sendJob,
  statsOf,
  testEnv,
  withFailingUserObject,
} from "./fakes/delivery-harness";
import type { SendJob } from "../src/domain/delivery/send-job";

/** Faults: in every case one message reaches the person and the stats count it once. */
const sms = (app: TestApp, userId: string): SendJob =>
  sendJob({
    appId: app.appId,
    userId,
    channel: "sms",
    to: { kind: "sms", phone: "+14155550199" },
    content: { text: "hello" },
  });

describe("delivery faults", () => {
  beforeEach(async () => {
    await resetFake();
  });

  it("a provider that hangs times out and is retried; the retry delivers once", async () => {
    const app = await signedUpPerson("ann");
    const env = await providerEnv();
    const job = sendJob({
      appId: app.appId,
      userId: "ann",
      channel: "push",
      to: { kind: "push", devices: [{ provider: "fcm", platform: "android", token: "tok-hang-1" }] },
      content: { title: "x" },
    });
    await script("fcm", [{ status: 200, hang: true }]);
    const first = await runSends([job], env);
    expect(first.retried).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({
      status: "queued",
      error: "FCM timed out after 1500 ms",
    });
    await runSends([job], env, {}, 2);
    expect((await fakeState()).inbox.fcm).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "sent", attempts: 2 });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("a provider that accepted but answered too late: Resend's Idempotency-Key makes the retry a no-op", async () => {
    const app = await signedUpPerson("ben");
    const env = await providerEnv();
    const job = sendJob({ appId: app.appId, userId: "ben" });
    await script("resend", [{ status: 200, delayMs: 2500 }]);
    expect((await runSends([job], env)).retried).toHaveLength(1);
    await runSends([job], env, {}, 2);
    const state = await fakeState();
    expect(state.requests.filter((r) => r.provider === "resend")).toHaveLength(2);
    expect(state.inbox.resend).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id).toBe(state.inbox.resend![0]!.id);
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("500s then success: retried with growing backoff, sent once", async () => {
    const app = await signedUpPerson("cy");
    const env = await providerEnv();
    const job = sms(app, "cy");
    await script("twilio", [
      { status: 500, body: { code: 20500, message: "Internal Server Error", status: 500 } },
      { status: 503, body: { code: 20503, message: "Service Unavailable", status: 503 } },
    ]);
    const r1 = await runSends([job], env, { random: () => 1 }, 1);
    const r2 = await runSends([job], env, { random: () => 1 }, 2);
    expect([r1.retried[0]!.delaySeconds, r2.retried[0]!.delaySeconds]).toEqual([5, 10]);
    const r3 = await runSends([job], env, {}, 3);
    expect(r3.acked).toHaveLength(1);
    expect((await fakeState()).inbox.twilio).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "sent", attempts: 3 });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("the same message delivered twice at once: one consumer sends, the other waits and then finds it sent", async () => {
    const app = await signedUpPerson("dee");
    const env = await providerEnv();
    const job = sms(app, "dee");
    await script("twilio", [{ status: 201, delayMs: 300 }]);
    const [a, b] = await Promise.all([runSends([job], env, {}, 1, ["dup-1"]), runSends([job], env, {}, 1, ["dup-1"])]);
    const outcomes = [a, b].map((r) => (r.acked.length ? "acked" : r.retried.length ? "retried" : "none")).sort();
    expect(outcomes).toEqual(["acked", "retried"]);
    expect((await fakeState()).inbox.twilio).toHaveLength(1);
    // The waiting copy comes back after the lease and acks without sending.
    const again = await runSends([job], env, {}, 2, ["dup-1"]);
    expect(again.acked).toEqual(["dup-1"]);
    expect((await fakeState()).inbox.twilio).toHaveLength(1);
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("a consumer that died mid-call: once its lease runs out, a redelivery sends through a provider that dedupes (Resend's Idempotency-Key)", async () => {
    const app = await signedUpPerson("eve");
    const env = await providerEnv();
    const job = sendJob({ appId: app.appId, userId: "eve", to: { kind: "email", email: "eve@example.com" } });
    await testEnv.DB.prepare(
      `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, attempts, lease_until, created_at, updated_at) VALUES (?, '', ?, 'eve', ?, 'camp-1', 'A', 'email', 'resend', 'sending', 1, ?, 1, 1)`,
    )
      .bind(job.idempotencyKey, app.appId, job.userObject, Date.now() - 1)
      .run();
    const r = await runSends([job], env, {}, 2);
    expect(r.acked).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "sent", attempts: 2 });
    expect((await fakeState()).inbox.resend).toHaveLength(1);
  });

  it("retries exhausted: the dead-letter consumer fails the send once and keeps it replayable", async () => {
    const app = await signedUpPerson("fay");
    const env = await providerEnv();
    const job = sms(app, "fay");
    await script("twilio", [{ status: 503, body: { code: 20503, status: 503 } }]);
    await runSends([job], env, {}, 8);
    await runDeadLetters([job], env, ["dead-1"]);
    await runDeadLetters([job], env, ["dead-1"]);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    expect(String((await deliveryRows(job.idempotencyKey))[0]!.error)).toContain("dead-lettered: Twilio 503");
    expect(await statsOf(job.idempotencyKey)).toEqual({ failed: 1 });
    const { results } = await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM dead_letters WHERE idempotency_key = ?`)
      .bind(job.idempotencyKey)
      .all<{ n: number }>();
    expect(results[0]!.n).toBe(1);
    expect((await fakeState()).inbox.twilio ?? []).toHaveLength(0);
  });

  it("a job that waited is checked against consent again at send time: a STOP meanwhile suppresses it", async () => {
    const app = await signedUpPerson("hal");
    const env = await providerEnv();
    expect(
      (await sdk(app, "/v1/devices", { userId: "hal", phone: "+14155550177", consent: { sms: "opted_out" } })).status,
    ).toBe(200);
    const late = { ...sms(app, "hal"), createdAt: Date.now() - 5 * 60_000 };
    const r = await runSends([late], env);
    expect(r.acked).toHaveLength(1);
    expect((await deliveryRows(late.idempotencyKey))[0]).toMatchObject({
      status: "failed",
      error: "suppressed: sms consent withdrawn before the send",
    });
    expect(await statsOf(late.idempotencyKey)).toEqual({ suppressed: 1 });
    // A retried message (attempt 2) is checked too; a fresh one (decided seconds ago) is not re-asked.
    const retried = sms(app, "hal");
    await runSends([retried], env, {}, 2);
    expect(await statsOf(retried.idempotencyKey)).toEqual({ suppressed: 1 });
    expect((await fakeState()).inbox.twilio ?? []).toHaveLength(0);
    // Transactional email ignores a marketing unsubscribe.
    await sdk(app, "/v1/devices", { userId: "hal", consent: { email: "opted_out" } });
    const receipt = {
      ...sendJob({ appId: app.appId, userId: "hal", category: "transactional" }),
      createdAt: Date.now() - 5 * 60_000,
    };
    await runSends([receipt], env);
    expect(await statsOf(receipt.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("per-account rate limit: sends beyond the bucket are deferred (not sent into a 429), across consumer invocations", async () => {
    const app = await signedUpPerson("gil");
    const env = await providerEnv({ RATE_LIMIT_TWILIO: "1/2" });
    const jobs = [sms(app, "gil"), sms(app, "gil"), sms(app, "gil")];
    const requeued: Array<{ key: string; delay: number }> = [];
    const requeue = async (job: SendJob, delay: number) => void requeued.push({ key: job.idempotencyKey, delay });
    const r = await runSends(jobs, env, { requeue, random: () => 0 });
    expect(r.acked).toHaveLength(3);
    expect((await fakeState()).inbox.twilio).toHaveLength(2);
    expect(requeued).toEqual([{ key: jobs[2]!.idempotencyKey, delay: 1 }]);
    // A second invocation right away finds the shared bucket empty too.
    const more = [sms(app, "gil")];
    await runSends(more, env, { requeue, random: () => 0 });
    expect(requeued.map((q) => q.key)).toContain(more[0]!.idempotencyKey);
    expect((await fakeState()).inbox.twilio).toHaveLength(2);
    expect(await deliveryRows(more[0]!.idempotencyKey)).toHaveLength(0);
  });

  it("feedback that cannot reach the person's object is not lost: the message is retried and its redelivery applies it without sending again", async () => {
    const app = await signedUpPerson("ivy");
    await sdk(app, "/v1/devices", {
      userId: "ivy",
      register: [{ provider: "fcm", platform: "android", token: "tok-gone-ivy" }],
    });
    const env = await providerEnv();
    const push = sendJob({
      appId: app.appId,
      userId: "ivy",
      channel: "push",
      to: { kind: "push", devices: [{ provider: "fcm", platform: "android", token: "tok-gone-ivy" }] },
      content: { title: "x" },
    });
    const text = sendJob({
      appId: app.appId,
      userId: "ivy",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550161" },
      content: { text: "hello" },
    });
    await script("fcm", [
      {
        status: 404,
        body: {
          error: {
            code: 404,
            status: "NOT_FOUND",
            details: [{ "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", errorCode: "UNREGISTERED" }],
          },
        },
      },
    ]);
    await script("twilio", [
      { status: 400, body: { code: 21610, message: "Attempt to send to unsubscribed recipient", status: 400 } },
    ]);

    // The person's object is unreachable: the failures are recorded, the messages retried (not acked).
    const first = await runSends([push, text], withFailingUserObject(env, ["invalidateDevice", "setConsent"]));
    expect(first.acked).toEqual([]);
    expect(first.retried).toHaveLength(2);
    expect((await deliveryRows(push.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    const profile = async () =>
      (await (await admin(app, "/admin/users/ivy")).json()) as {
        profile: { consent: Record<string, { status: string; source: string } | undefined> };
        devices: Array<{ token: string; status: string }>;
      };
    expect((await profile()).devices.find((d) => d.token === "tok-gone-ivy")?.status).toBe("active");
    expect((await profile()).profile.consent.sms).toBeUndefined();

    // The redelivery applies the feedback and acks; the providers are not called again.
    const again = await runSends([push, text], env, {}, 2, first.ids);
    expect(again.acked.sort()).toEqual([...first.ids].sort());
    const after = await profile();
    expect(after.devices.find((d) => d.token === "tok-gone-ivy")?.status ?? "removed").not.toBe("active");
    expect(after.profile.consent.sms).toMatchObject({ status: "opted_out", source: "twilio:21610" });
    const requests = (await fakeState()).requests;
    expect(requests.filter((q) => q.provider === "fcm")).toHaveLength(1);
    expect(requests.filter((q) => q.provider === "twilio")).toHaveLength(1);
    expect(await statsOf(push.idempotencyKey)).toEqual({ failed: 1 });
    expect(await statsOf(text.idempotencyKey)).toEqual({ failed: 1 });
    // Applied once: a further redelivery just acks.
    expect((await runSends([push, text], env, {}, 3)).acked).toHaveLength(2);
  });

  it("a callback that waited for the send's record and cannot be applied then is applied on the message's retry", async () => {
    const app = await signedUpPerson("jay");
    const env = await providerEnv();
    const sid = `SM${crypto.randomUUID().replace(/-/g, "")}`;
    const params = { MessageSid: sid, MessageStatus: "undelivered", ErrorCode: "21610" };
    const { signature } = await fake<{ signature: string }>("/_sign/twilio", {
      url: "http://localhost:8787/webhooks/twilio/status",
      params,
    });
    const early = await call("/webhooks/twilio/status", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature },
      body: new URLSearchParams(params).toString(),
    });
    expect(await early.json()).toEqual({ applied: 0, pending: 1, duplicate: 0 });

    await script("twilio", [{ status: 201, body: { sid, status: "queued" } }]);
    const job = sendJob({
      appId: app.appId,
      userId: "jay",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550162" },
      content: { text: "hello" },
    });
    const first = await runSends([job], withFailingUserObject(env, ["setConsent"]));
    expect(first.retried).toHaveLength(1);
    const consent = async () =>
      ((await (await admin(app, "/admin/users/jay")).json()) as { profile: { consent: Record<string, unknown> } })
        .profile.consent.sms;
    expect(await consent()).toBeUndefined();

    const again = await runSends([job], env, {}, 2, first.ids);
    expect(again.acked).toEqual(first.ids);
    expect(await consent()).toMatchObject({ status: "opted_out", source: "twilio:21610" });
    expect((await fakeState()).inbox.twilio).toHaveLength(1);
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, failed: 1 });
  });

  it("replaying a dead letter re-queues only targets that ran out of retries, never a permanent failure", async () => {
    const app = await signedUpPerson("max");
    const job = sendJob({
      appId: app.appId,
      userId: "max",
      channel: "push",
      to: {
        kind: "push",
        devices: [
          { provider: "fcm", platform: "android", token: "tok-gone-max" },
          { provider: "fcm", platform: "android", token: "tok-busy-max" },
        ],
      },
      content: { title: "x" },
    });
    // One device is gone for good (UNREGISTERED); the other ran out of retries on 503s.
    const insert = testEnv.DB.prepare(
      `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, attempts, error, created_at, updated_at) VALUES (?, ?, ?, 'max', ?, 'camp-1', 'A', 'push', 'fcm', ?, ?, ?, 1, 1)`,
    );
    await testEnv.DB.batch([
      insert.bind(job.idempotencyKey, "tok-gone-max", app.appId, job.userObject, "failed", 1, "FCM 404 UNREGISTERED"),
      insert.bind(job.idempotencyKey, "tok-busy-max", app.appId, job.userObject, "queued", 8, "FCM 503 UNAVAILABLE"),
    ]);
    await runDeadLetters([job], testEnv, [`dlq-max-${job.idempotencyKey}`]);
    expect(await statsOf(job.idempotencyKey)).toEqual({ failed: 1 });
    const [dead] = (
      (await (await admin(app, "/admin/dead-letters?pending=true")).json()) as {
        deadLetters: Array<{ id: number; error: string }>;
      }
    ).deadLetters;
    expect(dead!.error).toBe("FCM 503 UNAVAILABLE");

    expect((await admin(app, `/admin/dead-letters/${dead!.id}/replay`, { method: "POST" })).status).toBe(200);
    const rows = await deliveryRows(job.idempotencyKey);
    expect(rows.map((r) => [r.target, r.status, r.error])).toEqual([
      ["tok-busy-max", "queued", null],
      ["tok-gone-max", "failed", "FCM 404 UNREGISTERED"],
    ]);
    expect(await statsOf(job.idempotencyKey)).toEqual({});
    // The replayed job (as the queue would redeliver it) sends to the retryable device only.
    await runSends([job], testEnv);
    expect((await deliveryRows(job.idempotencyKey)).map((r) => [r.target, r.status])).toEqual([
      ["tok-busy-max", "sent"],
      ["tok-gone-max", "failed"],
    ]);
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("a dead letter with nothing retryable left keeps its failure and its count when replayed", async () => {
    const app = await signedUpPerson("ned");
    const job = sendJob({
      appId: app.appId,
      userId: "ned",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550163" },
      content: { text: "hi" },
    });
    await testEnv.DB.prepare(
      `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, attempts, error, created_at, updated_at) VALUES (?, '', ?, 'ned', ?, 'camp-1', 'A', 'sms', 'twilio', 'failed', 1, 'Twilio 400 21211: invalid To number', 1, 1)`,
    )
      .bind(job.idempotencyKey, app.appId, job.userObject)
      .run();
    await testEnv.DB.prepare(
      `INSERT INTO campaign_stats (dedupe_key, app_id, campaign_id, variant, kind, user_id, at) VALUES (?, ?, 'camp-1', 'A', 'failed', 'ned', 1)`,
    )
      .bind(`${job.idempotencyKey}:failed`, app.appId)
      .run();
    await runDeadLetters([job], testEnv, [`dlq-ned-${job.idempotencyKey}`]);
    const [dead] = (
      (await (await admin(app, "/admin/dead-letters?pending=true")).json()) as { deadLetters: Array<{ id: number }> }
    ).deadLetters;
    expect((await admin(app, `/admin/dead-letters/${dead!.id}/replay`, { method: "POST" })).status).toBe(200);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({
      status: "failed",
      error: "Twilio 400 21211: invalid To number",
    });
    expect(await statsOf(job.idempotencyKey)).toEqual({ failed: 1 });
  });
});
