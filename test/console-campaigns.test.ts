import { describe, expect, it } from "vitest";
import { clearKeyCache } from "../src/stores/config/app-directory";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { eventually } from "./helpers/wait";
import { as, keyWithRole } from "./helpers/roles";

/** Audience estimates, version definitions and approvals (issue 14). */

const message = (channels: string[]) => ({
  type: "message",
  id: "m",
  channels,
  content: {
    push: { title: "Hi", body: "Push" },
    email: { subject: "Hi", text: "Mail" },
    sms: { body: "SMS" },
    whatsapp: { body: "WA" },
  },
});
const BROADCAST = {
  name: "Weekly",
  trigger: { type: "broadcast", at: "2030-01-01T09:00:00Z" },
  broadcastAudience: {},
  steps: [message(["push", "email", "sms"])],
};

/** Four people: push-only, email opted in, email opted out, phone opted in to SMS; and one loyal-less event-only person. */
async function population(app: TestApp) {
  const people = [
    {
      userId: "push",
      consent: { push: "opted_in" },
      register: [{ provider: "fcm", platform: "android", token: "tok-push-1" }],
    },
    { userId: "mail", email: "mail@example.com", consent: { email: "opted_in" } },
    { userId: "unsub", email: "unsub@example.com", consent: { email: "opted_out" } },
    { userId: "phone", phone: "+14155550100", consent: { sms: "opted_in", whatsapp: "opted_out" } },
    { userId: "bare" },
  ];
  for (const p of people) expect((await sdk(app, "/v1/devices", p)).status, p.userId).toBeLessThan(300);
  await eventually(async () => {
    const res = await admin(app, "/admin/campaigns/estimate", { method: "POST", json: BROADCAST });
    const body = (await res.json()) as { total: number; channels: { sms: { min: number } } };
    expect(body.total).toBe(5);
    expect(body.channels.sms.min).toBe(1);
    return true;
  });
}

describe("audience estimate", () => {
  it("counts a broadcast's audience and who can receive each channel, exactly", async () => {
    const app = await createTestApp();
    await population(app);
    const res = await admin(app, "/admin/campaigns/estimate", { method: "POST", json: BROADCAST });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      total: 5,
      audience: { min: 5, max: 5, exact: true },
      channels: {
        push: { min: 1, max: 1 },
        email: { min: 1, max: 1 },
        sms: { min: 1, max: 1 },
        whatsapp: { min: 0, max: 0 },
      },
      campaignChannels: ["push", "email", "sms"],
      estimated: [],
      note: null,
    });
    // A saved campaign: the same numbers from its current version.
    const { id } = (await (
      await admin(app, "/admin/campaigns", {
        method: "POST",
        json: { ...BROADCAST, audience: { consent: { channel: "email", status: "opted_in" } } },
      })
    ).json()) as { id: string };
    const saved = (await (await admin(app, `/admin/campaigns/${id}/estimate`)).json()) as Record<string, unknown>;
    expect(saved).toMatchObject({
      audience: { min: 1, max: 1, exact: true },
      channels: { email: { min: 1, max: 1 }, push: { min: 0, max: 0 } },
    });
  });

  it("says when it is an estimate: conditions the index cannot evaluate widen the bounds", async () => {
    const app = await createTestApp();
    await population(app);
    const def = {
      name: "Cart",
      trigger: { type: "event", event: "Cart Abandoned" },
      audience: { all: [{ trait: { property: "plan", op: "eq", value: "pro" } }, { lifecycle: ["new"] }] },
      steps: [message(["email"])],
    };
    const body = (await (await admin(app, "/admin/campaigns/estimate", { method: "POST", json: def })).json()) as {
      audience: { min: number; max: number; exact: boolean };
      estimated: string[];
      note: string;
    };
    const isNew = (await (
      await admin(app, "/admin/campaigns/estimate", {
        method: "POST",
        json: { ...def, audience: { lifecycle: ["new"] } },
      })
    ).json()) as { audience: { min: number; max: number; exact: boolean } };
    expect(isNew.audience.exact).toBe(true);
    expect(body.audience).toEqual({ min: 0, max: isNew.audience.max, exact: false });
    expect(body.estimated).toEqual(["trait plan"]);
    expect(body.note).toMatch(/meet the trigger/);
    // `not` swaps the bounds: not(trait) is still unknown; not(lifecycle) stays exact and complements it.
    const not = (await (
      await admin(app, "/admin/campaigns/estimate", {
        method: "POST",
        json: { ...def, audience: { not: { lifecycle: ["new"] } } },
      })
    ).json()) as { audience: { min: number; max: number; exact: boolean }; estimated: unknown[] };
    expect(not).toMatchObject({
      audience: { min: 5 - isNew.audience.max, max: 5 - isNew.audience.max, exact: true },
      estimated: [],
    });
    const notTrait = (await (
      await admin(app, "/admin/campaigns/estimate", {
        method: "POST",
        json: { ...def, audience: { not: { trait: { property: "plan", op: "exists" } } } },
      })
    ).json()) as { audience: unknown };
    expect(notTrait.audience).toEqual({ min: 0, max: 5, exact: false });
  });

  it("refuses a bad definition naming the field, and an unknown campaign with 404", async () => {
    const app = await createTestApp();
    const res = await admin(app, "/admin/campaigns/estimate", {
      method: "POST",
      json: { ...BROADCAST, broadcastAudience: undefined },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { problems: { field: string }[] } }).error.problems[0]!.field).toBe(
      "broadcastAudience",
    );
    const bad = await admin(app, "/admin/campaigns/estimate", {
      method: "POST",
      json: { ...BROADCAST, audience: { lifecycle: ["sleepy"] } },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { problems: { field: string }[] } }).error.problems[0]!.field).toMatch(
      /^audience/,
    );
    expect((await admin(app, "/admin/campaigns/cmp_nope/estimate")).status).toBe(404);
  });
});

