import { beforeEach, describe, expect, it } from "vitest";
import { signedUpPerson } from "./helpers/people";
import { admin, call, sdk, type TestApp } from "./helpers/api";
import {
  callWith,
  deliveryRows,
  fake,
  fakeState,
  providerEnv,
  resetFake,
  runSends,
  script,
  sendJob,
  statsOf,
  testEnv,
  withFailingUserObject,
} from "./fakes/delivery-harness";

/** Webhooks signed by the providers' own libraries (twilio, svix, Node ECDSA) on the Node side. */
const PUBLIC = "http://localhost:8787"; // PUBLIC_URL in wrangler.toml: what Twilio signs

const consent = async (app: TestApp, userId: string, channel: string) =>
  (
    (await (await admin(app, `/admin/users/${userId}`)).json()) as {
      profile: { consent: Record<string, { status: string; source: string } | undefined> };
    }
  ).profile.consent[channel];

/** Through the Worker's own fetch handler, or (`via`) the HTTP app under another env, e.g. one whose UserObjects fail. */
const post = (path: string, init: RequestInit, via?: typeof testEnv) =>
  via ? callWith(via, path, init) : call(path, init);

async function twilioPost(
  path: string,
  params: Record<string, string>,
  signature?: string,
  via?: typeof testEnv,
  headers: Record<string, string> = {},
) {
  const sig =
    signature ?? (await fake<{ signature: string }>("/_sign/twilio", { url: `${PUBLIC}${path}`, params })).signature;
  return post(
    path,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig, ...headers },
      body: new URLSearchParams(params).toString(),
    },
    via,
  );
}

async function sendgridPost(
  events: unknown[],
  tamper = false,
  via?: typeof testEnv,
  timestamp = String(Math.floor(Date.now() / 1000)),
) {
  const payload = JSON.stringify(events);
  const { signature } = await fake<{ signature: string }>("/_sign/sendgrid", { timestamp, payload });
  return post(
    "/webhooks/sendgrid",
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-twilio-email-event-webhook-signature": signature,
        "x-twilio-email-event-webhook-timestamp": timestamp,
      },
      body: tamper ? payload.replace("delivered", "bounce") : payload,
    },
    via,
  );
}

async function resendPost(id: string, event: unknown, timestamp = Math.floor(Date.now() / 1000), via?: typeof testEnv) {
  const payload = JSON.stringify(event);
  const { signature } = await fake<{ signature: string }>("/_sign/svix", { id, timestamp, payload });
  return post(
    "/webhooks/resend",
    {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "svix-id": id,
        "svix-timestamp": String(timestamp),
        "svix-signature": signature,
      },
      body: payload,
    },
    via,
  );
}

async function whatsappPost(body: unknown, signature?: string) {
  const payload = JSON.stringify(body);
  const sig = signature ?? (await fake<{ signature: string }>("/_sign/meta", { payload })).signature;
  return call("/webhooks/whatsapp", {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": sig },
    body: payload,
  });
}

