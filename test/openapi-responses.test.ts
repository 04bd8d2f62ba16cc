import { describe, expect, it } from "vitest";
import type { z } from "@hono/zod-openapi";
import committed from "../openapi/beckon.openapi.json";
import {
  Activity,
  BeaconRegion,
  CampaignStats,
  LifecycleHistory,
  RecomputeResult,
  RfmGrid,
  SegmentModel,
  UserExport,
} from "../src/http/openapi/admin-views";
import { UserProfileView } from "../src/http/openapi/views";
import { admin, createTestApp, sdk } from "./helpers/api";

/**
 * What the document says responses look like is what the Worker answers: real responses parsed
 * with the schemas the document is made from, and the fields the document marks required (output
 * semantics: defaults filled in) present in stored campaigns and settings.
 */
const strictParse = <T extends z.ZodType>(schema: T, value: unknown, what: string) => {
  const parsed = schema.safeParse(value);
  expect(parsed.success, `${what}: ${parsed.success ? "" : JSON.stringify(parsed.error.issues.slice(0, 3))}`).toBe(
    true,
  );
};
const schemas = (committed as unknown as { components: { schemas: Record<string, { required?: string[] }> } })
  .components.schemas;

describe("responses match the document", () => {
  it("profile, export, campaign, stats, lifecycle history, activity and app settings", async () => {
    const app = await createTestApp();
    expect(
      (
        await sdk(app, "/v1/identify", {
          userId: "doc-user",
          traits: { first_name: "Ada" },
          context: { timezone: "Europe/Paris" },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await sdk(app, "/v1/devices", {
          userId: "doc-user",
          register: [{ provider: "fcm", platform: "android", token: "fcm-doc-token-1" }],
          consent: { push: "opted_in" },
        })
      ).status,
    ).toBe(200);
    expect(
      (await sdk(app, "/v1/track", { userId: "doc-user", event: "Order Completed", properties: { revenue: 12 } }))
        .status,
    ).toBe(200);

    const get = async (path: string, init?: Parameters<typeof admin>[2]) => {
      const res = await admin(app, path, init);
      const text = await res.text();
      expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
      return JSON.parse(text) as Record<string, unknown>;
    };
    strictParse(UserProfileView, await get("/admin/users/doc-user"), "profile");
    strictParse(UserExport, await get("/admin/users/doc-user/export"), "export");
    strictParse(LifecycleHistory, await get("/admin/segments/lifecycle/history"), "lifecycle history");
    strictParse(Activity, await get("/admin/segments/activity"), "activity");
    strictParse(SegmentModel, await get("/admin/segments/model"), "model before any run");
    strictParse(RfmGrid, await get("/admin/segments/rfm"), "RFM grid before any run");
    strictParse(RecomputeResult, await get("/admin/segments/recompute", { method: "POST" }), "recompute");
    strictParse(SegmentModel, await get("/admin/segments/model"), "model");
    strictParse(RfmGrid, await get("/admin/segments/rfm"), "RFM grid");

    const created = await get("/admin/campaigns", {
      method: "POST",
      json: {
        name: "doc",
        trigger: { type: "event", event: "Signed Up" },
        steps: [{ type: "message", id: "m", channels: ["push"], content: { push: { body: "hi" } } }],
      },
    });
    const definition = created.definition as Record<string, unknown>;
    for (const field of schemas.CampaignDefinition!.required!)
      expect(definition, `definition.${field}`).toHaveProperty(field);
    strictParse(CampaignStats, await get(`/admin/campaigns/${created.id as string}/stats`), "stats");

    const ibeacon = await get("/admin/beacons", {
      method: "POST",
      json: { type: "ibeacon", name: "door", uuid: "F7826DA6-4FA2-4E98-8024-BC5B71E0893E", major: 1 },
    });
    strictParse(BeaconRegion, ibeacon, "iBeacon region");
    strictParse(BeaconRegion, await get(`/admin/beacons/${ibeacon.id as string}`), "iBeacon region read back");
    strictParse(
      BeaconRegion,
      await get("/admin/beacons", {
        method: "POST",
        json: { type: "eddystone", name: "shelf", namespace: "edd1ebeac04e5defa017" },
      }),
      "Eddystone region",
    );

    const settings = (await get("/admin/app")).settings as Record<string, unknown>;
    for (const field of schemas.AppSettings!.required!) expect(settings, `settings.${field}`).toHaveProperty(field);
  });
});
