/// <reference lib="webworker" />
/**
 * Beckon's Web Push service worker (`/sdk/beckon-sw.js`): shows the notification a
 * push carries and opens its deep link on click. Accepts the payload as
 * `{title, body, image|imageUrl|icon, deepLink|url, data}` (what Beckon's Web Push channel
 * sends: `image` and `url`) or nested under `notification`.
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
  const url = (event.notification.data as { url?: string } | null)?.url;
  if (url) event.waitUntil(sw.clients.openWindow(url));
});

sw.addEventListener("install", () => void sw.skipWaiting());
sw.addEventListener("activate", (event) => event.waitUntil(sw.clients.claim()));
