import * as z from "zod";
import type { Millis } from "../kernel/clock";
import type { PushTarget } from "../domain/delivery/send-job";
import type { ContextPushToken } from "../domain/events/event-context";

export const PushProvider = z.enum(["fcm", "apns", "webpush"]);
export const Platform = z.enum(["android", "ios", "web"]);

/** A push registration from the SDK. Web Push carries its subscription instead of a token. */
export const DeviceRegistration = z
  .object({
    provider: PushProvider,
    platform: Platform,
    token: z.string().min(8).max(4096).optional(),
    subscription: z
      .object({
        endpoint: z.url({ protocol: /^https?$/ }),
        keys: z.object({ p256dh: z.string().min(16), auth: z.string().min(8) }).strict(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.provider === "webpush" && !d.subscription)
      ctx.addIssue({ code: "custom", path: ["subscription"], message: "required for webpush" });
    if (d.provider !== "webpush" && !d.token)
      ctx.addIssue({ code: "custom", path: ["token"], message: `required for ${d.provider}` });
  });
export type DeviceRegistration = z.infer<typeof DeviceRegistration>;

/**
 * The registration a `context.device.token` stands for: FCM on Android; on iOS APNs, unless
 * the app sends iOS pushes through FCM (`iosPushProvider`). Null without a known platform.
 */
export function contextRegistration(t: ContextPushToken, iosPushProvider: "apns" | "fcm"): DeviceRegistration | null {
  if (t.platform === "android") return { provider: "fcm", platform: "android", token: t.token };
  if (t.platform === "ios") return { provider: iosPushProvider, platform: "ios", token: t.token };
  return null;
}

export interface DeviceUpdate {
  register?: DeviceRegistration[];
  /** Tokens (or Web Push endpoints) to remove. */
  unregister?: string[];
  email?: string | null;
  phone?: string | null;
  timezone?: string;
  locale?: string;
  consent?: Partial<Record<"push" | "email" | "sms" | "whatsapp", "opted_in" | "opted_out" | "unknown">>;
  source?: string;
}

export interface DeviceRecord {
  token: string;
  provider: PushTarget["provider"];
  platform: PushTarget["platform"];
  subscription: PushTarget["subscription"] | null;
  status: "active" | "invalid";
  createdAt: Millis;
  updatedAt: Millis;
  invalidReason: string | null;
}

type Raw = {
  token: string;
  provider: string;
  platform: string;
  subscription: string | null;
  status: string;
  created_at: number;
  updated_at: number;
  invalid_reason: string | null;
};

/** The person's push devices. Web Push subscriptions are keyed by their endpoint. */
export class DeviceTable {
  constructor(private readonly sql: SqlStorage) {}

  register(d: DeviceRegistration, now: Millis): void {
    const token = d.token ?? d.subscription!.endpoint;
    this.sql.exec(
      `INSERT INTO devices (token, provider, platform, subscription, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?)
       ON CONFLICT(token) DO UPDATE SET provider = excluded.provider, platform = excluded.platform, subscription = excluded.subscription, status = 'active', updated_at = excluded.updated_at, invalid_reason = NULL`,
      token,
      d.provider,
      d.platform,
      d.subscription ? JSON.stringify(d.subscription) : null,
      now,
      now,
    );
  }

  restore(d: DeviceRecord): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO devices (token, provider, platform, subscription, status, created_at, updated_at, invalid_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      d.token,
      d.provider,
      d.platform,
      d.subscription ? JSON.stringify(d.subscription) : null,
      d.status,
      d.createdAt,
      d.updatedAt,
      d.invalidReason,
    );
  }

  /** Marks a token invalid (kept for the record, never targeted again). */
  remove(token: string, reason: string, now: Millis): boolean {
    return (
      this.sql.exec(
        `UPDATE devices SET status = 'invalid', invalid_reason = ?, updated_at = ? WHERE token = ? AND status = 'active'`,
        reason,
        now,
        token,
      ).rowsWritten > 0
    );
  }

  /** The active device registered (or re-registered) longest ago, if more than `keep` are active. */
  oldestActiveBeyond(keep: number): string | null {
    const rows = this.sql
      .exec<{ token: string; n: number }>(
        `SELECT token, (SELECT COUNT(*) FROM devices WHERE status = 'active') AS n FROM devices WHERE status = 'active' ORDER BY updated_at, created_at, rowid LIMIT 1`,
      )
      .toArray();
    return rows[0] && rows[0].n > keep ? rows[0].token : null;
  }

  find(token: string): { provider: string; platform: string; status: string } | null {
    return (
      this.sql
        .exec<{ provider: string; platform: string; status: string }>(
          `SELECT provider, platform, status FROM devices WHERE token = ?`,
          token,
        )
        .toArray()[0] ?? null
    );
  }

  list(): DeviceRecord[] {
    return this.sql
      .exec<Raw>(`SELECT * FROM devices ORDER BY created_at`)
      .toArray()
      .map((r) => ({
        token: r.token,
        provider: r.provider as DeviceRecord["provider"],
        platform: r.platform as DeviceRecord["platform"],
        subscription: r.subscription ? JSON.parse(r.subscription) : null,
        status: r.status as DeviceRecord["status"],
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        invalidReason: r.invalid_reason,
      }));
  }

  pushTargets(): PushTarget[] {
    return this.list()
      .filter((d) => d.status === "active")
      .map((d) => ({
        provider: d.provider,
        platform: d.platform,
        token: d.token,
        ...(d.subscription ? { subscription: d.subscription } : {}),
      }));
  }
}
