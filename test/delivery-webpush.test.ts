import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";
import { deliveryRows, providerEnv, runSends, sendJob, statsOf, testEnv } from "./fakes/delivery-harness";

/** Web Push end to end against web-push-testing: a real push service on loopback that checks VAPID and decrypts. */
const b64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const service = () => String(testEnv.WEB_PUSH_SERVICE_URL);
const post = async <T>(path: string, body?: unknown): Promise<{ status: number; json: T }> => {
  const res = await fetch(`${service()}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json: json as T };
};

async function vapidKeys() {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const publicKey = b64url((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  return { publicKey, privateKey: jwk.d! };
}

describe("delivery: Web Push (RFC 8291 + RFC 8292) end to end", () => {
  it("encrypts with aes128gcm, authenticates with VAPID, and a 410 from the push service removes the subscription", async () => {
    const vapid = await vapidKeys();
    const sub = await post<{ data: { endpoint: string; keys: { p256dh: string; auth: string }; clientHash: string } }>(
      "/subscribe",
      { userVisibleOnly: "true", applicationServerKey: vapid.publicKey },
    );
    expect(sub.status).toBe(200);
    const { endpoint, keys, clientHash } = sub.json.data;

    const app = await createTestApp();
    const reg = await sdk(app, "/v1/devices", {
      userId: "wen",
      register: [{ provider: "webpush", platform: "web", subscription: { endpoint, keys } }],
    });
    expect(reg.status).toBe(200);
    const env = await providerEnv({
      VAPID_SUBJECT: "mailto:ops@shop.example",
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      WEBPUSH_ALLOW_INSECURE: "true",
    });
    const device = {
      provider: "webpush" as const,
      platform: "web" as const,
      token: endpoint,
      subscription: { endpoint, keys },
    };
    const job = sendJob({
      appId: app.appId,
      userId: "wen",
      channel: "push",
      to: { kind: "push", devices: [device] },
      content: { title: "Back in stock", body: "Your size is back", deepLink: "https://shop.example/p/1" },
    });
    const r = await runSends([job], env);
    expect(r.acked).toHaveLength(1);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({ status: "sent", provider: "webpush" });

    const got = await post<{ data: { messages: string[] } }>("/get-notifications", { clientHash });
    expect(got.json.data.messages).toHaveLength(1);
    expect(JSON.parse(got.json.data.messages[0]!)).toMatchObject({
      title: "Back in stock",
      body: "Your size is back",
      url: "https://shop.example/p/1",
      data: { beckon_key: job.idempotencyKey },
    });

    // Redelivery of the same queue message: nothing new reaches the browser.
    await runSends([job], env, {}, 2);
    expect(
      (await post<{ data: { messages: string[] } }>("/get-notifications", { clientHash })).json.data.messages,
    ).toHaveLength(1);

    // The browser unsubscribed: the push service answers 410 and the device is invalidated.
    await post(`/expire-subscription/${clientHash}`);
    const gone = sendJob({
      appId: app.appId,
      userId: "wen",
      channel: "push",
      to: { kind: "push", devices: [device] },
      content: { title: "x" },
    });
    const r2 = await runSends([gone], env);
    expect(r2.acked).toHaveLength(1);
    expect((await deliveryRows(gone.idempotencyKey))[0]).toMatchObject({ status: "failed" });
    expect(String((await deliveryRows(gone.idempotencyKey))[0]!.error)).toContain("410");
    expect(await statsOf(gone.idempotencyKey)).toEqual({ failed: 1 });
    const profile = (await (await admin(app, "/admin/users/wen")).json()) as {
      devices: Array<{ token: string; status: string; invalidReason: string | null }>;
    };
    expect(profile.devices.find((d) => d.token === endpoint)).toMatchObject({
      status: "invalid",
      invalidReason: "webpush:410",
    });
  });

  it("refuses a plain-http endpoint unless explicitly allowed (real push services are https)", async () => {
    const vapid = await vapidKeys();
    const app = await createTestApp();
    const env = await providerEnv({
      VAPID_SUBJECT: "mailto:ops@shop.example",
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
    });
    const endpoint = `${service()}/notify/nothing`;
    const job = sendJob({
      appId: app.appId,
      userId: "x",
      channel: "push",
      to: {
        kind: "push",
        devices: [
          {
            provider: "webpush",
            platform: "web",
            token: endpoint,
            subscription: { endpoint, keys: { p256dh: "BAAA", auth: "AAAA" } },
          },
        ],
      },
      content: { title: "x" },
    });
    await runSends([job], env);
    expect((await deliveryRows(job.idempotencyKey))[0]).toMatchObject({
      status: "failed",
      error: "Web Push endpoint is not https",
    });
  });
});