describe("delivery webhooks", () => {
  beforeEach(async () => {
    await resetFake();
  });

  it("Twilio status callbacks: signature checked against PUBLIC_URL; status only moves forward; replays count once", async () => {
    const app = await signedUpPerson("ann");
    const env = await providerEnv();
    const job = sendJob({
      appId: app.appId,
      userId: "ann",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550101" },
      content: { text: "hi" },
    });
    await runSends([job], env);
    const sid = String((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id);
    const params = (status: string) => ({
      MessageSid: sid,
      MessageStatus: status,
      AccountSid: "AC00000000000000000000000000000001",
      To: "+14155550101",
      From: "+15005550006",
    });

    // Unsigned, wrongly signed, or signed for another URL: 401, nothing changes.
    expect(
      (
        await call("/webhooks/twilio/status", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(params("delivered")).toString(),
        })
      ).status,
    ).toBe(401);
    expect((await twilioPost("/webhooks/twilio/status", params("delivered"), "bm90IGEgc2lnbmF0dXJl")).status).toBe(401);
    const elsewhere = (
      await fake<{ signature: string }>("/_sign/twilio", {
        url: "https://evil.example/webhooks/twilio/status",
        params: params("delivered"),
      })
    ).signature;
    expect((await twilioPost("/webhooks/twilio/status", params("delivered"), elsewhere)).status).toBe(401);
    expect((await deliveryRows(job.idempotencyKey))[0]!.status).toBe("sent");

    const delivered = await twilioPost("/webhooks/twilio/status", params("delivered"));
    expect(delivered.status).toBe(200);
    expect(await delivered.json()).toEqual({ applied: 1, pending: 0, duplicate: 0 });
    // Late "sent" after "delivered", and the same "delivered" again: no change, counted once.
    expect(await (await twilioPost("/webhooks/twilio/status", params("sent"))).json()).toEqual({
      applied: 1,
      pending: 0,
      duplicate: 0,
    });
    expect(await (await twilioPost("/webhooks/twilio/status", params("delivered"))).json()).toEqual({
      applied: 0,
      pending: 0,
      duplicate: 1,
    });
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "delivered" });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, delivered: 1 });
  });

  it("a captured Twilio opt-out replayed with a fresh (unsigned) idempotency header changes nothing", async () => {
    const app = await signedUpPerson("rey");
    const env = await providerEnv();
    await sdk(app, "/v1/devices", { userId: "rey", phone: "+14155550109", consent: { sms: "opted_in" } });
    const job = sendJob({
      appId: app.appId,
      userId: "rey",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550109" },
      content: { text: "hi" },
    });
    await runSends([job], env);
    const sid = String((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id);
    const optOut = {
      MessageSid: sid,
      MessageStatus: "undelivered",
      ErrorCode: "21610",
      To: "+14155550109",
      From: "+15005550006",
    };
    expect(
      (
        await twilioPost("/webhooks/twilio/status", optOut, undefined, undefined, {
          "i-twilio-idempotency-token": "tok-1",
        })
      ).status,
    ).toBe(200);
    expect(await consent(app, "rey", "sms")).toMatchObject({ status: "opted_out", source: "twilio:21610" });
    // The person opts in again; an attacker replays the captured callback with a new header.
    await sdk(app, "/v1/devices", { userId: "rey", consent: { sms: "opted_in" } });
    const replay = await twilioPost("/webhooks/twilio/status", optOut, undefined, undefined, {
      "i-twilio-idempotency-token": "tok-2",
    });
    expect(await replay.json()).toEqual({ applied: 0, pending: 0, duplicate: 1 });
    expect(await consent(app, "rey", "sms")).toMatchObject({ status: "opted_in" });
  });

  it("a SendGrid batch signed long ago is refused, however valid its signature", async () => {
    await signedUpPerson("old");
    const stale = String(Math.floor(Date.now() / 1000) - 3600);
    const res = await sendgridPost(
      [
        {
          email: "old@example.com",
          timestamp: Number(stale),
          event: "delivered",
          sg_event_id: "e-old",
          sg_message_id: "x.y",
        },
      ],
      false,
      undefined,
      stale,
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /Timestamp is more than 10 minutes from now/,
    );
  });

  it("a callback that arrives before the send is recorded is kept and applied when the record appears", async () => {
    const app = await signedUpPerson("bea");
    const env = await providerEnv();
    const sid = `SM${crypto.randomUUID().replace(/-/g, "")}`;
    const early = await twilioPost("/webhooks/twilio/status", {
      MessageSid: sid,
      MessageStatus: "delivered",
      ErrorCode: "",
    });
    expect(await early.json()).toEqual({ applied: 0, pending: 1, duplicate: 0 });
    // The provider accepted the message (and reported delivery) before our consumer recorded the send.
    await script("twilio", [{ status: 201, body: { sid, status: "queued" } }]);
    const job = sendJob({
      appId: app.appId,
      userId: "bea",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550102" },
      content: { text: "hi" },
    });
    await runSends([job], env);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({
      status: "delivered",
      provider_message_id: sid,
    });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, delivered: 1 });
    expect((await fakeState()).inbox.twilio).toHaveLength(1);
    // The send's detail view shows the stored event.
    const detail = (await (await admin(app, `/admin/sends/${encodeURIComponent(job.idempotencyKey)}`)).json()) as {
      events: Array<{ status: string; appliedAt: number | null }>;
    };
    expect(detail.events).toEqual([expect.objectContaining({ status: "delivered", appliedAt: expect.any(Number) })]);
  });

  it("Twilio 21610 in a status callback and inbound STOP/START/HELP change SMS consent", async () => {
    const app = await signedUpPerson("cal");
    const env = await providerEnv();
    const job = sendJob({
      appId: app.appId,
      userId: "cal",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550103" },
      content: { text: "hi" },
    });
    await runSends([job], env);
    const inbound = (body: string, sid: string) => ({
      MessageSid: sid,
      From: "+14155550103",
      To: "+15005550006",
      Body: body,
      AccountSid: "AC00000000000000000000000000000001",
    });

    const stop = await twilioPost("/webhooks/twilio/inbound", inbound("Stop", "SMin1"));
    expect(stop.status).toBe(200);
    expect(stop.headers.get("content-type")).toContain("text/xml");
    expect(await stop.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(await consent(app, "cal", "sms")).toMatchObject({ status: "opted_out", source: "twilio:STOP" });

    const help = await twilioPost("/webhooks/twilio/inbound", inbound("HELP", "SMin2"));
    expect(await help.text()).toContain("<Message>Reply STOP to unsubscribe");

    await twilioPost("/webhooks/twilio/inbound", inbound("unstop", "SMin3"));
    expect(await consent(app, "cal", "sms")).toMatchObject({ status: "opted_in", source: "twilio:UNSTOP" });
    // A replay of the earlier STOP (same MessageSid) does not undo the later START.
    await twilioPost("/webhooks/twilio/inbound", inbound("Stop", "SMin1"));
    expect(await consent(app, "cal", "sms")).toMatchObject({ status: "opted_in" });

    const sid = String((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id);
    await twilioPost("/webhooks/twilio/status", { MessageSid: sid, MessageStatus: "failed", ErrorCode: "21610" });
    expect(await consent(app, "cal", "sms")).toMatchObject({ status: "opted_out", source: "twilio:21610" });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, failed: 1 });
  });

  it("SendGrid signed events (ECDSA): delivered → open → click; machine opens ignored; hard bounce suppresses email; bad signature 401", async () => {
    const app = await signedUpPerson("dee");
    const env = await providerEnv({ EMAIL_PROVIDER: "sendgrid" });
    const job = sendJob({ appId: app.appId, userId: "dee", to: { kind: "email", email: "dee@example.com" } });
    const bounced = sendJob({ appId: app.appId, userId: "dee", to: { kind: "email", email: "dee@example.com" } });
    await runSends([job, bounced], env);
    const idOf = async (k: string) => String((await deliveryRows(k))[0]!.provider_message_id);
    const msg = await idOf(job.idempotencyKey);
    const ev = (event: string, extra: Record<string, unknown> = {}, id = msg) => ({
      email: "dee@example.com",
      timestamp: Math.floor(Date.now() / 1000),
      event,
      sg_event_id: `${event}-${id}-${JSON.stringify(extra).length}`,
      sg_message_id: `${id}.filterdrecv-5645d9c87f-abcde-1-0`,
      beckon_key: job.idempotencyKey,
      ...extra,
    });

    expect((await sendgridPost([ev("delivered")], true)).status).toBe(401);
    expect((await deliveryRows(job.idempotencyKey))[0]!.status).toBe("sent");

    const res = await sendgridPost([
      ev("processed"),
      ev("delivered"),
      ev("open", { sg_machine_open: true }),
      ev("click", { url: "https://shop.example" }),
      ev("open", { sg_machine_open: false }),
    ]);
    expect(res.status).toBe(200);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "clicked" });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, delivered: 1, opened: 1, clicked: 1 });
    // The whole batch replayed: nothing new.
    expect(await (await sendgridPost([ev("delivered"), ev("click", { url: "https://shop.example" })])).json()).toEqual({
      applied: 0,
      pending: 0,
      duplicate: 2,
    });

    const bmsg = await idOf(bounced.idempotencyKey);
    await sendgridPost([ev("bounce", { type: "bounce", reason: "550 5.1.1 user unknown" }, bmsg)]);
    expect((await deliveryRows(bounced.idempotencyKey))[0]).toMatchObject({ status: "bounced" });
    expect(await consent(app, "dee", "email")).toMatchObject({ status: "opted_out", source: "sendgrid:bounce" });
    expect(await statsOf(bounced.idempotencyKey)).toEqual({ sent: 1, bounced: 1 });
  });

  it("a SendGrid batch larger than one request's budget is applied across the provider's retries", async () => {
    const app = await signedUpPerson("big");
    const env = await providerEnv({ EMAIL_PROVIDER: "sendgrid" });
    const job = sendJob({ appId: app.appId, userId: "big", to: { kind: "email", email: "big@example.com" } });
    await runSends([job], env);
    const msg = String((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id);
    const { NEW_EVENTS_PER_REQUEST } = await import("../src/http/webhooks/webhook-routes");
    const events = Array.from({ length: NEW_EVENTS_PER_REQUEST + 5 }, (_, i) => ({
      email: "big@example.com",
      timestamp: 1_800_000_000 + i,
      event: i === 0 ? "delivered" : "click",
      url: `https://shop.example/${i}`,
      sg_event_id: `big-${i}`,
      sg_message_id: `${msg}.filter-1`,
    }));
    const first = await sendgridPost(events);
    expect(first.status).toBe(503);
    const second = await sendgridPost(events);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ applied: 5, pending: 0, duplicate: NEW_EVENTS_PER_REQUEST });
    // A click proves delivery, not an open (image-blocking clients click without "opening").
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, delivered: 1, clicked: 1 });
  });

  it("Resend via Svix signatures: delivered/opened, complaint suppresses email, replayed svix-id ignored, stale timestamp 401", async () => {
    const app = await signedUpPerson("eli");
    const env = await providerEnv();
    const job = sendJob({ appId: app.appId, userId: "eli", to: { kind: "email", email: "eli@example.com" } });
    await runSends([job], env);
    const emailId = String((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id);
    const event = (type: string) => ({
      type,
      created_at: new Date().toISOString(),
      data: {
        email_id: emailId,
        from: "hello@shop.example",
        to: ["eli@example.com"],
        subject: "Hello",
        created_at: new Date().toISOString(),
      },
    });

    expect((await resendPost("msg_old", event("email.delivered"), Math.floor(Date.now() / 1000) - 3600)).status).toBe(
      401,
    );
    const bad = await call("/webhooks/resend", {
      method: "POST",
      headers: {
        "svix-id": "msg_x",
        "svix-timestamp": String(Math.floor(Date.now() / 1000)),
        "svix-signature": "v1,AAAA",
      },
      body: JSON.stringify(event("email.delivered")),
    });
    expect(bad.status).toBe(401);

    expect(await (await resendPost("msg_1", event("email.delivered"))).json()).toEqual({
      applied: 1,
      pending: 0,
      duplicate: 0,
    });
    expect(await (await resendPost("msg_1", event("email.delivered"))).json()).toEqual({
      applied: 0,
      pending: 0,
      duplicate: 1,
    });
    await resendPost("msg_2", event("email.opened"));
    await resendPost("msg_3", event("email.complained"));
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "opened" });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, delivered: 1, opened: 1 });
    expect(await consent(app, "eli", "email")).toMatchObject({ status: "opted_out", source: "resend:complaint" });
  });

  it("WhatsApp: verification GET, X-Hub-Signature-256, statuses and inbound STOP", async () => {
    const ok = await call(
      "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=wa-verify-token&hub.challenge=1158201444",
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    expect((await call("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")).status).toBe(
      403,
    );

    const app = await signedUpPerson("fox");
    const env = await providerEnv();
    const job = sendJob({
      appId: app.appId,
      userId: "fox",
      channel: "whatsapp",
      to: { kind: "whatsapp", phone: "+447700900456" },
      content: { text: "hi" },
    });
    await runSends([job], env);
    const wamid = String((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id);
    const body = (statuses: unknown[], messages: unknown[] = []) => ({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "WABA",
          changes: [
            {
              field: "messages",
              value: { messaging_product: "whatsapp", metadata: { phone_number_id: "1234567890" }, statuses, messages },
            },
          ],
        },
      ],
    });
    const status = (s: string) => ({
      id: wamid,
      status: s,
      timestamp: String(Math.floor(Date.now() / 1000)),
      recipient_id: "447700900456",
    });

    expect((await whatsappPost(body([status("read")]), "sha256=00")).status).toBe(401);
    expect(await (await whatsappPost(body([status("delivered"), status("read")]))).json()).toEqual({
      applied: 2,
      pending: 0,
      duplicate: 0,
    });
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "opened" });
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, delivered: 1, opened: 1 });

    await whatsappPost(
      body([], [{ from: "447700900456", id: "wamid.in1", timestamp: "1", type: "text", text: { body: "STOP" } }]),
    );
    expect(await consent(app, "fox", "whatsapp")).toMatchObject({ status: "opted_out", source: "whatsapp:STOP" });
  });

  it("the unsubscribe page asks before acting (GET) and refuses forged links", async () => {
    const app = await signedUpPerson("gus");
    const { unsubscribeUrl } = await import("../src/delivery/unsubscribe");
    const link = (
      await unsubscribeUrl("", "test-unsubscribe-secret", { appId: app.appId, userObject: `${app.appId}/u/gus` })
    ).replace(/^\//, "/");
    const page = await call(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect(await consent(app, "gus", "email")).toBeUndefined();
    const other = await unsubscribeUrl("", "wrong-secret", { appId: app.appId, userObject: `${app.appId}/u/gus` });
    expect((await call(other, { method: "POST" })).status).toBe(400);
    // A valid signature for another app's object cannot be replayed under this app.
    expect((await call(link.replace(`a=${app.appId}`, "a=app-other"), { method: "POST" })).status).toBe(400);
  });
});

