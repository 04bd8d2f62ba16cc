import { generateKeyPairSync, sign } from "node:crypto";
import twilio from "twilio";
import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { twilioSignature, verifyTwilioSignature } from "../../src/http/webhooks/twilio-signature";
import { svixSignature, verifySvix } from "../../src/http/webhooks/svix-signature";
import { derToP1363, verifySendgrid } from "../../src/http/webhooks/sendgrid-signature";
import { verifyMetaSignature } from "../../src/http/webhooks/meta-signature";
import { signWebhookBody } from "../../src/delivery/channels/webhook";
import { createHmac } from "node:crypto";

/** Beckon's WebCrypto verifiers against signatures made by the providers' own libraries. */
describe("webhook signature verifiers agree with the providers' libraries", () => {
  it("Twilio (twilio.getExpectedTwilioSignature / validateRequest)", async () => {
    const token = "12345";
    const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const params = {
      CallSid: "CA1234567890ABCDE",
      Caller: "+12349013030",
      Digits: "1234",
      From: "+12349013030",
      To: "+18005551212",
    };
    const expected = twilio.getExpectedTwilioSignature(token, url, params);
    expect(await twilioSignature(token, url, params)).toBe(expected);
    expect(await verifyTwilioSignature(token, expected, url, params)).toBe(true);
    expect(twilio.validateRequest(token, await twilioSignature(token, url, params), url, params)).toBe(true);
    // Twilio's helper accepts the URL with the default port; so does Beckon.
    const withPort = twilio.getExpectedTwilioSignature(
      token,
      "https://mycompany.com:443/myapp.php?foo=1&bar=2",
      params,
    );
    expect(await verifyTwilioSignature(token, withPort, url, params)).toBe(true);
    expect(await verifyTwilioSignature(token, expected, url, { ...params, Digits: "0000" })).toBe(false);
    expect(await verifyTwilioSignature(token, undefined, url, params)).toBe(false);
  });

  it("Svix (Resend)", async () => {
    const secret = `whsec_${Buffer.from("a-very-secret-key-32-bytes-long!").toString("base64")}`;
    const wh = new Webhook(secret);
    const now = new Date();
    const ts = String(Math.floor(now.getTime() / 1000));
    const payload = JSON.stringify({ type: "email.delivered", data: { email_id: "x" } });
    const sig = wh.sign("msg_1", now, payload);
    expect(await svixSignature(secret, "msg_1", ts, payload)).toBe(sig);
    expect(
      await verifySvix(secret, { id: "msg_1", timestamp: ts, signature: `v1,bogus ${sig}` }, payload, now.getTime()),
    ).toBe(true);
    expect(await verifySvix(secret, { id: "msg_2", timestamp: ts, signature: sig }, payload, now.getTime())).toBe(
      false,
    );
    expect(
      await verifySvix(secret, { id: "msg_1", timestamp: ts, signature: sig }, payload, now.getTime() + 6 * 60_000),
    ).toBe(false);
    // And svix's own verifier accepts what Beckon would compute.
    expect(() => wh.verify(payload, { "svix-id": "msg_1", "svix-timestamp": ts, "svix-signature": sig })).not.toThrow();
  });

  it("SendGrid (ECDSA P-256, DER signature over timestamp + payload)", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pub = (publicKey.export({ type: "spki", format: "der" }) as Buffer).toString("base64");
    const payload = JSON.stringify([{ event: "delivered", sg_event_id: "e1" }]);
    const ts = "1700000000";
    for (let i = 0; i < 20; i++) {
      // Different signatures exercise DER integers with and without a leading zero byte.
      const sig = sign("sha256", Buffer.from(ts + payload), privateKey).toString("base64");
      expect(await verifySendgrid(pub, sig, ts, new TextEncoder().encode(payload))).toBe(true);
    }
    const sig = sign("sha256", Buffer.from(ts + payload), privateKey).toString("base64");
    expect(await verifySendgrid(pub, sig, "1700000001", new TextEncoder().encode(payload))).toBe(false);
    expect(await verifySendgrid(pub, sig, ts, new TextEncoder().encode(payload + " "))).toBe(false);
    expect(await verifySendgrid(pub, undefined, ts, new Uint8Array())).toBe(false);
    expect(await verifySendgrid(pub, "not-der", ts, new Uint8Array())).toBe(false);
  });

  it("DER → IEEE P1363 conversion", () => {
    const der = Uint8Array.from([0x30, 0x08, 0x02, 0x02, 0x00, 0x81, 0x02, 0x02, 0x12, 0x34]);
    const raw = derToP1363(der, 4);
    expect(Array.from(raw)).toEqual([0, 0, 0, 0x81, 0, 0, 0x12, 0x34]);
  });

  it("Meta X-Hub-Signature-256 and Beckon's own X-Beckon-Signature", async () => {
    const body = new TextEncoder().encode('{"entry":[]}');
    const good = `sha256=${createHmac("sha256", "app-secret").update(Buffer.from(body)).digest("hex")}`;
    expect(await verifyMetaSignature("app-secret", good, body)).toBe(true);
    expect(await verifyMetaSignature("other", good, body)).toBe(false);
    expect(await verifyMetaSignature("app-secret", undefined, body)).toBe(false);
    const header = await signWebhookBody("hook", 1700000000, '{"a":1}');
    expect(header).toBe(`t=1700000000,v1=${createHmac("sha256", "hook").update('1700000000.{"a":1}').digest("hex")}`);
  });
});
