import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DAY, HOUR, MINUTE } from "../src/kernel/clock";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { eventually } from "./helpers/wait";
import { indexFirst } from "./helpers/index-shards";

const T0 = Date.UTC(2026, 4, 4, 10, 0, 0);

async function createSegment(app: TestApp, body: unknown, clock = T0) {
  const res = await admin(app, "/admin/segments", { method: "POST", json: body, clock });
  expect(res.status).toBe(200);
  return (await res.json()) as { id: string; version: number; name: string };
}
async function members(app: TestApp, userId: string): Promise<string[]> {
  const res = await admin(app, `/admin/users/${userId}`);
  const body = (await res.json()) as { features: { segments: { members: Array<{ segmentId: string }> } } };
  return body.features.segments.members.map((m) => m.segmentId);
}
async function segmentEvents(app: TestApp, userId: string) {
  const res = await admin(app, `/admin/users/${userId}/timeline?limit=200`);
  const body = (await res.json()) as {
    entries: Array<{ kind: string; at: number; detail: { entered?: string; exited?: string } }>;
  };
  return body.entries
    .filter((e) => e.kind === "segment" && (e.detail.entered || e.detail.exited))
    .reverse()
    .map((e) => ({ at: e.at, ...(e.detail.entered ? { entered: e.detail.entered } : { exited: e.detail.exited }) }));
}
const track = (app: TestApp, userId: string, event: string, at: number, properties: Record<string, unknown> = {}) =>
  sdk(
    app,
    "/v1/track",
    { userId, event, properties, messageId: `${userId}-${event}-${at}`, timestamp: new Date(at).toISOString() },
    { clock: at },
  );
const tick = (app: TestApp, userId: string, at: number) =>
  admin(app, `/admin/users/${userId}/tick`, { method: "POST", clock: at });

const ABANDONERS = {
  name: "Cart abandoners",
  description: "added to cart in the last 24 h and did not order",
  filter: {
    type: "and",
    filters: [
      { type: "event", name: "Product Added", within: "24h" },
      { type: "event", name: "Order Completed", within: "24h", did: false },
    ],
  },
};

