import { describe, expect, it } from "vitest";
import { admin, call, createTestApp, sdk } from "./helpers/api";
import { deliveryRows, runDeadLetters, runSends, sendJob, statsOf, testEnv } from "./fakes/delivery-harness";

describe("delivery: sandbox (no credentials)", () => {
  it("records every send, readable through GET /admin/sends, and counts it once", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "ada", event: "Signed Up", messageId: "s1" });
    const job = sendJob({ appId: app.appId, userId: "ada" });
    const first = await runSends([job], testEnv);
    expect(first.acked).toEqual(first.ids);

    const res = await admin(app, "/admin/sends?provider=sandbox");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sends: Array<Record<string, unknown>> };
    expect(body.sends).toHaveLength(1);
    expect(body.sends[0]).toMatchObject({
      idempotencyKey: job.idempotencyKey,
      provider: "sandbox",
      status: "sent",
      channel: "email",
      address: "ada@example.com",
      attempts: 1,
    });
    expect((body.sends[0]!.content as { content: { subject: string } }).content.subject).toBe("Hello");

    // The same queue message delivered again, and a duplicate message with the same key: nothing new.
    const again = await runSends([job, job], testEnv, {}, 2);
    expect(again.acked).toHaveLength(2);
    const after = (await (await admin(app, "/admin/sends")).json()) as { sends: unknown[] };
    expect(after.sends).toHaveLength(1);
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("sends a push job once per device, and skips sent devices on redelivery", async () => {
    const app = await createTestApp();
    const job = sendJob({
      appId: app.appId,
      userId: "bo",
      channel: "push",
      to: {
        kind: "push",
        devices: [
          { provider: "fcm", platform: "android", token: "tok-android-1" },
          { provider: "apns", platform: "ios", token: "abcdef0123" },
        ],
      },
      content: { title: "Hi", body: "There" },
    });
    await runSends([job], testEnv);
    await runSends([job], testEnv, {}, 2);
    const rows = await deliveryRows(job.idempotencyKey);
    expect(rows.map((r) => [r.target, r.status, r.attempts])).toEqual([
      ["abcdef0123", "sent", 1],
      ["tok-android-1", "sent", 1],
    ]);
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("fails a job without an address, and one on a channel the queue does not deliver, without retrying", async () => {
    const app = await createTestApp();
    const none = sendJob({ appId: app.appId, userId: "cy", channel: "sms", to: { kind: "none" } });
    const inApp = sendJob({ appId: app.appId, userId: "cy", channel: "in_app", to: { kind: "email", email: "x@y.z" } });
    const r = await runSends([none, inApp], testEnv);
    expect(r.acked).toHaveLength(2);
    expect((await deliveryRows(none.idempotencyKey))[0]).toMatchObject({
      status: "failed",
      error: "no address for channel sms",
    });
    expect((await deliveryRows(inApp.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    expect(await statsOf(none.idempotencyKey)).toEqual({ failed: 1 });
  });

  it("acks a malformed job into the dead letters instead of retrying it forever", async () => {
    const app = await createTestApp();
    const bad = { ...sendJob({ appId: app.appId, userId: "dd" }), channel: "pigeon" } as never;
    const r = await runSends([bad], testEnv);
    expect(r.acked).toHaveLength(1);
    const { results } = await testEnv.DB.prepare(`SELECT error FROM dead_letters WHERE app_id = ?`)
      .bind(app.appId)
      .all<{ error: string }>();
    expect(results[0]!.error).toMatch(/^malformed job: channel/);
  });

  it("records dead letters once, lists them, and replays them", async () => {
    const app = await createTestApp();
    const job = sendJob({ appId: app.appId, userId: "ed" });
    // The job's last attempt failed transiently (row back to queued with the error), then the queue dead-lettered it.
    await testEnv.DB.prepare(
      `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, attempts, error, created_at, updated_at) VALUES (?, '', ?, 'ed', ?, 'camp-1', 'A', 'email', 'resend', 'queued', 8, 'Resend 500 internal_server_error', 1, 1)`,
    )
      .bind(job.idempotencyKey, app.appId, job.userObject)
      .run();
    const dl = await runDeadLetters([job, job], testEnv, ["dlq-a", "dlq-a"]);
    expect(dl.acked).toEqual(["dlq-a", "dlq-a"]);
    expect(await statsOf(job.idempotencyKey)).toEqual({ failed: 1 });
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "failed" });

    const list = (await (await admin(app, "/admin/dead-letters?pending=true")).json()) as {
      deadLetters: Array<{ id: number; error: string; attempts: number; job: { idempotencyKey: string } }>;
    };
    expect(list.deadLetters).toHaveLength(1);
    expect(list.deadLetters[0]).toMatchObject({ error: "Resend 500 internal_server_error", attempts: 8 });
    expect(list.deadLetters[0]!.job.idempotencyKey).toBe(job.idempotencyKey);

    const replay = await admin(app, `/admin/dead-letters/${list.deadLetters[0]!.id}/replay`, { method: "POST" });
    expect(replay.status).toBe(200);
    expect(
      ((await replay.json()) as { deadLetter: { replayedAt: number | null } }).deadLetter.replayedAt,
    ).toBeGreaterThan(0);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "queued" });
    expect(await statsOf(job.idempotencyKey)).toEqual({});
    // The replayed job (as the queue would redeliver it) now goes out through the sandbox.
    await runSends([job], testEnv);
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
    const pending = (await (await admin(app, "/admin/dead-letters?pending=true")).json()) as { deadLetters: unknown[] };
    expect(pending.deadLetters).toHaveLength(0);
  });

  it("validates admin queries with the standard error shape", async () => {
    const app = await createTestApp();
    const res = await admin(app, "/admin/sends?status=lost");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; problems: Array<{ field: string }> } };
    expect(body.error.code).toBe("invalid_input");
    expect(body.error.problems[0]!.field).toBe("status");
    expect((await admin(app, "/admin/dead-letters/999999/replay", { method: "POST" })).status).toBe(404);
    expect((await call("/admin/sends")).status).toBe(401);
  });

  it("documents the delivery admin API in /admin/openapi.json", async () => {
    const doc = (await (await call("/admin/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/admin/sends",
        "/admin/sends/{idempotencyKey}",
        "/admin/dead-letters",
        "/admin/dead-letters/{id}/replay",
      ]),
    );
  });
});
