import "@hono/zod-openapi"; // extends zod with .openapi()
import * as z from "zod";
import { FUNNEL } from "../../domain/campaigns/campaign-report";
import { DeviceView, UserProfile } from "./views";

/**
 * Admin response shapes whose handlers build them from SQL rows or pure reports (typed as
 * TypeScript interfaces there): campaign stats, the GDPR export, lifecycle history, activity.
 */
const Rows = z.array(z.record(z.string(), z.unknown()));
const Interval = z.object({ low: z.number(), high: z.number() });
const Counts = z.object(
  Object.fromEntries(FUNNEL.map((k) => [k, z.number().int()])) as Record<(typeof FUNNEL)[number], z.ZodNumber>,
);
const Uplift = z.object({
  treatmentRate: z.number().nullable(),
  controlRate: z.number().nullable(),
  treatmentCi: Interval.nullable().openapi({ description: "Wilson interval of the treatment rate" }),
  controlCi: Interval.nullable(),
  absoluteUplift: z.number().nullable().openapi({ description: "treatmentRate − controlRate" }),
  relativeUplift: z.number().nullable().openapi({ description: "absoluteUplift / controlRate" }),
  ci: Interval.nullable().openapi({ description: "Newcombe hybrid score interval of the absolute uplift" }),
  significant: z.boolean(),
  confidence: z.number(),
});

export const CampaignStats = z
  .object({
    campaignId: z.string(),
    confidence: z.number(),
    variants: z.array(
      z.object({
        variant: z.string(),
        counts: Counts,
        conversionRate: z.number().nullable(),
        uplift: Uplift.nullable().openapi({ description: "against the control group; null without one" }),
      }),
    ),
    control: z
      .object({ entered: z.number().int(), converted: z.number().int(), conversionRate: z.number().nullable() })
      .nullable(),
    pooled: Uplift.nullable().openapi({
      description:
        "all variants together vs the control group (entrants and conversions summed over variants); null without a control group",
    }),
    totals: Counts,
    simulated: z.boolean().optional().openapi({
      description:
        "some delivered/opened/clicked counts are simulated receipts of the sandbox provider (SANDBOX_RECEIPTS, local only)",
    }),
  })
  .openapi("CampaignStats");

export const UserExport = z
  .object({
    exportedAt: z.string(),
    appId: z.string(),
    userId: z.string(),
    profile: UserProfile,
    devices: z.array(DeviceView),
    events: Rows,
    timeline: Rows,
    timers: Rows,
    features: z.record(z.string(), Rows).openapi({ description: "each feature module's tables, by feature name" }),
    index: z
      .record(z.string(), z.unknown())
      .nullable()
      .openapi({ description: "the person's row in the users index (D1)" }),
  })
  .openapi("UserExport");

const Day = z.string().openapi({ example: "2026-12-01" });
export const LifecycleHistory = z
  .object({
    from: Day,
    to: Day,
    days: z.array(
      z.object({
        day: Day,
        takenAt: z.string(),
        total: z.number().int(),
        states: z.record(z.string(), z.number()),
        loyal: z.number().int(),
        rfm: z.record(z.string(), z.number()),
        churnBands: z.record(z.string(), z.number()),
      }),
    ),
  })
  .openapi("LifecycleHistory");

export const Activity = z
  .object({
    asOf: z.string(),
    dau: z.number().int(),
    wau: z.number().int(),
    mau: z.number().int(),
    total: z.number().int(),
    stickiness: z.number().nullable().openapi({ description: "DAU / MAU" }),
    history: z.array(
      z.object({
        day: Day,
        dau: z.number().int(),
        wau: z.number().int(),
        mau: z.number().int(),
        stickiness: z.number().nullable(),
      }),
    ),
  })
  .openapi("Activity");

const Loose = z.record(z.string(), z.unknown());
/** src/stores/segments/model-store.ts `AppModel`: the cut points and fit every UserObject scores with. */
export const SegmentModel = z
  .object({
    version: z.number().int().openapi({ description: "0: no model yet" }),
    computedAt: z.number().openapi({ description: "epoch ms; 0 without a model" }),
    purchasers: z.number().int(),
    cutPoints: Loose.nullable().openapi({ description: "RFM quintile cut points" }),
    bgnbd: Loose.nullable().openapi({ description: "BG/NBD parameters (r, alpha, a, b) and fit diagnostics" }),
    bgnbdRejected: Loose.nullable()
      .optional()
      .openapi({ description: "the latest nightly fit that was refused, if the last run refused one" }),
  })
  .openapi("SegmentModel");

const Cell = z.object({
  r: z.number().int(),
  f: z.number().int(),
  segment: z.string(),
  users: z.number().int(),
  revenue: z.number(),
  avgMonetary: z.number().nullable(),
  avgM: z.number().nullable(),
});
export const RfmGrid = z
  .object({
    asOf: z.string().optional(),
    model: z
      .object({ version: z.number().int(), computedAt: z.string(), cutPoints: Loose.nullable() })
      .nullable()
      .openapi({ description: "null until the first nightly run (or POST /admin/segments/recompute)" }),
    message: z.string().optional().openapi({ description: "why the grid is empty, when there is no model" }),
    purchasers: z.number().int(),
    cells: z.array(Cell).openapi({ description: "the 5×5 R×F grid, R from 5 down to 1" }),
    segments: z.record(
      z.string(),
      z.object({ users: z.number().int(), revenue: z.number(), avgMonetary: z.number().nullable() }),
    ),
    churnBands: z.record(
      z.string(),
      z.object({
        users: z.number().int(),
        avgPAlive: z.number().nullable(),
        avgExpectedPurchases30: z.number().nullable(),
      }),
    ),
    transitions: z.object({
      from: z.string(),
      to: z.string(),
      moves: z.array(z.object({ from: z.string().nullable(), to: z.string(), users: z.number().int() })),
    }),
  })
  .openapi("RfmGrid");

/** src/jobs/nightly-job.ts `RecomputeResult`: the new model and the day's snapshot. */
export const RecomputeResult = z
  .object({
    appId: z.string(),
    day: Day,
    model: SegmentModel,
    transitions: z.number().int().openapi({ description: "RFM segment moves recorded" }),
    snapshot: z.object({
      day: Day,
      total: z.number().int(),
      lifecycle: z.record(z.string(), z.number()),
      loyal: z.number().int(),
      dau: z.number().int(),
      wau: z.number().int(),
      mau: z.number().int(),
      rfm: z.record(z.string(), z.number()),
      churn: z.record(z.string(), z.number()),
    }),
  })
  .openapi("RecomputeResult");

/** src/stores/geofences/geofence-store.ts `BeaconView`: iBeacon regions carry uuid/major/minor, Eddystone ones namespace/instance. */
export const BeaconRegion = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(["ibeacon", "eddystone"]),
    uuid: z.string().optional().openapi({ description: "iBeacon proximity UUID (upper case)" }),
    major: z.number().int().nullable().optional().openapi({ description: "iBeacon major; null: any" }),
    minor: z.number().int().nullable().optional().openapi({ description: "iBeacon minor; null: any" }),
    namespace: z.string().optional().openapi({ description: "Eddystone namespace (20 hex digits)" }),
    instance: z.string().nullable().optional().openapi({ description: "Eddystone instance; null: any" }),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    dwellSeconds: z.number().nullable(),
    cooldownSeconds: z.number(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("BeaconRegion");
