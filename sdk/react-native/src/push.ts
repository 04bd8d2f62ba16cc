import type { PushAdapter } from "./index";

/** The part of `@react-native-firebase/messaging`'s module used here (an optional peer). */
export interface FirebaseMessagingLike {
  getToken(): Promise<string>;
  onTokenRefresh(listener: (token: string) => void): () => void;
}

/** FCM tokens from `messaging()` of @react-native-firebase/messaging (Android, or iOS through FCM). */
export function firebaseMessagingAdapter(messaging: FirebaseMessagingLike, platform: "android" | "ios"): PushAdapter {
  return {
    provider: "fcm",
    platform,
    getToken: () => messaging.getToken(),
    onTokenRefresh: (listener) => messaging.onTokenRefresh(listener),
  };
}

/** The part of `expo-notifications` used here (an optional peer). */
export interface ExpoNotificationsLike {
  getDevicePushTokenAsync(): Promise<{ type: string; data: unknown }>;
  addPushTokenListener(listener: (token: { type: string; data: unknown }) => void): { remove(): void };
}

/** The native device token from expo-notifications: APNs on iOS, FCM on Android (not Expo's own push service). */
export function expoNotificationsAdapter(notifications: ExpoNotificationsLike, platform: "android" | "ios"): PushAdapter {
  const text = (t: { data: unknown }) => (typeof t.data === "string" ? t.data : null);
  return {
    provider: platform === "ios" ? "apns" : "fcm",
    platform,
    getToken: async () => text(await notifications.getDevicePushTokenAsync()),
    onTokenRefresh: (listener) => {
      const sub = notifications.addPushTokenListener((t) => {
        const token = text(t);
        if (token) listener(token);
      });
      return () => sub.remove();
    },
  };
}
