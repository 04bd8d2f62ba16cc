import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MINUTE } from "../src/kernel/clock";
import { applyIndexUpdates } from "../src/jobs/index-consumer";
import { suppressed } from "../src/domain/campaigns/suppression";
import { admin, createTestApp, sdk } from "./helpers/api";
import { decisions, launchCampaign } from "./helpers/campaigns";
import { reachableUser } from "./helpers/people";
import { eventually } from "./helpers/wait";

const T0 = Date.UTC(2026, 2, 3, 10, 0, 0);

interface Suppressions {
  campaignId: string;
  from: string;
  to: string;
  total: number;
  reasons: Array<{ reason: string; label: string; n: number; byVariant: Record<string, number> }>;
  days: Array<{ day: string; reason: string; n: number }>;
}

const byReason = (s: Suppressions) => Object.fromEntries(s.reasons.map((r) => [r.reason, r.n]));

describe("suppressions by reason", () => {
  it("counts why the campaign did not send: the control group, a frequency cap, no consent, not in the audience", async () => {
    const app = await createTestApp({ quietHours: null, frequencyCaps: [{ windowHours: 24, max: 1 }] });
    const id = await launchCampaign(app, {
      name: "Browse reminder",
      trigger: { type: "event", event: "Browsed" },
      audience: { not: { trait: { property: "plan", op: "eq", value: "staff" } } },
      controlPercent: 50,
      steps: [
        {
          type: "message",
          id: "nudge",
          channels: ["email"],
          content: { email: { subject: "Still looking?", text: "Hi" } },
        },
      ],
    });
    // Ten reachable people browse twice: the treated ones get the first email and are capped on the second.
    const people = Array.from({ length: 10 }, (_, i) => `s-${i}`);
    for (const u of people) {
      await reachableUser(app, u, T0);
      for (const k of [0, 1])
        await sdk(
          app,
          "/v1/track",
          { userId: u, event: "Browsed", messageId: `${u}-b${k}` },
          { clock: T0 + k * MINUTE },
        );
    }
    // One opted out of email, one is staff (outside the audience).
    await sdk(
      app,
      "/v1/devices",
      { userId: "optout", email: "optout@example.com", consent: { email: "opted_out" } },
      { clock: T0 },
    );
    await sdk(app, "/v1/track", { userId: "optout", event: "Browsed", messageId: "o-b0" }, { clock: T0 });
    await sdk(app, "/v1/identify", { userId: "staff", traits: { plan: "staff" }, messageId: "st-i" }, { clock: T0 });
    await sdk(app, "/v1/track", { userId: "staff", event: "Browsed", messageId: "st-b0" }, { clock: T0 });

    // What each person's timeline says, counted the same way.
    const expected: Record<string, number> = {};
    const add = (reason: string) => {
      expected[reason] = (expected[reason] ?? 0) + 1;
    };
    let controlPeople = 0;
    let cappedPeople = 0;
    for (const u of [...people, "optout", "staff"]) {
      const ds = await decisions(app, u);
      let inControl = false;
      for (const d of ds.filter((x) => x.detail.campaignId === id)) {
        if (d.detail.reason === "control group: no messages") {
          add("control_group");
          inControl = true;
        }
        if (d.detail.suppressed && d.detail.reason?.startsWith("frequency cap")) add("frequency_cap");
        if (d.detail.suppressed && d.detail.reason?.startsWith("no reachable channel")) add("no_consent");
        if (d.detail.notEntered && d.detail.reason === "not in the campaign's audience") add("not_in_audience");
      }
      if (!people.includes(u)) continue;
      if (inControl) controlPeople++;
      else if (ds.some((d) => d.detail.reason?.startsWith("frequency cap"))) cappedPeople++;
    }
    // The opted-out person either landed in the control group or was refused for want of consent.
    const optoutInControl = (await decisions(app, "optout")).some(
      (d) => d.detail.reason === "control group: no messages",
    );
    // The hash split put someone on each side (else the test proves nothing).
    expect(controlPeople).toBeGreaterThan(0);
    expect(cappedPeople).toBeGreaterThan(0);
    expect(controlPeople + cappedPeople).toBe(people.length);
    expect(expected).toEqual({
      control_group: 2 * controlPeople + (optoutInControl ? 1 : 0),
      frequency_cap: cappedPeople,
      ...(optoutInControl ? {} : { no_consent: 1 }),
      not_in_audience: 1,
    });

    const report = await eventually(
      async () => {
        const res = await admin(app, `/admin/campaigns/${id}/suppressions?from=2026-03-02&to=2026-03-04`);
        const s = (await res.json()) as Suppressions;
        return s.total === Object.values(expected).reduce((a, b) => a + b, 0) ? s : null;
      },
      10_000,
      "suppression counts to land in D1",
    );
    expect(byReason(report)).toEqual(expected);
    expect(report.reasons[0]!.n).toBeGreaterThanOrEqual(report.reasons.at(-1)!.n);
    expect(report.reasons.find((r) => r.reason === "frequency_cap")).toMatchObject({
      label: "frequency cap",
      byVariant: { A: cappedPeople },
    });
    expect(report.reasons.find((r) => r.reason === "control_group")?.byVariant).toEqual({
      control: expected.control_group,
    });
    expect(report.days.every((d) => d.day === "2026-03-03")).toBe(true);

    // Outside the range: nothing. A bad day names the field.
    const before = (await (
      await admin(app, `/admin/campaigns/${id}/suppressions?from=2026-03-01&to=2026-03-02`)
    ).json()) as Suppressions;
    expect(before).toMatchObject({ total: 0, reasons: [], days: [] });
    const bad = await admin(app, `/admin/campaigns/${id}/suppressions?to=tomorrow`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("to");
    expect((await admin(app, "/admin/campaigns/cmp_nope/suppressions")).status).toBe(404);
  });

  it("a redelivered INDEX message counts its suppressions once", async () => {
    const app = await createTestApp();
    const ctx = { now: T0, config: { appId: app.appId }, profile: { userId: "ada" } };
    const at = { campaignId: "cmp_redelivered", variant: "A", key: "cmp_redelivered:m1:s1" };
    const message = {
      op: "stats" as const,
      stats: [
        suppressed(ctx, at, "frequency_cap"),
        suppressed(ctx, { ...at, key: "cmp_redelivered:m2:s1" }, "frequency_cap"),
      ],
    };
    await applyIndexUpdates(env, [message]);
    await applyIndexUpdates(env, [message, message]);
    const rows = await env.DB.prepare(
      `SELECT value, dim, n FROM analytics_counts WHERE app_id = ? AND kind = 'suppression' AND subject = ?`,
    )
      .bind(app.appId, at.campaignId)
      .all<{ value: string; dim: string; n: number }>();
    expect(rows.results).toEqual([{ value: "frequency_cap", dim: "A", n: 2 }]);
  });
});
