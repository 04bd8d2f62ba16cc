import { describe, expect, it } from "vitest";
import { entryReason, suppressed, suppressionReport, unreachableReason } from "../../src/domain/campaigns/suppression";
import { suppressionCounts } from "../../src/domain/analytics/suppression-counts";

const ctx = { now: Date.UTC(2026, 2, 3, 10), config: { appId: "app_1" }, profile: { userId: "ada" } };

describe("suppression facts", () => {
  it("names the reason a journey gave for not entering someone", () => {
    expect(entryReason("not in the campaign's audience")).toBe("not_in_audience");
    expect(entryReason("re-entry: once per person")).toBe("already_entered");
    expect(entryReason("re-entry: cooldown of 24 h")).toBe("reentry_cooldown");
    expect(entryReason("campaign has ended")).toBe("outside_schedule");
    expect(entryReason("something new")).toBe("not_entered");
  });

  it("tells no consent from no reachable channel", () => {
    expect(unreachableReason(["email: opted out", "sms: not opted in"])).toBe("no_consent");
    expect(unreachableReason(["email: opted out", "push: no live device"])).toBe("no_reachable_channel");
    expect(unreachableReason([])).toBe("no_reachable_channel");
  });

  it("turns facts into bounded counter rows and sums them into a report, highest reason first", () => {
    const at = { campaignId: "cmp_1", variant: "A", key: "cmp_1:m1:s1" };
    const facts = [
      suppressed(ctx, at, "frequency_cap"),
      suppressed(ctx, { ...at, key: "cmp_1:m2:s1" }, "frequency_cap"),
      suppressed(ctx, { ...at, variant: "control", key: "cmp_1:m3" }, "control_group"),
      { ...suppressed(ctx, at, "quiet_hours_deferred"), kind: "sent" as const },
    ];
    expect(facts[0]).toMatchObject({
      kind: "suppression",
      reason: "frequency_cap",
      dedupeKey: "cmp_1:m1:s1:why:frequency_cap",
    });
    const [message] = suppressionCounts(facts, "k");
    expect(message).toMatchObject({ op: "analytics", appId: "app_1", key: "sup:app_1:k" });
    expect(message!.counts).toHaveLength(3);
    const report = suppressionReport(message!.counts);
    expect(report.total).toBe(3);
    expect(report.reasons).toEqual([
      { reason: "frequency_cap", label: "frequency cap", n: 2, byVariant: { A: 2 } },
      { reason: "control_group", label: "control group (held out)", n: 1, byVariant: { control: 1 } },
    ]);
    expect(report.days).toEqual([
      { day: "2026-03-03", reason: "control_group", n: 1 },
      { day: "2026-03-03", reason: "frequency_cap", n: 2 },
    ]);
  });
});
