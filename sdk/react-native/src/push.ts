import { readItem, uuid, writeItem } from "../../core/identity";
import type { OpenedPush, PushAdapter } from "./options";
import { enqueue, openDeepLink, type Session, session, started, storageKey } from "./session";

/**
 * Push on React Native: the device token registered with `POST /v1/devices` at start and
 * on every rotation, and pushes the person opened (cold start and warm) reported to
 * `POST /v1/push/opened` (the send's funnel) and as Segment's `Push Notification Opened`
 * with Beckon's send key and campaign, then their deep link dispatched. Providers come in through adapters, so no native module is imported.
 */

export async function registerPush(s: Session, adapter: PushAdapter): Promise<void> {
  const permission = await adapter.permission?.().catch(() => "undetermined" as const);
  const consent =
    permission === "granted"
      ? { consent: { push: "opted_in" } }
      : permission === "denied"
        ? { consent: { push: "opted_out" } }
        : {};
  const send = async (token: string) => {
    try {
      await fetch(`${s.opts.host}/v1/devices`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({
          writeKey: s.opts.writeKey,
          ...s.id.who(),
          ...s.id.tokenField(),
          register: [{ provider: adapter.provider, platform: adapter.platform, token }],
          ...consent,
        }),
      });
    } catch {
      // offline: the next app open registers again
    }
  };
  const token = await adapter.getToken().catch(() => null);
  if (token) await send(token);
  const off = adapter.onTokenRefresh?.((t) => void send(t));
  if (off) s.subscriptions.push(off);
}

/** The cold-start push (reported once, even if the OS keeps returning it) and warm opens from now on. */
export async function handlePushOpens(s: Session, adapter: PushAdapter): Promise<void> {
  const off = adapter.onNotificationOpened?.((p) => pushOpened(p));
  if (off) s.subscriptions.push(off);
  const initial = await adapter.getInitialNotification?.().catch(() => null);
  if (!initial) return;
  const id = pushId(initial);
  const lastKey = storageKey(s, "lastOpenedPush");
  if (id && (await readItem(s.store, lastKey)) === id) return;
  if (id) writeItem(s.store, lastKey, id);
  pushOpened(initial);
}

const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);
const pushId = (p: OpenedPush) => text(p.data.beckon_key) ?? text(p.data.messageId);

/**
 * Reports a push the person opened and follows its deep link (`beckon_deep_link`, else
 * `deepLink` / `url` in the data). Call it yourself if you handle notification taps
 * outside the adapter. Pushes not sent by Beckon are reported too (without a campaign).
 */
export function pushOpened(push: OpenedPush): void {
  if (!started()) return;
  const s = session();
  const d = push.data ?? {};
  const campaign = text(d.beckon_campaign);
  const properties: Record<string, unknown> = { ...(campaign ? { campaign: { id: campaign, medium: "push" } } : {}) };
  const key = text(d.beckon_key);
  if (key) {
    properties.beckon_key = key;
    // The send's delivery record moves to opened: the campaign funnel and `message: opened` branches.
    s.pushOpens.push({ messageId: uuid(), who: s.id.who(), key });
  }
  enqueue({ type: "track", event: "Push Notification Opened", properties });
  // The app was opened from a push: send it now, before the person navigates away.
  void s.queue.flush();
  const link = text(d.beckon_deep_link) ?? text(d.deepLink) ?? text(d.url);
  if (link) openDeepLink(link);
}

/** The part of `@react-native-firebase/messaging`'s module used here (an optional peer). */
export interface FirebaseMessagingLike {
  getToken(): Promise<string>;
  onTokenRefresh(listener: (token: string) => void): () => void;
  getInitialNotification?(): Promise<{ data?: Record<string, unknown> } | null>;
  /** AuthorizationStatus: 1 authorized, 2 provisional, 0 denied, -1 not determined. */
  hasPermission?(): Promise<number>;
  onNotificationOpenedApp?(listener: (message: { data?: Record<string, unknown> }) => void): () => void;
}

/** FCM tokens from `messaging()` of @react-native-firebase/messaging (Android, or iOS through FCM). */
export function firebaseMessagingAdapter(messaging: FirebaseMessagingLike, platform: "android" | "ios"): PushAdapter {
  return {
    provider: "fcm",
    platform,
    getToken: () => messaging.getToken(),
    onTokenRefresh: (listener) => messaging.onTokenRefresh(listener),
    permission: async () => {
      const status = (await messaging.hasPermission?.()) ?? -1;
      return status >= 1 ? "granted" : status === 0 ? "denied" : "undetermined";
    },
    getInitialNotification: async () => {
      const m = await messaging.getInitialNotification?.();
      return m ? { data: m.data ?? {} } : null;
    },
    onNotificationOpened: (listener) =>
      messaging.onNotificationOpenedApp?.((m) => listener({ data: m.data ?? {} })) ?? (() => undefined),
  };
}

/** What expo-notifications hands over for a tapped notification (the part used). */
interface ExpoNotificationResponse {
  notification: { request: { content: { data?: Record<string, unknown> | null } } };
}

/** The part of `expo-notifications` used here (an optional peer). */
export interface ExpoNotificationsLike {
  getDevicePushTokenAsync(): Promise<{ type: string; data: unknown }>;
  addPushTokenListener(listener: (token: { type: string; data: unknown }) => void): { remove(): void };
  getLastNotificationResponseAsync?(): Promise<ExpoNotificationResponse | null>;
  getPermissionsAsync?(): Promise<{ status: string }>;
  addNotificationResponseReceivedListener?(listener: (response: ExpoNotificationResponse) => void): { remove(): void };
}

/** The native device token from expo-notifications: APNs on iOS, FCM on Android (not Expo's own push service). */
export function expoNotificationsAdapter(
  notifications: ExpoNotificationsLike,
  platform: "android" | "ios",
): PushAdapter {
  const token = (t: { data: unknown }) => (typeof t.data === "string" ? t.data : null);
  const opened = (r: ExpoNotificationResponse): OpenedPush => ({ data: r.notification.request.content.data ?? {} });
  return {
    provider: platform === "ios" ? "apns" : "fcm",
    platform,
    getToken: async () => token(await notifications.getDevicePushTokenAsync()),
    onTokenRefresh: (listener) => {
      const sub = notifications.addPushTokenListener((t) => {
        const value = token(t);
        if (value) listener(value);
      });
      return () => sub.remove();
    },
    permission: async () => {
      const status = (await notifications.getPermissionsAsync?.())?.status;
      return status === "granted" ? "granted" : status === "denied" ? "denied" : "undetermined";
    },
    getInitialNotification: async () => {
      const r = await notifications.getLastNotificationResponseAsync?.();
      return r ? opened(r) : null;
    },
    onNotificationOpened: (listener) => {
      const sub = notifications.addNotificationResponseReceivedListener?.((r) => listener(opened(r)));
      return () => sub?.remove();
    },
  };
}
