import { describe, expect, it } from "vitest";
import { chooseChannel, unreachableReason, type Reachability } from "../../src/domain/campaigns/policy/channel-choice";

const nobody: Reachability = {
  push: { optedIn: false, liveDevices: 0 },
  email: { address: null, consent: "unknown", transactional: false },
  sms: { phone: null, consent: "unknown" },
  whatsapp: { phone: null, consent: "unknown" },
  inApp: false,
  contentCard: false,
  webhook: false,
};
const reach = (over: Partial<Reachability>): Reachability => ({ ...nobody, ...over });

describe("chooseChannel", () => {
  const fallback = ["push", "in_app", "email", "sms"] as const;

  it("picks push when opted in with a live device", () => {
    const r = chooseChannel([...fallback], reach({ push: { optedIn: true, liveDevices: 2 }, inApp: true }));
    expect(r).toEqual({ channel: "push", reason: "push: opted in, 2 live devices" });
  });

  it("falls back in order and says why the earlier channels were skipped", () => {
    const r = chooseChannel([...fallback], reach({ push: { optedIn: true, liveDevices: 0 }, inApp: true }));
    expect(r.channel).toBe("in_app");
    if (r.channel) expect(r.reason).toBe("in_app: no opt-in needed (after push: no live device)");
  });

  it("falls through to email and SMS", () => {
    const toEmail = chooseChannel(
      [...fallback],
      reach({ email: { address: "a@b.co", consent: "opted_in", transactional: false } }),
    );
    expect(toEmail).toMatchObject({ channel: "email" });
    if (toEmail.channel)
      expect(toEmail.reason).toMatch(/^email: consent opted_in \(after push: not opted in; in_app: not reachable\)$/);
    const toSms = chooseChannel([...fallback], reach({ sms: { phone: "+15550001111", consent: "opted_in" } }));
    expect(toSms).toMatchObject({ channel: "sms" });
  });

  it("returns every reason when nothing reaches the person", () => {
    expect(chooseChannel([...fallback], nobody)).toEqual({
      channel: null,
      reasons: ["push: not opted in", "in_app: not reachable", "email: no address", "sms: no phone number"],
    });
  });

  it("an empty order reaches no one", () => {
    expect(chooseChannel([], nobody)).toEqual({ channel: null, reasons: ["no channel configured"] });
  });

  it("ignores duplicate channels in the order", () => {
    expect(chooseChannel(["push", "push", "email"], nobody)).toEqual({
      channel: null,
      reasons: ["push: not opted in", "email: no address"],
    });
  });
});

describe("reachability rules", () => {
  it("push needs opt-in and a live device", () => {
    expect(unreachableReason("push", reach({ push: { optedIn: false, liveDevices: 3 } }))).toBe("push: not opted in");
    expect(unreachableReason("push", reach({ push: { optedIn: true, liveDevices: 0 } }))).toBe("push: no live device");
    expect(unreachableReason("push", reach({ push: { optedIn: true, liveDevices: 1 } }))).toBeNull();
  });

  it("marketing email: address, not suppressed, not opted out (unknown counts as subscribed)", () => {
    const email = (
      consent: "opted_in" | "opted_out" | "unknown",
      extra: { suppressed?: boolean; address?: string | null } = {},
    ) => unreachableReason("email", reach({ email: { address: "a@b.co", consent, transactional: false, ...extra } }));
    expect(email("opted_in")).toBeNull();
    expect(email("unknown")).toBeNull();
    expect(email("opted_out")).toBe("email: opted out");
    expect(email("opted_in", { suppressed: true })).toBe("email: address suppressed (bounce or complaint)");
    expect(email("opted_in", { address: null })).toBe("email: no address");
    expect(email("opted_in", { address: "" })).toBe("email: no address");
  });

  it("transactional email ignores marketing opt-out but not suppression", () => {
    const tx = (consent: "opted_in" | "opted_out" | "unknown", suppressed = false) =>
      unreachableReason("email", reach({ email: { address: "a@b.co", consent, transactional: true, suppressed } }));
    expect(tx("opted_out")).toBeNull();
    expect(tx("unknown")).toBeNull();
    expect(tx("opted_out", true)).toBe("email: address suppressed (bounce or complaint)");
    const chosen = chooseChannel(
      ["email"],
      reach({ email: { address: "a@b.co", consent: "opted_out", transactional: true } }),
    );
    expect(chosen).toEqual({ channel: "email", reason: "email: transactional, address on file" });
  });

  it("sms and whatsapp need a phone and explicit opt-in", () => {
    for (const channel of ["sms", "whatsapp"] as const) {
      expect(
        unreachableReason(channel, reach({ [channel]: { phone: "+15550001111", consent: "opted_in" } })),
      ).toBeNull();
      expect(unreachableReason(channel, reach({ [channel]: { phone: "+15550001111", consent: "unknown" } }))).toBe(
        `${channel}: not opted in`,
      );
      expect(unreachableReason(channel, reach({ [channel]: { phone: "+15550001111", consent: "opted_out" } }))).toBe(
        `${channel}: opted out`,
      );
      expect(unreachableReason(channel, reach({ [channel]: { phone: null, consent: "opted_in" } }))).toBe(
        `${channel}: no phone number`,
      );
    }
  });

  it("in-app, content cards and webhooks follow their flags", () => {
    expect(unreachableReason("in_app", reach({ inApp: true }))).toBeNull();
    expect(unreachableReason("content_card", reach({ contentCard: true }))).toBeNull();
    expect(unreachableReason("webhook", reach({ webhook: true }))).toBeNull();
    expect(unreachableReason("content_card", nobody)).toBe("content_card: not reachable");
    expect(unreachableReason("webhook", nobody)).toBe("webhook: not reachable");
    expect(chooseChannel(["webhook"], reach({ webhook: true }))).toEqual({
      channel: "webhook",
      reason: "webhook: no opt-in needed",
    });
  });
});
