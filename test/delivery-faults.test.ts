import { beforeEach, describe, expect, it } from "vitest";
import { createTestApp, sdk, type TestApp } from "./helpers/api";
import { deliveryRows, fakeState, providerEnv, resetFake, runDeadLetters, runSends, script, sendJob, statsOf, testEnv } from "./fakes/delivery-harness";
import type { SendJob } from "../src/delivery/send-job";

/** Faults: in every case one message reaches the person and the stats count it once. */
async function person(userId: string): Promise<TestApp> {
  const app = await createTestApp();
  await sdk(app, "/v1/track", { userId, event: "Signed Up", messageId: `m-${userId}` });
  return app;
}
const sms = (app: TestApp, userId: string): SendJob => sendJob({ appId: app.appId, userId, channel: "sms", to: { kind: "sms", phone: "+14155550199" }, content: { text: "hello" } });

describe("delivery faults", () => {
  beforeEach(async () => {
    await resetFake();
  });

  it("a provider that hangs times out and is retried; the retry delivers once", async () => {
    const app = await person("ann");
    const env = await providerEnv();
    const job = sendJob({ appId: app.appId, userId: "ann", channel: "push", to: { kind: "push", devices: [{ provider: "fcm", platform: "android", token: "tok-hang-1" }] }, content: { title: "x" } });
    await script("fcm", [{ status: 200, hang: true }]);
    const first = await runSends([job], env);
    expect(first.retried).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "queued", error: "FCM timed out after 1500 ms" });
    await runSends([job], env, {}, 2);
    expect((await fakeState()).inbox.fcm).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "sent", attempts: 2 });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("a provider that accepted but answered too late: Resend's Idempotency-Key makes the retry a no-op", async () => {
    const app = await person("ben");
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
    const app = await person("cy");
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
    const app = await person("dee");
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

  it("a consumer that died mid-call: once its lease runs out, a redelivery sends", async () => {
    const app = await person("eve");
    const env = await providerEnv();
    const job = sms(app, "eve");
    await testEnv.DB.prepare(
      `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, attempts, lease_until, created_at, updated_at) VALUES (?, '', ?, 'eve', ?, 'camp-1', 'A', 'sms', 'twilio', 'sending', 1, ?, 1, 1)`,
    )
      .bind(job.idempotencyKey, app.appId, job.userObject, Date.now() - 1)
      .run();
    const r = await runSends([job], env, {}, 2);
    expect(r.acked).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "sent", attempts: 2 });
    expect((await fakeState()).inbox.twilio).toHaveLength(1);
  });

  it("retries exhausted: the dead-letter consumer fails the send once and keeps it replayable", async () => {
    const app = await person("fay");
    const env = await providerEnv();
    const job = sms(app, "fay");
    await script("twilio", [{ status: 503, body: { code: 20503, status: 503 } }]);
    await runSends([job], env, {}, 8);
    await runDeadLetters([job], env, ["dead-1"]);
    await runDeadLetters([job], env, ["dead-1"]);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    expect(String((await deliveryRows(job.idempotencyKey))[0]!.error)).toContain("dead-lettered: Twilio 503");
    expect(await statsOf(job.idempotencyKey)).toEqual({ failed: 1 });
    const { results } = await testEnv.DB.prepare(`SELECT COUNT(*) AS n FROM dead_letters WHERE idempotency_key = ?`).bind(job.idempotencyKey).all<{ n: number }>();
    expect(results[0]!.n).toBe(1);
    expect((await fakeState()).inbox.twilio ?? []).toHaveLength(0);
  });

  it("a job that waited is checked against consent again at send time: a STOP meanwhile suppresses it", async () => {
    const app = await person("hal");
    const env = await providerEnv();
    expect((await sdk(app, "/v1/devices", { userId: "hal", phone: "+14155550177", consent: { sms: "opted_out" } })).status).toBe(200);
    const late = { ...sms(app, "hal"), createdAt: Date.now() - 5 * 60_000 };
    const r = await runSends([late], env);
    expect(r.acked).toHaveLength(1);
    expect((await deliveryRows(late.idempotencyKey))[0]).toMatchObject({ status: "failed", error: "suppressed: sms consent withdrawn before the send" });
    expect(await statsOf(late.idempotencyKey)).toEqual({ suppressed: 1 });
    // A retried message (attempt 2) is checked too; a fresh one (decided seconds ago) is not re-asked.
    const retried = sms(app, "hal");
    await runSends([retried], env, {}, 2);
    expect(await statsOf(retried.idempotencyKey)).toEqual({ suppressed: 1 });
    expect((await fakeState()).inbox.twilio ?? []).toHaveLength(0);
    // Transactional email ignores a marketing unsubscribe.
    await sdk(app, "/v1/devices", { userId: "hal", consent: { email: "opted_out" } });
    const receipt = { ...sendJob({ appId: app.appId, userId: "hal", category: "transactional" }), createdAt: Date.now() - 5 * 60_000 };
    await runSends([receipt], env);
    expect(await statsOf(receipt.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("per-account rate limit: sends beyond the bucket are deferred (not sent into a 429), across consumer invocations", async () => {
    const app = await person("gil");
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
});
