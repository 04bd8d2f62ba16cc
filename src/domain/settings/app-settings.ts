import * as z from "zod";
import { FrequencyCapRules } from "../campaigns/policy/frequency-cap";
import { InAppSettings } from "../inapp/model";
import { LifecycleThresholds } from "../lifecycle/lifecycle-thresholds";

/**
 * Per-app settings, stored as JSON on the app row. Every field has a documented
 * default so an empty object is a complete configuration.
 */
export const QuietHours = z.object({
  /** Local time "HH:MM" when quiet hours start (inclusive). */
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM"),
  /** Local time "HH:MM" when quiet hours end (exclusive); may be earlier than start (overnight). */
  end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM"),
});
export type QuietHours = z.infer<typeof QuietHours>;

export const AppSettings = z.object({
  lifecycle: LifecycleThresholds.prefault({}),
  /** Event name counted as a purchase (revenue from `properties.revenue`, else `total`, else `value`). */
  purchaseEvent: z.string().min(1).default("Order Completed"),
  frequencyCaps: FrequencyCapRules.default([
    { windowHours: 24, max: 3 },
    { windowHours: 24 * 7, max: 10 },
  ]),
  quietHours: QuietHours.nullable().default({ start: "22:00", end: "08:00" }),
  /** Fallback timezone for users who never reported one (IANA name). */
  defaultTimezone: z.string().default("UTC"),
  /** Recent events kept per user (bounded log). */
  recentEvents: z.number().int().min(10).max(5000).default(200),
  /** Churn-risk bands on P(alive): below `high` → high risk, below `medium` → medium. */
  churnBands: z
    .object({ high: z.number().min(0).max(1).default(0.3), medium: z.number().min(0).max(1).default(0.6) })
    .prefault({}),
  /** Geofence fixes with horizontal accuracy worse than this (metres) are ignored. */
  geofenceMaxAccuracyM: z.number().positive().default(200),
  /** In-app display: minimum interval between two messages, pending and card limits. */
  inApp: InAppSettings.prefault({}),
  /**
   * Whether calls naming a `userId` must carry a user token signed by the app's backend (docs/api.md
   * "Identity verification"). `off` here keeps apps stored before the setting existed working;
   * the operator API creates new apps with `required`.
   */
  identityVerification: z.enum(["off", "warn", "required"]).default("off"),
  /**
   * Which provider an iOS push token reported in `context.device.token` (Segment's mobile
   * libraries) belongs to: an APNs device token, or an FCM registration token when the app
   * sends iOS pushes through Firebase. Android tokens are always FCM.
   */
  iosPushProvider: z.enum(["apns", "fcm"]).default("apns"),
  /**
   * Events retention cohorts can start from or return with, besides first seen and any event
   * (docs/analytics.md "Retention cohorts"); the purchase event always is one. Counted from when listed.
   */
  retentionEvents: z.array(z.string().min(1).max(200)).max(10).default([]),
  /**
   * The export's file format (docs/analytics.md "Export"): NDJSON gzip or Parquet. `null`: the deployment's
   * `EXPORT_FORMAT` (default NDJSON). Applies to rows exported from when it is set; earlier files stay as written.
   */
  exportFormat: z.enum(["ndjson", "parquet"]).nullable().default(null),
  /**
   * Approvals (docs/console.md "Roles and approvals"): activating a campaign whose estimated audience
   * (upper bound) exceeds `audienceOver` people waits for a different person with the approver
   * right. `null`: no approvals.
   */
  approvals: z
    .object({ audienceOver: z.number().int().min(0) })
    .strict()
    .nullable()
    .default(null),
  /**
   * Cloudflare Access (docs/console.md "Cloudflare Access"): the role of each signed-in email
   * (`"ada@example.com"`, or `"*@example.com"` for a whole domain) and who may approve.
   */
  access: z
    .object({
      roles: z.record(z.string().min(3).max(320), z.enum(["owner", "editor", "viewer"])).default({}),
      approvers: z.array(z.string().min(3).max(320)).max(500).default([]),
    })
    .strict()
    .prefault({}),
});
export type AppSettings = z.infer<typeof AppSettings>;

export function parseSettings(json: string | null | undefined): AppSettings {
  return AppSettings.parse(json ? JSON.parse(json) : {});
}