describe("saved segments: admin API", () => {
  it("creates, lists, reads, replaces and deletes segments; bad definitions are rejected with the field named", async () => {
    const app = await createTestApp();
    const created = await createSegment(app, ABANDONERS);
    expect(created).toMatchObject({ id: expect.stringMatching(/^seg_/), version: 1, name: "Cart abandoners" });

    const list = (await (await admin(app, "/admin/segments")).json()) as { segments: Array<{ id: string }> };
    expect(list.segments.map((s) => s.id)).toEqual([created.id]);
    const one = (await (await admin(app, `/admin/segments/${created.id}`)).json()) as { filter: { type: string } };
    expect(one.filter.type).toBe("and");

    const put = await admin(app, `/admin/segments/${created.id}`, {
      method: "PUT",
      json: { ...ABANDONERS, name: "Abandoners" },
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ version: 2, name: "Abandoners" });

    const bad = await admin(app, "/admin/segments", {
      method: "POST",
      json: {
        name: "bad",
        filter: {
          type: "or",
          filters: [
            { type: "event", name: "X", within: "soon" },
            { type: "churnBand", in: ["extreme"] },
          ],
        },
      },
    });
    expect(bad.status).toBe(400);
    const error = (
      (await bad.json()) as { error: { code: string; problems: Array<{ field: string; message: string }> } }
    ).error;
    expect(error.code).toBe("invalid_input");
    expect(error.problems.map((p) => p.field)).toEqual(["filter.filters.0.within", "filter.filters.1.in.0"]);
    const missing = await admin(app, "/admin/segments", { method: "POST", json: { filter: { type: "loyal" } } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { problems: Array<{ field: string }> } }).error.problems[0]!.field).toBe(
      "name",
    );

    expect((await admin(app, `/admin/segments/${created.id}`, { method: "DELETE" })).status).toBe(200);
    expect((await admin(app, `/admin/segments/${created.id}`)).status).toBe(404);
    expect((await admin(app, `/admin/segments/${created.id}/count`)).status).toBe(404);
  });

  it("is in the OpenAPI document", async () => {
    const app = await createTestApp();
    const res = await admin(app, "/admin/openapi.json");
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBe(200);
    const doc = JSON.parse(text) as { paths: Record<string, unknown> };
    for (const path of [
      "/admin/segments",
      "/admin/segments/{segmentId}",
      "/admin/segments/{segmentId}/count",
      "/admin/segments/rfm",
      "/admin/segments/recompute",
      "/admin/segments/lifecycle/history",
      "/admin/segments/activity",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});

describe("saved segments: live membership in the UserObject", () => {
  it("enters at the event, leaves on the purchase, or exactly when the 24 h window slides", async () => {
    const app = await createTestApp();
    const seg = await createSegment(app, ABANDONERS);

    await track(app, "buyer", "Product Added", T0, { sku: "A" });
    expect(await members(app, "buyer")).toEqual([seg.id]);
    await track(app, "buyer", "Order Completed", T0 + 2 * HOUR, { revenue: 20 });
    expect(await members(app, "buyer")).toEqual([]);
    expect(await segmentEvents(app, "buyer")).toEqual([
      { at: T0, entered: seg.id },
      { at: T0 + 2 * HOUR, exited: seg.id },
    ]);

    await track(app, "browser", "Product Added", T0);
    expect(await members(app, "browser")).toEqual([seg.id]);
    // The window timer is set to the instant the add-to-cart leaves the 24 h window.
    await tick(app, "browser", T0 + DAY);
    expect(await members(app, "browser")).toEqual([seg.id]);
    await tick(app, "browser", T0 + DAY + 1);
    expect(await members(app, "browser")).toEqual([]);
    expect((await segmentEvents(app, "browser")).at(-1)).toEqual({ at: T0 + DAY + 1, exited: seg.id });

    // Membership reaches the users index.
    await track(app, "browser", "Product Added", T0 + 2 * DAY);
    await eventually(
      async () => {
        const row = await indexFirst<{ attrs: string }>(
          `SELECT attrs FROM users WHERE app_id = ? AND user_id = 'browser'`,
          app.appId,
        );
        return row && (JSON.parse(row.attrs) as { segments?: string[] }).segments?.includes(seg.id);
      },
      8000,
      "membership in the index",
    );
  });

  it("counts sessions in a window, and reacts to state: lifecycle, traits, consent, platform", async () => {
    const app = await createTestApp();
    const engaged = await createSegment(app, {
      name: "Engaged",
      filter: { type: "sessions", within: "7d", atLeast: 3 },
    });
    const proOnIos = await createSegment(app, {
      name: "Pro on iOS with push",
      filter: {
        type: "and",
        filters: [
          { type: "trait", property: "plan", op: "eq", value: "pro" },
          { type: "platform", in: ["ios"] },
          { type: "consent", channel: "push", status: "opted_in" },
        ],
      },
    });
    const fresh = await createSegment(app, { name: "New users", filter: { type: "lifecycle", in: ["new"] } });

    await track(app, "eve", "Application Opened", T0);
    expect(await members(app, "eve")).toEqual([fresh.id].sort());
    await track(app, "eve", "Application Opened", T0 + DAY);
    await track(app, "eve", "Application Opened", T0 + 2 * DAY);
    expect((await members(app, "eve")).sort()).toEqual([engaged.id, fresh.id].sort());

    await sdk(
      app,
      "/v1/devices",
      {
        userId: "eve",
        register: [{ provider: "apns", platform: "ios", token: "apns-token-0001" }],
        consent: { push: "opted_in" },
      },
      { clock: T0 + 2 * DAY + MINUTE },
    );
    await sdk(
      app,
      "/v1/identify",
      { userId: "eve", traits: { plan: "pro" }, messageId: "eve-identify" },
      { clock: T0 + 2 * DAY + 2 * MINUTE },
    );
    expect((await members(app, "eve")).sort()).toEqual([engaged.id, proOnIos.id, fresh.id].sort());

    // A week later: the first session left the window (timer), and the user is no longer new.
    await tick(app, "eve", T0 + 8 * DAY);
    expect(await members(app, "eve")).toEqual([proOnIos.id]);
  });

  it("picks up an edited segment on the next event", async () => {
    const app = await createTestApp();
    const seg = await createSegment(app, {
      name: "Big spenders",
      filter: { type: "counter", counter: "revenue", op: "gte", value: 100 },
    });
    await track(app, "fay", "Order Completed", T0, { revenue: 60 });
    expect(await members(app, "fay")).toEqual([]);
    await admin(app, `/admin/segments/${seg.id}`, {
      method: "PUT",
      json: { name: "Spenders", filter: { type: "counter", counter: "revenue", op: "gte", value: 50 } },
    });
    await track(app, "fay", "Application Opened", T0 + HOUR);
    expect(await members(app, "fay")).toEqual([seg.id]);
  });
});

describe("segment counts over the users index", () => {
  it("counts exactly what the index knows and bounds what it does not", async () => {
    const app = await createTestApp({ lifecycle: { loyalPurchases: 2 } });
    const loyal = await createSegment(app, { name: "Loyal", filter: { type: "loyal" } });
    const proLoyal = await createSegment(app, {
      name: "Pro or loyal",
      filter: { type: "or", filters: [{ type: "loyal" }, { type: "trait", property: "plan", op: "eq", value: "pro" }] },
    });
    for (const [i, id] of ["g1", "g2", "g3", "g4"].entries()) {
      const purchases = i < 2 ? 2 : 0;
      for (let k = 0; k < purchases; k++) await track(app, id, "Order Completed", T0 + k * HOUR, { revenue: 10 });
      await track(app, id, "Application Opened", T0 + 3 * HOUR);
    }
    await sdk(
      app,
      "/v1/identify",
      { userId: "g3", traits: { plan: "pro" }, messageId: "g3-pro" },
      { clock: T0 + 4 * HOUR },
    );
    await admin(app, "/admin/tick", { method: "POST", clock: T0 + 5 * HOUR });

    const count = async (id: string) =>
      (await (await admin(app, `/admin/segments/${id}/count`, { clock: T0 + 6 * HOUR })).json()) as {
        count: number;
        exact: boolean;
        bounds: { min: number; max: number };
        live: number;
        total: number;
        estimated: string[];
      };
    const exact = await eventually(
      async () => {
        const c = await count(loyal.id);
        return c.total === 4 && c.count === 2 ? c : null;
      },
      8000,
      "loyal count",
    );
    expect(exact).toMatchObject({ exact: true, bounds: { min: 2, max: 2 }, estimated: [] });

    const estimated = await eventually(
      async () => {
        const c = await count(proLoyal.id);
        return c.live === 3 ? c : null;
      },
      8000,
      "live membership indexed",
    );
    expect(estimated).toMatchObject({
      count: 3,
      exact: false,
      bounds: { min: 2, max: 4 },
      total: 4,
      estimated: ["trait plan"],
    });
  });
});