describe("delivery webhooks: an event counts as handled only once it is applied", () => {
  beforeEach(async () => {
    await resetFake();
  });
  /** The Worker's env, but the person's UserObject cannot take consent changes (unreachable). */
  const consentDown = () => withFailingUserObject(testEnv, ["setConsent"]);
  const uid = () => crypto.randomUUID().replace(/-/g, "").slice(0, 12);

  it("an inbound STOP whose consent change fails answers 500, and Twilio's retry of it opts the person out", async () => {
    const app = await signedUpPerson("sto");
    const env = await providerEnv();
    await runSends(
      [
        sendJob({
          appId: app.appId,
          userId: "sto",
          channel: "sms",
          to: { kind: "sms", phone: "+14155550141" },
          content: { text: "hi" },
        }),
      ],
      env,
    );
    const stop = {
      MessageSid: `SM${uid()}`,
      From: "+14155550141",
      To: "+15005550006",
      Body: "STOP",
      AccountSid: "AC00000000000000000000000000000001",
    };

    expect((await twilioPost("/webhooks/twilio/inbound", stop, undefined, consentDown())).status).toBe(500);
    expect(await consent(app, "sto", "sms")).toBeUndefined();
    const retried = await twilioPost("/webhooks/twilio/inbound", stop);
    expect(retried.status).toBe(200);
    expect(await consent(app, "sto", "sms")).toMatchObject({ status: "opted_out", source: "twilio:STOP" });
    // Once applied, it is a replay like any other: a later START is not undone by it.
    await twilioPost("/webhooks/twilio/inbound", { ...stop, MessageSid: `SM${uid()}`, Body: "START" });
    await twilioPost("/webhooks/twilio/inbound", stop);
    expect(await consent(app, "sto", "sms")).toMatchObject({ status: "opted_in" });
  });

  it("a Twilio 21610 callback and a Resend complaint whose suppression fails are applied on the provider's retry, then deduplicated", async () => {
    const app = await signedUpPerson("sup");
    const env = await providerEnv();
    const sms = sendJob({
      appId: app.appId,
      userId: "sup",
      channel: "sms",
      to: { kind: "sms", phone: "+14155550142" },
      content: { text: "hi" },
    });
    const mail = sendJob({ appId: app.appId, userId: "sup", to: { kind: "email", email: "sup@example.com" } });
    await runSends([sms, mail], env);
    const sid = String((await deliveryRows(sms.idempotencyKey))[0]!.provider_message_id);
    const emailId = String((await deliveryRows(mail.idempotencyKey))[0]!.provider_message_id);

    const status = { MessageSid: sid, MessageStatus: "undelivered", ErrorCode: "21610" };
    expect((await twilioPost("/webhooks/twilio/status", status, undefined, consentDown())).status).toBe(500);
    expect(await consent(app, "sup", "sms")).toBeUndefined();
    expect(await (await twilioPost("/webhooks/twilio/status", status)).json()).toEqual({
      applied: 1,
      pending: 0,
      duplicate: 0,
    });
    expect(await consent(app, "sup", "sms")).toMatchObject({ status: "opted_out", source: "twilio:21610" });
    expect(await (await twilioPost("/webhooks/twilio/status", status)).json()).toEqual({
      applied: 0,
      pending: 0,
      duplicate: 1,
    });
    expect(await statsOf(sms.idempotencyKey)).toEqual({ sent: 1, failed: 1 });

    const complaint = {
      type: "email.complained",
      created_at: new Date().toISOString(),
      data: {
        email_id: emailId,
        from: "hello@shop.example",
        to: ["sup@example.com"],
        subject: "Hello",
        created_at: new Date().toISOString(),
      },
    };
    const svixId = `msg_${uid()}`;
    expect((await resendPost(svixId, complaint, undefined, consentDown())).status).toBe(500);
    expect(await consent(app, "sup", "email")).toBeUndefined();
    expect(await (await resendPost(svixId, complaint)).json()).toEqual({ applied: 1, pending: 0, duplicate: 0 });
    expect(await consent(app, "sup", "email")).toMatchObject({ status: "opted_out", source: "resend:complaint" });
    expect(await (await resendPost(svixId, complaint)).json()).toEqual({ applied: 0, pending: 0, duplicate: 1 });
  });

  it("a SendGrid hard bounce that failed mid-batch is applied when SendGrid resends the batch, even beyond one request's budget", async () => {
    const app = await signedUpPerson("sgb");
    const env = await providerEnv({ EMAIL_PROVIDER: "sendgrid" });
    const job = sendJob({ appId: app.appId, userId: "sgb", to: { kind: "email", email: "sgb@example.com" } });
    await runSends([job], env);
    const msg = String((await deliveryRows(job.idempotencyKey))[0]!.provider_message_id);
    const { NEW_EVENTS_PER_REQUEST } = await import("../src/http/webhooks/webhook-routes");
    const tag = uid();
    const events = [
      {
        email: "sgb@example.com",
        timestamp: 1_800_000_000,
        event: "bounce",
        type: "bounce",
        reason: "550 5.1.1 user unknown",
        sg_event_id: `sgb-bounce-${tag}`,
        sg_message_id: `${msg}.filter-1`,
      },
      ...Array.from({ length: NEW_EVENTS_PER_REQUEST }, (_, i) => ({
        email: "sgb@example.com",
        timestamp: 1_800_000_001 + i,
        event: "delivered",
        sg_event_id: `sgb-${tag}-${i}`,
        sg_message_id: `${msg}.filter-1`,
      })),
    ];
    expect((await sendgridPost(events, false, consentDown())).status).toBe(500);
    expect(await consent(app, "sgb", "email")).toBeUndefined();
    // SendGrid resends the whole batch: the unapplied bounce is not skipped as known.
    expect((await sendgridPost(events)).status).toBe(503);
    const last = await sendgridPost(events);
    expect(last.status).toBe(200);
    expect(await last.json()).toEqual({ applied: 1, pending: 0, duplicate: NEW_EVENTS_PER_REQUEST });
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "bounced" });
    expect(await consent(app, "sgb", "email")).toMatchObject({ status: "opted_out", source: "sendgrid:bounce" });
  });

  it("Resend bounces: only Permanent suppresses the address; Undetermined and Transient fail the message and keep it", async () => {
    const app = await signedUpPerson("und");
    const env = await providerEnv();
    const jobs = ["Undetermined", "Transient", "Permanent"].map(() =>
      sendJob({ appId: app.appId, userId: "und", to: { kind: "email", email: "und@example.com" } }),
    );
    await runSends(jobs, env);
    const ids = await Promise.all(
      jobs.map(async (j) => String((await deliveryRows(j.idempotencyKey))[0]!.provider_message_id)),
    );
    const bounce = (emailId: string, type: string) => ({
      type: "email.bounced",
      created_at: new Date().toISOString(),
      data: {
        email_id: emailId,
        from: "hello@shop.example",
        to: ["und@example.com"],
        subject: "Hello",
        created_at: new Date().toISOString(),
        bounce: { type, subType: "General", message: "The recipient's mail server did not accept the message." },
      },
    });

    expect(await (await resendPost(`msg_${uid()}`, bounce(ids[0]!, "Undetermined"))).json()).toEqual({
      applied: 1,
      pending: 0,
      duplicate: 0,
    });
    await resendPost(`msg_${uid()}`, bounce(ids[1]!, "Transient"));
    expect((await deliveryRows(jobs[0]!.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    expect((await deliveryRows(jobs[1]!.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    expect(await consent(app, "und", "email")).toBeUndefined();

    await resendPost(`msg_${uid()}`, bounce(ids[2]!, "Permanent"));
    expect((await deliveryRows(jobs[2]!.idempotencyKey))[0]).toMatchObject({ status: "bounced" });
    expect(await consent(app, "und", "email")).toMatchObject({ status: "opted_out", source: "resend:bounce" });
  });
});
