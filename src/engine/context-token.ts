import type { ContextPushToken } from "../domain/events/event-context";
import type { AppSettings } from "../domain/settings/app-settings";
import { contextRegistration } from "./devices";
import type { UserContext } from "./feature";
import type { UserHost } from "./user-host";

/** Active push devices a person keeps when new tokens arrive in `context.device.token` (docs/api.md "Context kept"). */
const MAX_ACTIVE_CONTEXT_DEVICES = 10;

/**
 * A push token from `context.device.token` (Segment's mobile libraries send it with every call):
 * registered like `POST /v1/devices` would, once; consent is untouched (push still needs
 * `opted_in`). A token the provider declared invalid is not revived by context: only an explicit
 * registration does that, so an app still reporting a dead token does not flap uninstall state.
 */
export function registerContextToken(
  host: UserHost,
  ctx: UserContext,
  t: ContextPushToken,
  settings: AppSettings,
): void {
  const handled = ctx.memo("devices.contextTokens", () => new Set<string>());
  if (handled.has(t.token)) return;
  handled.add(t.token);
  const registration = contextRegistration(t, settings.iosPushProvider);
  if (!registration) {
    // Noted once per token, not on every call that repeats it.
    if (host.getMeta("contextTokenIgnored") === t.token) return;
    host.setMeta("contextTokenIgnored", t.token);
    ctx.timeline.add(ctx.now, "device", {
      ignored: t.token.slice(0, 12),
      source: "context.device.token",
      reason: "no platform: context.device.type or context.os.name must say iOS or Android",
    });
    return;
  }
  const devices = host.devices;
  const known = devices.find(t.token);
  if (
    known &&
    (known.status !== "active" ||
      (known.provider === registration.provider && known.platform === registration.platform))
  )
    return;
  devices.register(registration, ctx.now);
  ctx.profile.hadPushToken = true;
  ctx.timeline.add(ctx.now, "device", {
    registered: registration.provider,
    platform: registration.platform,
    source: "context.device.token",
  });
  // Mobile libraries never unregister a rotated token, and a public write key could send any number:
  // beyond MAX_ACTIVE_CONTEXT_DEVICES the oldest registration is retired, so sends per person stay bounded.
  const oldest = devices.oldestActiveBeyond(MAX_ACTIVE_CONTEXT_DEVICES);
  if (oldest && devices.remove(oldest, `replaced: more than ${MAX_ACTIVE_CONTEXT_DEVICES} active devices`, ctx.now))
    ctx.timeline.add(ctx.now, "device", {
      retired: oldest.slice(0, 12),
      reason: `more than ${MAX_ACTIVE_CONTEXT_DEVICES} active devices`,
    });
}
