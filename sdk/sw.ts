/// <reference lib="webworker" />
/**
 * Beckon's Web Push service worker (`/sdk/beckon-sw.js`): shows the notification a
 * push carries and opens its deep link on click. Accepts the payload as
 * `{title, body, image|imageUrl|icon, deepLink|url, data}` (what Beckon's Web Push channel
 * sends: `image` and `url`) or nested under `notification`.
 *
 * A click is reported to `POST /v1/push/opened` with the send's `beckon_key` from the
 * payload, so the send counts as opened in the campaign funnel (and journeys' `message: opened`).
 * The worker does not know who is signed in: the subscription's endpoint, which only this
 * browser, its push service and Beckon know, names the device. Beckon's host and the write
 * key come from the worker's URL (`beckon-sw.js?host=…&writeKey=…`, as `registerWebPush` registers it).
 */
const sw = self as unknown as ServiceWorkerGlobalScope;
export {};

interface Payload {
  title?: string;
  body?: string;
  icon?: string;
  image?: string;
  imageUrl?: string;
  deepLink?: string;
  url?: string;
  data?: Record<string, string>;
  notification?: Payload;
}

sw.addEventListener("push", (event) => {
  let p: Payload = {};
  try {
    p = (event.data?.json() as Payload) ?? {};
  } catch {
    p = { body: event.data?.text() ?? "" };
  }
  const n = { ...p, ...p.notification };
  const url = n.deepLink ?? n.url ?? n.data?.url ?? n.data?.deepLink;
  event.waitUntil(
    sw.registration.showNotification(n.title ?? "", {
      body: n.body ?? "",
      icon: n.icon,
      image: n.image ?? n.imageUrl,
      data: { ...n.data, url },
    } as NotificationOptions),
  );
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = (event.notification.data ?? {}) as { url?: string; beckon_key?: string };
  const url = data.url;
  event.waitUntil(
    Promise.all([url ? sw.clients.openWindow(url) : null, data.beckon_key && reportOpened(data.beckon_key)]),
  );
});

/** Tells Beckon the push was opened; a failure is not retried (the open is a statistic, the click still works). */
async function reportOpened(key: string): Promise<void> {
  const q = new URL(sw.location.href).searchParams;
  const host = q.get("host") ?? sw.location.origin;
  const writeKey = q.get("writeKey");
  if (!writeKey) return;
  try {
    const sub = await sw.registration.pushManager.getSubscription();
    await fetch(`${host.replace(/\/+$/, "")}/v1/push/opened`, {
      method: "POST",
      // text/plain: no CORS preflight; the server reads the body as JSON whatever the type.
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ writeKey, key, ...(sub ? { token: sub.endpoint } : {}) }),
    });
  } catch {
    // offline: the open is not counted
  }
}

sw.addEventListener("install", () => void sw.skipWaiting());
sw.addEventListener("activate", (event) => event.waitUntil(sw.clients.claim()));
