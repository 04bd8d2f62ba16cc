import type { AppConfig } from "../../../stores/config/app-config";
import type { InAppSettings } from "../../../domain/inapp/model";
import { inAppSettingsOf } from "../../../domain/inapp/public-config";

const settingsCache = new WeakMap<AppConfig, InAppSettings>();
/** `settings.inApp` of the app, with defaults (invalid or absent → defaults). */
export function inAppSettings(config: AppConfig): InAppSettings {
  let s = settingsCache.get(config);
  if (!s) {
    s = inAppSettingsOf(config.settings);
    settingsCache.set(config, s);
  }
  return s;
}
