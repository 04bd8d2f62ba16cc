import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";
import { deliveryRows, runSends, sendJob, statsOf, testEnv } from "./fakes/delivery-harness";
import { receiptsFor } from "../src/delivery/sandbox-receipts";

describe("delivery: simulated sandbox receipts (SANDBOX_RECEIPTS)", () => {
  it("reports delivered, opened and clicked through the provider-event path, marked simulated, once", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "rx", event: "Signed Up" });
    const everything = { ...testEnv, SANDBOX_RECEIPTS: "delivered=1,opened=1,clicked=1" } as typeof testEnv;
    const job = sendJob({ appId: app.appId, userId: "rx" });
    await runSends([job], everything);
    const [row] = await deliveryRows(job.idempotencyKey);
    expect(row).toMatchObject({ provider: "sandbox", status: "clicked" });
    expect(row!.delivered_at).not.toBeNull();
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, delivered: 1, opened: 1, clicked: 1 });
    const events = await testEnv.DB.prepare(
      `SELECT status, detail, applied_at FROM delivery_events WHERE provider = 'sandbox' AND provider_message_id = ? ORDER BY at, status`,
    )
      .bind(row!.provider_message_id)
      .all<{ status: string; detail: string; applied_at: number | null }>();
    expect(events.results.map((e) => e.status).sort()).toEqual(["clicked", "delivered", "opened"]);
    expect(
      events.results.every((e) => e.applied_at !== null && JSON.parse(e.detail).detail.includes("simulated")),
    ).toBe(true);
    const kpis = (await (await admin(app, "/admin/analytics/kpis")).json()) as {
      channels: Array<{ channel: string; delivered: number; simulated: boolean }>;
    };
    expect(kpis.channels.find((c) => c.channel === "email")).toMatchObject({ delivered: 1, simulated: true });
    // The job again: nothing counted twice.
    await runSends([job], everything, {}, 2);
    expect(await statsOf(job.idempotencyKey)).toEqual({ sent: 1, delivered: 1, opened: 1, clicked: 1 });
  });

  it("follows the configured rates (each fact only after the one before); unset, no receipts", async () => {
    const app = await createTestApp();
    await sdk(app, "/v1/track", { userId: "ry", event: "Signed Up" });
    const none = sendJob({ appId: app.appId, userId: "ry" });
    await runSends([none], testEnv);
    expect(await statsOf(none.idempotencyKey)).toEqual({ sent: 1 });

    const half = { ...testEnv, SANDBOX_RECEIPTS: "delivered=0.8,opened=0.5,clicked=0.5" } as typeof testEnv;
    const jobs = Array.from({ length: 20 }, () => sendJob({ appId: app.appId, userId: "ry" }));
    await runSends(jobs, half);
    let delivered = 0;
    for (const j of jobs) {
      const [row] = await deliveryRows(j.idempotencyKey);
      const expected = receiptsFor(String(row!.provider_message_id), { delivered: 0.8, opened: 0.5, clicked: 0.5 });
      const stats = await statsOf(j.idempotencyKey);
      expect(
        Object.keys(stats)
          .filter((k) => k !== "sent")
          .sort(),
      ).toEqual([...expected].sort());
      if (expected.includes("delivered")) delivered++;
    }
    expect(delivered).toBeGreaterThan(8);
  });
});
