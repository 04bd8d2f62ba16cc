import { describe, expect, it } from "vitest";
import { reachableUser, T0 } from "./helpers/people";
import { DAY, HOUR } from "../src/kernel/clock";
import { createTestApp, sdk } from "./helpers/api";
import { decisions, launchCampaign, sent, tick } from "./helpers/campaigns";

const msg = (id: string) => [
  { type: "message", id, channels: ["in_app"], content: { in_app: { type: "modal", title: id, body: id } } },
];

describe("reserved internal event names cannot be spoofed through the SDK", () => {
  it("a write key tracking Beckon's internal event names enters no campaign, and the timeline says why", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Win-back",
      trigger: { type: "lifecycle", from: "active", to: "dormant" },
      steps: msg("winback"),
    });
    await launchCampaign(app, {
      name: "Churn survey",
      trigger: { type: "event", event: "Churn Risk Changed", filters: [{ property: "to", op: "eq", value: "high" }] },
      steps: msg("churn"),
    });
    await launchCampaign(app, {
      name: "RFM",
      trigger: { type: "event", event: "RFM Segment Changed" },
      steps: msg("rfm"),
    });
    await launchCampaign(app, {
      name: "Loyal",
      trigger: { type: "event", event: "Became Loyal" },
      steps: msg("loyal"),
    });
    await launchCampaign(app, {
      name: "Segment",
      trigger: { type: "segment", segmentId: "seg_vip", on: "enter" },
      steps: msg("segment"),
    });
    await launchCampaign(app, {
      name: "Segment exit",
      trigger: { type: "segment", segmentId: "seg_vip", on: "exit" },
      steps: msg("segexit"),
    });
    await launchCampaign(app, { name: "Store", trigger: { type: "geofence", on: "enter" }, steps: msg("fence") });
    await launchCampaign(app, {
      name: "Store exit",
      trigger: { type: "geofence", on: "exit" },
      steps: msg("fenceexit"),
    });
    await launchCampaign(app, {
      name: "Store dwell",
      trigger: { type: "geofence", on: "dwell" },
      steps: msg("fencedwell"),
    });
    await launchCampaign(app, { name: "Beacon", trigger: { type: "beacon", on: "enter" }, steps: msg("beacon") });
    await launchCampaign(app, {
      name: "Beacon dwell",
      trigger: { type: "beacon", on: "dwell" },
      steps: msg("beacondwell"),
    });
    await launchCampaign(app, {
      name: "Inaction on reserved",
      trigger: {
        type: "inaction",
        start: { event: "Segment Entered" },
        cancel: { event: "Order Completed" },
        within: { minutes: 5 },
      },
      steps: msg("inaction"),
    });

    const spoofs: Array<[string, Record<string, unknown>]> = [
      ["Lifecycle Changed", { from: "active", to: "dormant", reason: "spoofed" }],
      ["Churn Risk Changed", { from: "low", to: "high" }],
      ["RFM Segment Changed", { from: null, to: "champions" }],
      ["Became Loyal", { purchases: 99 }],
      ["Segment Entered", { segmentId: "seg_vip", version: 1 }],
      ["Segment Exited", { segmentId: "seg_vip", version: 1 }],
      ["Geofence Entered", { fenceId: "f1", tags: ["store"] }],
      ["Geofence Exited", { fenceId: "f1", tags: ["store"] }],
      ["Geofence Dwelled", { fenceId: "f1", tags: ["store"] }],
      ["Beacon Region Entered", { regionId: "bcn_1" }],
      ["Beacon Region Dwelled", { regionId: "bcn_1" }],
    ];
    await reachableUser(app, "mallory");
    for (const [i, [event, properties]] of spoofs.entries()) {
      // The SDK call itself is accepted (Segment clients may send anything)…
      const res = await sdk(
        app,
        "/v1/track",
        { userId: "mallory", event, properties, messageId: `spoof-${i}` },
        { clock: T0 + i * 1000 },
      );
      expect(res.status, event).toBe(200);
      expect(await res.json(), event).toMatchObject({ applied: 1 });
    }
    // …and a batch too.
    const batch = await sdk(
      app,
      "/v1/batch",
      {
        batch: spoofs.map(([event, properties], i) => ({
          type: "track",
          userId: "mallory",
          event,
          properties,
          messageId: `batch-${i}`,
        })),
      },
      { clock: T0 + HOUR },
    );
    expect(batch.status).toBe(200);
    await tick(app, "mallory", T0 + 2 * HOUR);

    // …but no reserved-name trigger fires, and no abandonment timer starts.
    const d = await decisions(app, "mallory");
    expect(await sent(app, "mallory")).toEqual([]);
    expect(d.filter((x) => x.detail.entered)).toEqual([]);
    expect(d.some((x) => (x.detail as { abandonmentTimer?: number }).abandonmentTimer !== undefined)).toBe(false);
    // A spoofed reserved event does not count for `did` conditions either (internal events are not in the event log).
    await launchCampaign(app, {
      name: "Loyal only",
      trigger: { type: "event", event: "Ping" },
      audience: { did: { event: "Became Loyal" } },
      steps: msg("ping"),
    });
    await sdk(app, "/v1/track", { userId: "mallory", event: "Ping", messageId: "ping-1" }, { clock: T0 + 3 * HOUR });
    expect(await sent(app, "mallory")).toEqual([]);
    expect((await decisions(app, "mallory")).at(-1)?.detail.reason).toBe("not in the campaign's audience");

    const notes = d.filter((x) => x.detail.notEntered && /reserved/.test(x.detail.reason ?? ""));
    expect(notes.length).toBeGreaterThanOrEqual(spoofs.length);
    expect(notes[0]!.detail.reason).toMatch(/"Lifecycle Changed" is a reserved internal event name/);
  });

  it("the real internal events still trigger (active → dormant by the lifecycle timer)", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Win-back",
      trigger: { type: "lifecycle", from: "active", to: "dormant" },
      steps: msg("winback"),
    });
    await launchCampaign(app, {
      name: "Dormant via event trigger",
      trigger: { type: "event", event: "Lifecycle Changed", filters: [{ property: "to", op: "eq", value: "dormant" }] },
      steps: [
        {
          type: "message",
          id: "evt",
          channels: ["content_card"],
          content: { content_card: { title: "t", body: "b" } },
        },
      ],
    });
    await sdk(app, "/v1/track", { userId: "sleepy", event: "Application Opened" }, { clock: T0 });
    await tick(app, "sleepy", T0 + 7 * DAY); // new → active
    await tick(app, "sleepy", T0 + 14 * DAY);
    expect((await sent(app, "sleepy")).sort()).toEqual(["evt:content_card", "winback:in_app"]);
  });

  it("a journey waiting for a reserved event is not resumed by an SDK call with that name; it takes its timeout branch", async () => {
    const app = await createTestApp();
    await launchCampaign(app, {
      name: "Wait for VIP",
      trigger: { type: "event", event: "Ping" },
      steps: [
        {
          type: "wait_for_event",
          id: "wait",
          event: "Segment Entered",
          timeout: { days: 1 },
          onEvent: "vip",
          onTimeout: "nope",
        },
        {
          type: "message",
          id: "vip",
          channels: ["in_app"],
          content: { in_app: { type: "modal", title: "vip", body: "vip" } },
          next: "end",
        },
        {
          type: "message",
          id: "nope",
          channels: ["in_app"],
          content: { in_app: { type: "modal", title: "nope", body: "nope" } },
        },
        { type: "exit", id: "end" },
      ],
    });
    await sdk(app, "/v1/track", { userId: "eve", event: "Ping" }, { clock: T0 });
    await sdk(
      app,
      "/v1/track",
      { userId: "eve", event: "Segment Entered", properties: { segmentId: "seg_vip" } },
      { clock: T0 + HOUR },
    );
    expect(await sent(app, "eve")).toEqual([]);
    await tick(app, "eve", T0 + DAY + 1);
    expect(await sent(app, "eve")).toEqual(["nope:in_app"]);
  });
});
