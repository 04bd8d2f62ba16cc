import type { Millis } from "../../kernel/clock";
import { DEFAULT_INAPP_SETTINGS, InAppSettings } from "./model";

/**
 * Small pieces the SDK routes need without a UserObject: the app's in-app settings,
 * the Web Push public key, and the empty views for people Beckon has never seen.
 */

/** `settings.inApp` with defaults; an invalid or absent value means the defaults. */
export function inAppSettingsOf(settings: { readonly inApp?: unknown }): InAppSettings {
  const parsed = InAppSettings.safeParse(settings.inApp ?? {});
  return parsed.success ? parsed.data : DEFAULT_INAPP_SETTINGS;
}

/**
 * The VAPID public key browsers subscribe with (the `VAPID_PUBLIC_KEY` var, base64url of
 * the uncompressed P-256 point); the private half stays with the Web Push channel.
 */
export function publicWebPushKey(env: object): string | null {
  const key = (env as Record<string, unknown>).VAPID_PUBLIC_KEY;
  return typeof key === "string" && key.trim() !== "" ? key.trim() : null;
}

export function pendingViewEmpty(now: Millis, settings: { readonly inApp?: unknown }) {
  return {
    messages: [],
    rules: [],
    notBefore: null,
    minIntervalSeconds: inAppSettingsOf(settings).minIntervalSeconds,
    serverTime: now,
  };
}

export function feedViewEmpty() {
  return { cards: [], unread: 0 };
}
