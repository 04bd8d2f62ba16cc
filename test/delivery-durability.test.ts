import { runInDurableObject } from "cloudflare:test";
import { userObject } from "./helpers/objects";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";
import { launchCampaign, tick } from "./helpers/campaigns";
import { eventually } from "./helpers/wait";
import { deliveryRows, fakeState, providerEnv, resetFake, runSends, sendJob, statsOf } from "./fakes/delivery-harness";

/** What the person's outbox still holds: send jobs stay until the delivery consumer reports on them. */
const outboxOf = (name: string) =>
  runInDurableObject(userObject(name), (_o, state) =>
    state.storage.sql
      .exec<{ send_key: string | null; enqueued_at: number | null; resends: number }>(
        `SELECT send_key, enqueued_at, resends FROM outbox`,
      )
      .toArray(),
  );

const sendsOf = async (app: { adminKey: string; appId: string; writeKey: string }, userId: string) =>
  (
    (await (await admin(app, `/admin/sends?userId=${userId}`)).json()) as {
      sends: Array<{ idempotencyKey: string; status: string }>;
    }
  ).sends;

describe("no acknowledged event loses its send", () => {
  it("a send job stays in the person's outbox until the consumer reports on it", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Receipt",
      transactional: true,
      trigger: { type: "event", event: "Order Completed" },
      steps: [
        { type: "message", id: "r", channels: ["email"], content: { email: { subject: "Receipt", text: "Thanks" } } },
      ],
    });
    await sdk(app, "/v1/devices", { userId: "oli", email: "oli@example.com", consent: { email: "opted_in" } });
    await sdk(app, "/v1/track", { userId: "oli", event: "Order Completed", messageId: "o1" });
    await eventually(async () => (await sendsOf(app, "oli")).some((s) => s.status === "sent"), 15_000, "the send");
    await eventually(
      async () => (await outboxOf(`${app.appId}/u/oli`)).length === 0,
      15_000,
      "the consumer's report to empty the outbox",
    );
  });

  it("a job the queue took but lost is enqueued again after a minute, sent once, and then forgotten", async () => {
    const app = await createTestApp();
    const t0 = Date.UTC(2026, 11, 2, 12);
    await sdk(
      app,
      "/v1/devices",
      { userId: "lou", email: "lou@example.com", consent: { email: "opted_in" } },
      { clock: t0 },
    );
    const name = `${app.appId}/u/lou`;
    const job = sendJob({
      appId: app.appId,
      userId: "lou",
      userObject: name,
      idempotencyKey: `lost-campaign:s1:${Date.now()}`,
      to: { kind: "email", email: "lou@example.com" },
      createdAt: t0,
    });
    // As if the queue accepted the job and then lost it (a local queue is in memory: a process kill loses it).
    await runInDurableObject(userObject(name), (instance, state) => {
      state.storage.sql.exec(
        `INSERT INTO outbox (queue, body, created_at, send_key, enqueued_at) VALUES ('SENDS', ?, ?, ?, ?)`,
        JSON.stringify(job),
        t0,
        job.idempotencyKey,
        t0,
      );
      state.storage.sql.exec(
        `INSERT INTO timers (key, due_at, kind, payload) VALUES ('outbox-resend', ?, 'outbox-resend', '{}')`,
        t0 + 60_000,
      );
      // The object mirrors its timers table in memory: make it read the row written behind its back.
      instance.host.timers.forget();
    });
    await tick(app, "lou", t0 + 30_000);
    expect(await outboxOf(name)).toEqual([expect.objectContaining({ resends: 0 })]);
    expect(await sendsOf(app, "lou")).toEqual([]);

    await tick(app, "lou", t0 + 61_000);
    await eventually(
      async () =>
        (await sendsOf(app, "lou")).some((s) => s.idempotencyKey === job.idempotencyKey && s.status === "sent"),
      15_000,
      "the re-sent job",
    );
    await eventually(async () => (await outboxOf(name)).length === 0, 15_000, "the report to empty the outbox");
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1 });
  });

  it("a send cut off mid-call is retried where the provider dedupes, and marked unknown (counted, reported) where it cannot", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "cut", event: "Signed Up", messageId: "c1" });
    await resetFake();
    const penv = await providerEnv();
    const sms = sendJob({
      appId: app.appId,
      userId: "cut",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550177" },
      content: { text: "hi" },
    });
    const mail = sendJob({
      appId: app.appId,
      userId: "cut",
      channel: "email",
      to: { kind: "email", email: "cut@example.com" },
    });
    // Both were claimed by a consumer that died mid-call: `sending`, lease long expired.
    for (const [job, provider] of [
      [sms, "twilio"],
      [mail, "resend"],
    ] as const) {
      await env.DB.prepare(
        `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, attempts, lease_until, created_at, updated_at) VALUES (?, ?, ?, 'cut', ?, 'camp-1', 'A', ?, ?, 'sending', 1, 1, 1, 1)`,
      )
        .bind(job.idempotencyKey, "", app.appId, job.userObject, job.channel, provider)
        .run();
    }
    await runSends(
      [
        { ...sms, resend: 1 },
        { ...mail, resend: 1 },
      ],
      penv,
    );
    expect((await deliveryRows(sms.idempotencyKey))[0]).toMatchObject({ status: "unknown" });
    expect(await statsOf(sms.idempotencyKey)).toEqual({ unknown: 1 });
    expect((await deliveryRows(mail.idempotencyKey))[0]).toMatchObject({ status: "sent" });
    // Twilio (no idempotency key) was not called again; Resend (Idempotency-Key) was.
    const state = await fakeState();
    expect(state.inbox.twilio ?? []).toHaveLength(0);
    expect(state.inbox.resend).toHaveLength(1);
  });
});