describe("campaign versions", () => {
  it("returns each saved version's definition, and 404 / 400 for a missing or bad version", async () => {
    const app = await createTestApp();
    const { id } = (await (await admin(app, "/admin/campaigns", { method: "POST", json: BROADCAST })).json()) as {
      id: string;
    };
    expect((await admin(app, `/admin/campaigns/${id}`, { method: "PATCH", json: { name: "Weekly v2" } })).status).toBe(
      200,
    );
    const v1 = (await (await admin(app, `/admin/campaigns/${id}/versions/1`)).json()) as {
      version: number;
      current: boolean;
      definition: { name: string };
    };
    const v2 = (await (await admin(app, `/admin/campaigns/${id}/versions/2`)).json()) as {
      version: number;
      current: boolean;
      definition: { name: string };
    };
    expect(v1).toMatchObject({ campaignId: id, version: 1, current: false, definition: { name: "Weekly" } });
    expect(v2).toMatchObject({ version: 2, current: true, definition: { name: "Weekly v2" } });
    const missing = await admin(app, `/admin/campaigns/${id}/versions/3`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("versions 1–2");
    const bad = await admin(app, `/admin/campaigns/${id}/versions/zero`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { problems: { field: string }[] } }).error.problems[0]!.field).toBe(
      "version",
    );
  });
});

