import { getJson, opts, post } from "./session";

/**
 * Asks for notification permission, subscribes with the app's VAPID key and registers
 * the subscription. Resolves to the subscription, or null if unsupported or refused.
 */
export async function registerWebPush(
  o: { serviceWorkerUrl?: string; scope?: string } = {},
): Promise<PushSubscription | null> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return null;
  const config = await getJson<{ webPush: { vapidPublicKey: string } | null }>("/v1/config");
  if (!config.webPush) throw new Error("beckon: Web Push is not configured for this app (no VAPID key)");
  if ((await Notification.requestPermission()) !== "granted") {
    // What `consent({ push: "opted_out" })` records.
    await post("/v1/devices", { consent: { push: "opted_out" } });
    return null;
  }
  // The worker reports notification clicks to Beckon (the funnel's `opened`): it learns where from its URL.
  const swUrl = new URL(o.serviceWorkerUrl ?? `${opts.host}/sdk/beckon-sw.js`, location.href);
  swUrl.searchParams.set("host", opts.host);
  swUrl.searchParams.set("writeKey", opts.writeKey);
  const reg = await navigator.serviceWorker.register(swUrl.href, { scope: o.scope ?? "/" });
  await navigator.serviceWorker.ready;
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: base64UrlToBytes(config.webPush.vapidPublicKey),
    }));
  const json = sub.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
  await post("/v1/devices", {
    register: [{ provider: "webpush", platform: "web", subscription: { endpoint: json.endpoint, keys: json.keys } }],
    consent: { push: "opted_in" },
  });
  return sub;
}

function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
