import { describe, expect, it } from "vitest";
import { admin, createTestApp, sdk } from "./helpers/api";
import { launchCampaign } from "./helpers/campaigns";
import { eventually } from "./helpers/wait";

/** The admin routes the console's Overview and People screens read (issue 14). */
describe("console admin API", () => {
  it("counts messages per UTC day over all campaigns, with empty days as zeros", async () => {
    const app = await createTestApp({ quietHours: null });
    await launchCampaign(app, {
      name: "Welcome",
      trigger: { type: "event", event: "Signed Up" },
      steps: [{ type: "message", id: "m", channels: ["in_app"], content: { in_app: { type: "modal", title: "Hi" } } }],
    });
    for (const userId of ["a", "b"])
      expect((await sdk(app, "/v1/track", { userId, event: "Signed Up" })).status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const body = await eventually(async () => {
      const res = await admin(app, "/admin/stats/daily?days=7");
      expect(res.status).toBe(200);
      const b = (await res.json()) as {
        from: string;
        to: string;
        days: { day: string; entered: number; sent: number }[];
      };
      expect(b.days.at(-1)).toMatchObject({ day: today, entered: 2 });
      return b;
    });
    expect(body.days).toHaveLength(7);
    expect(body.to).toBe(today);
    expect(body.days.slice(0, -1).every((d) => d.entered === 0 && d.sent === 0)).toBe(true);
  });

  it("refuses a days value out of range, naming the field", async () => {
    const app = await createTestApp();
    const res = await admin(app, "/admin/stats/daily?days=0");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { problems: [{ field: "days" }] } });
  });

  it("counts consent per channel from the users index", async () => {
    const app = await createTestApp();
    expect(
      (
        await sdk(app, "/v1/devices", {
          userId: "p1",
          email: "p1@example.com",
          consent: { email: "opted_in", sms: "opted_out" },
        })
      ).status,
    ).toBeLessThan(300);
    expect((await sdk(app, "/v1/track", { userId: "p2", event: "Opened" })).status).toBe(200);
    await eventually(async () => {
      const res = await admin(app, "/admin/stats/consent");
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        total: 2,
        channels: { email: { opted_in: 1, opted_out: 0, unknown: 1 }, sms: { opted_in: 0, opted_out: 1, unknown: 1 } },
        pushReachable: 0,
      });
      return true;
    });
  });

  it("finds people by user id prefix, most recently seen without a query, and never another app's", async () => {
    const app = await createTestApp();
    const other = await createTestApp();
    for (const userId of ["ada", "adam", "bob"])
      expect((await sdk(app, "/v1/track", { userId, event: "Opened" })).status).toBe(200);
    expect((await sdk(other, "/v1/track", { userId: "adele", event: "Opened" })).status).toBe(200);
    await eventually(async () => {
      const res = await admin(app, "/admin/users?q=ad");
      expect(res.status).toBe(200);
      const { people } = (await res.json()) as { people: { userId: string; matchedBy: string; lifecycle: string }[] };
      expect(people.map((p) => p.userId)).toEqual(["ada", "adam"]);
      expect(people[0]).toMatchObject({ matchedBy: "userId", lifecycle: "new" });
      return true;
    });
    const recent = (await (await admin(app, "/admin/users?limit=2")).json()) as {
      people: { userId: string; matchedBy: string }[];
    };
    expect(recent.people).toHaveLength(2);
    expect(recent.people.every((p) => p.matchedBy === "recent")).toBe(true);
    const none = (await (await admin(app, "/admin/users?q=zz")).json()) as { people: unknown[] };
    expect(none.people).toEqual([]);
    const tooMany = await admin(app, "/admin/users?limit=1000");
    expect(tooMany.status).toBe(400);
  });
});

describe("segment builder preview", () => {
  it("counts and samples an unsaved filter, exact over the index, and names a bad field", async () => {
    const app = await createTestApp();
    for (const [userId, revenue] of [
      ["buyer-1", 10],
      ["buyer-2", 20],
    ] as const)
      expect((await sdk(app, "/v1/track", { userId, event: "Order Completed", properties: { revenue } })).status).toBe(
        200,
      );
    expect((await sdk(app, "/v1/track", { userId: "browser", event: "Opened" })).status).toBe(200);
    const body = await eventually(async () => {
      const res = await admin(app, "/admin/segments/preview", {
        method: "POST",
        json: { filter: { type: "counter", counter: "purchases", op: "gte", value: 1 } },
      });
      expect(res.status).toBe(200);
      const b = (await res.json()) as { total: number; count: number; exact: boolean; sample: { userId: string }[] };
      expect(b.total).toBe(3);
      expect(b.count).toBe(2);
      return b;
    });
    expect(body.exact).toBe(true);
    expect(body.sample.map((p) => p.userId).sort()).toEqual(["buyer-1", "buyer-2"]);
    const behaviour = (await (
      await admin(app, "/admin/segments/preview", {
        method: "POST",
        json: { filter: { type: "event", name: "Opened", within: "7d" } },
      })
    ).json()) as { exact: boolean; estimated: string[]; bounds: { max: number } };
    expect(behaviour.exact).toBe(false);
    expect(behaviour.estimated.length).toBeGreaterThan(0);
    const bad = await admin(app, "/admin/segments/preview", {
      method: "POST",
      json: { filter: { type: "lifecycle", in: ["asleep"] } },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { problems: { field: string }[] } }).error.problems[0]!.field).toMatch(
      /^filter/,
    );
  });
});