describe("approvals", () => {
  it("holds a large activation for a different approver; the requester cannot approve their own request", async () => {
    const app = await createTestApp({ approvals: { audienceOver: 2 } });
    await population(app);
    const editor = await keyWithRole(app, "editor");
    const approver = await keyWithRole(app, "viewer", true);
    const { id } = (await (await as(editor, "/admin/campaigns", { method: "POST", json: BROADCAST })).json()) as {
      id: string;
    };

    const asked = await as(editor, `/admin/campaigns/${id}/activate`, { method: "POST" });
    expect(asked.status).toBe(202);
    const { approval } = (await asked.json()) as {
      status: string;
      approval: {
        id: string;
        status: string;
        audience: number;
        threshold: number;
        requestedBy: string;
        campaignVersion: number;
      };
    };
    expect(approval).toMatchObject({ status: "pending", audience: 5, threshold: 2, campaignVersion: 1 });
    expect(approval.requestedBy).toMatch(/^key:bk_a_/);
    expect(((await (await admin(app, `/admin/campaigns/${id}`)).json()) as { status: string }).status).toBe("draft");
    // Asking again while pending gives the same request.
    expect(
      (
        (await (await as(editor, `/admin/campaigns/${id}/activate`, { method: "POST" })).json()) as {
          approval: { id: string };
        }
      ).approval.id,
    ).toBe(approval.id);
    const pending = (await (await as(approver, "/admin/approvals")).json()) as { approvals: { id: string }[] };
    expect(pending.approvals.map((a) => a.id)).toEqual([approval.id]);

    // The editor has no approver right; an approver-owner who asked cannot approve their own.
    const noRight = await as(editor, `/admin/approvals/${approval.id}/approve`, { method: "POST" });
    expect(noRight.status).toBe(403);
    expect(((await noRight.json()) as { error: { message: string } }).error.message).toContain(
      "needs the approver right",
    );
    const { id: own } = (await (await admin(app, "/admin/campaigns", { method: "POST", json: BROADCAST })).json()) as {
      id: string;
    };
    const ownAsk = (await (await admin(app, `/admin/campaigns/${own}/activate`, { method: "POST" })).json()) as {
      approval: { id: string };
    };
    const self = await admin(app, `/admin/approvals/${ownAsk.approval.id}/approve`, { method: "POST" });
    expect(self.status).toBe(403);
    expect(await self.json()).toMatchObject({ error: { code: "forbidden", problems: [{ field: "approver" }] } });

    // A different approver approves: the campaign is active.
    const ok = await as(approver, `/admin/approvals/${approval.id}/approve`, {
      method: "POST",
      json: { note: "checked the copy" },
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      approval: { status: "approved", note: "checked the copy" },
      campaign: { id, status: "active" },
    });
    expect((await as(approver, `/admin/approvals/${approval.id}/approve`, { method: "POST" })).status).toBe(409);
    // Pausing and re-activating the approved version needs no new request.
    expect((await as(editor, `/admin/campaigns/${id}/pause`, { method: "POST" })).status).toBe(200);
    expect((await as(editor, `/admin/campaigns/${id}/activate`, { method: "POST" })).status).toBe(200);
  });

  it("activates at once under the threshold; a change after the request needs a new one; reject", async () => {
    const app = await createTestApp({ approvals: { audienceOver: 2 } });
    await population(app);
    const approver = await keyWithRole(app, "editor", true);
    const small = { ...BROADCAST, broadcastAudience: { lifecycle: ["churned"] } };
    const { id: smallId } = (await (await admin(app, "/admin/campaigns", { method: "POST", json: small })).json()) as {
      id: string;
    };
    expect((await admin(app, `/admin/campaigns/${smallId}/activate`, { method: "POST" })).status).toBe(200);

    const { id } = (await (await admin(app, "/admin/campaigns", { method: "POST", json: BROADCAST })).json()) as {
      id: string;
    };
    const first = (await (await admin(app, `/admin/campaigns/${id}/activate`, { method: "POST" })).json()) as {
      approval: { id: string };
    };
    expect(
      (await admin(app, `/admin/campaigns/${id}`, { method: "PATCH", json: { name: "Weekly, edited" } })).status,
    ).toBe(200);
    const stale = await as(approver, `/admin/approvals/${first.approval.id}/approve`, { method: "POST" });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: { message: string } }).error.message).toContain("changed");
    const second = (await (await admin(app, `/admin/campaigns/${id}/activate`, { method: "POST" })).json()) as {
      approval: { id: string; campaignVersion: number };
    };
    expect(second.approval.campaignVersion).toBe(2);
    const rejected = await as(approver, `/admin/approvals/${second.approval.id}/reject`, {
      method: "POST",
      json: { note: "too broad" },
    });
    expect(await rejected.json()).toMatchObject({
      approval: { status: "rejected", note: "too broad" },
      campaign: null,
    });
    expect(((await (await admin(app, `/admin/campaigns/${id}`)).json()) as { status: string }).status).toBe("draft");
    const all = (await (await admin(app, "/admin/approvals?status=all")).json()) as { approvals: { status: string }[] };
    expect(all.approvals.map((a) => a.status).sort()).toEqual(["rejected", "superseded"]);
  });

  it("validates the setting and the approval routes' input", async () => {
    const app = await createTestApp();
    const res = await admin(app, "/admin/app/settings", { method: "PATCH", json: { approvals: { audienceOver: -1 } } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { problems: { field: string }[] } }).error.problems[0]!.field).toBe(
      "settings.approvals.audienceOver",
    );
    expect((await admin(app, "/admin/approvals?status=maybe")).status).toBe(400);
    expect((await admin(app, "/admin/approvals/apr_nope/approve", { method: "POST" })).status).toBe(404);
    const note = await admin(app, "/admin/approvals/apr_nope/reject", { method: "POST", json: { note: 5 } });
    expect(note.status).toBe(400);
    expect(((await note.json()) as { error: { problems: { field: string }[] } }).error.problems[0]!.field).toBe("note");
    clearKeyCache();
  });
});
