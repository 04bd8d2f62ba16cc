import { describe, expect, it } from "vitest";
import { stepJourney } from "../../src/domain/journey/step";
import { journeyTimerKey } from "../../src/domain/journey/journey";
import {
  campaign,
  catalog,
  decisions,
  effectsOf,
  event,
  facts,
  HOUR,
  MemoryRecords,
  MINUTE,
  push,
  reachablePerson,
  sentChannels,
  reasons,
  stats,
  step,
  T0,
} from "./helpers/journeys";

/** Every policy outcome of stepJourney (src/domain/campaigns/policy/ and the entry rules). */

const onSignup = { type: "event" as const, event: "Signed Up" };
const pushStep = { type: "message" as const, id: "m", channels: ["push" as const], content: push("Hi") };
const signup = (at = T0, id = `s-${at}`) => ({ type: "event" as const, event: event("Signed Up", {}, at, id) });

describe("journey engine: policies", () => {
  it("control group: counted as entered and control, finished at once, no message", () => {
    const c = campaign("ctl", { name: "Ctl", trigger: onSignup, controlPercent: 90, steps: [pushStep] });
    // Find a person the stable draw puts in control (90 %: nearly everyone).
    for (const userId of ["u1", "u2", "u3"]) {
      const f = facts({ campaigns: catalog([c]), profile: reachablePerson({ userId }) });
      const records = new MemoryRecords();
      const out = step(records, signup(), f, T0);
      const j = [...records.journeys.values()][0]!;
      if (!j.control) continue;
      expect(j).toMatchObject({ arm: "control", status: "done" });
      expect(stats(out.effects)).toEqual(["entered", "control", "suppression"]);
      expect(reasons(out.effects)).toEqual(["control_group"]);
      expect(decisions(out.effects)).toEqual([
        expect.objectContaining({ entered: true, variant: "control", reason: "control group: no messages" }),
      ]);
      expect(sentChannels(out.effects)).toEqual([]);
      return;
    }
    throw new Error("no one in the 90 % control group");
  });

  describe("frequency caps", () => {
    const c = campaign("cap", { name: "Cap", trigger: onSignup, steps: [pushStep] });

    it("a cap hit suppresses the message, says when it is next eligible, and counts it", () => {
      const records = new MemoryRecords();
      records.sends.push(
        {
          key: "old:1",
          campaignId: "x",
          instance: "i1",
          stepId: "s",
          variant: "A",
          channel: "email",
          at: T0 - 2 * HOUR,
          status: "delivered",
        },
        {
          key: "old:2",
          campaignId: "x",
          instance: "i2",
          stepId: "s",
          variant: "A",
          channel: "sms",
          at: T0 - HOUR,
          status: "sent",
        },
      );
      const f = facts({ campaigns: catalog([c]), frequencyCaps: [{ windowHours: 24, max: 2 }] });
      const out = step(records, signup(), f, T0);
      expect(sentChannels(out.effects)).toEqual([]);
      expect(decisions(out.effects).at(-1)).toMatchObject({
        suppressed: true,
        reason: `frequency cap: 2 per 24 h; next eligible at ${new Date(T0 - 2 * HOUR + 24 * HOUR).toISOString()}`,
        nextEligibleAt: T0 + 22 * HOUR,
      });
      expect(stats(out.effects)).toEqual(["entered", "suppressed", "suppression"]);
      expect(reasons(out.effects)).toEqual(["frequency_cap"]);
    });

    it("in-app messages, failed sends and test sends do not count; transactional campaigns bypass caps", () => {
      const records = new MemoryRecords();
      records.sends.push(
        {
          key: "a",
          campaignId: "x",
          instance: "i",
          stepId: "s",
          variant: "A",
          channel: "in_app",
          at: T0 - HOUR,
          status: "sent",
        },
        {
          key: "b",
          campaignId: "x",
          instance: "i",
          stepId: "t",
          variant: "A",
          channel: "push",
          at: T0 - HOUR,
          status: "failed",
        },
        {
          key: "test:c",
          campaignId: "x",
          instance: "test:c",
          stepId: "u",
          variant: "A",
          channel: "push",
          at: T0 - HOUR,
          status: "sent",
        },
      );
      const f = facts({ campaigns: catalog([c]), frequencyCaps: [{ windowHours: 24, max: 1 }] });
      expect(sentChannels(step(records, signup(), f, T0).effects)).toEqual(["push"]);
      // Now one counted send exists: a marketing message is capped, a transactional one is not.
      expect(sentChannels(step(records, signup(T0 + 1, "again"), f, T0 + 1).effects)).toEqual([]);
      const tx = campaign("tx", { name: "Tx", trigger: onSignup, transactional: true, steps: [pushStep] });
      const ft = facts({ campaigns: catalog([tx]), frequencyCaps: [{ windowHours: 24, max: 1 }] });
      expect(sentChannels(step(records, signup(T0 + 2, "tx"), ft, T0 + 2).effects)).toEqual(["push"]);
    });

    it("two message steps in one run: the second sees the first against the cap", () => {
      const two = campaign("two", {
        name: "Two",
        trigger: onSignup,
        steps: [pushStep, { ...pushStep, id: "m2" }],
      });
      const f = facts({ campaigns: catalog([two]), frequencyCaps: [{ windowHours: 1, max: 1 }] });
      const out = step(new MemoryRecords(), signup(), f, T0);
      expect(sentChannels(out.effects)).toEqual(["push"]);
      expect(decisions(out.effects).at(-1)).toMatchObject({ step: "m2", suppressed: true });
    });
  });

  describe("quiet hours", () => {
    const window = { start: "22:00", end: "08:00" };
    const night = Date.parse("2026-11-24T23:30:00Z");

    it("defer: the message waits for the end of the window in the person's time zone, then goes", () => {
      const c = campaign("q", { name: "Q", trigger: onSignup, steps: [pushStep] });
      const records = new MemoryRecords();
      const f = facts({ campaigns: catalog([c]), quietHours: window });
      const out = step(records, signup(night), f, night);
      const until = Date.parse("2026-11-25T08:00:00Z");
      expect(decisions(out.effects).at(-1)).toMatchObject({ deferred: true, until });
      const timer = effectsOf(out.effects, "schedule-timer").find((t) => t.timer.kind === "journey")!.timer;
      expect(timer).toMatchObject({ dueAt: until, payload: { purpose: "defer" } });
      const instance = (timer.payload as { instance: string }).instance;
      expect(records.journey(instance)).toMatchObject({ status: "deferred", step: "m" });

      const later = step(
        records,
        { type: "timer", key: timer.key, dueAt: until, payload: { instance, purpose: "defer" } },
        f,
        until,
      );
      expect(sentChannels(later.effects)).toEqual(["push"]);
    });

    it("drop: suppressed instead; ignore and transactional campaigns send at night; in-app is never quiet", () => {
      const f = (c: ReturnType<typeof campaign>) => facts({ campaigns: catalog([c]), quietHours: window });
      const drop = campaign("d", { name: "D", trigger: onSignup, quietHours: "drop", steps: [pushStep] });
      expect(decisions(step(new MemoryRecords(), signup(night), f(drop), night).effects).at(-1)).toMatchObject({
        suppressed: true,
        reason: "quiet hours (dropped)",
      });
      const ignore = campaign("i", { name: "I", trigger: onSignup, quietHours: "ignore", steps: [pushStep] });
      expect(sentChannels(step(new MemoryRecords(), signup(night), f(ignore), night).effects)).toEqual(["push"]);
      const inApp = campaign("ia", {
        name: "IA",
        trigger: onSignup,
        steps: [
          { type: "message", id: "m", channels: ["in_app"], content: { in_app: { type: "modal", title: "Hi" } } },
        ],
      });
      expect(sentChannels(step(new MemoryRecords(), signup(night), f(inApp), night).effects)).toEqual(["in_app"]);
    });
  });

  describe("channels", () => {
    const c = campaign("ch", {
      name: "Ch",
      trigger: onSignup,
      steps: [
        {
          type: "message",
          id: "m",
          channels: ["push", "email", "sms"],
          content: { ...push("Hi"), email: { subject: "Hi", text: "Hi" }, sms: { body: "Hi" } },
        },
      ],
    });

    it("channel choice: the first reachable channel in order, with why the others were passed over", () => {
      const f = facts({ campaigns: catalog([c]), pushTargets: [] });
      const out = step(new MemoryRecords(), signup(), f, T0);
      expect(effectsOf(out.effects, "send")[0]?.job).toMatchObject({
        channel: "email",
        to: { kind: "email", email: "ana@example.com" },
      });
      expect(decisions(out.effects).at(-1)).toMatchObject({
        sent: "email",
        reason: "email: consent opted_in (after push: no live device)",
      });
    });

    it("no reachable channel: suppressed, naming each channel's reason", () => {
      const profile = reachablePerson({ email: null, phone: null });
      const out = step(new MemoryRecords(), signup(), facts({ campaigns: catalog([c]), profile, pushTargets: [] }), T0);
      expect(sentChannels(out.effects)).toEqual([]);
      expect(decisions(out.effects).at(-1)).toMatchObject({
        suppressed: true,
        reason: "no reachable channel (push: no live device; email: no address; sms: no phone number)",
      });
      expect(stats(out.effects)).toEqual(["entered", "suppressed", "suppression"]);
      expect(reasons(out.effects)).toEqual(["no_reachable_channel"]);
    });

    it("in-app delivery is an effect for the inbox port; the send and its stat follow only if it was taken", () => {
      const ia = campaign("ia", {
        name: "IA",
        trigger: onSignup,
        steps: [
          {
            type: "message",
            id: "m",
            channels: ["in_app"],
            content: { in_app: { type: "modal", title: "Hi {{ user.id }}" } },
          },
        ],
      });
      const out = stepJourney(new MemoryRecords(), signup(), facts({ campaigns: catalog([ia]) }), T0);
      const [d] = effectsOf(out.effects, "deliver-in-app");
      expect(d).toMatchObject({
        channel: "in_app",
        delivery: {
          key: `ia:s-${T0}:m`,
          campaignId: "ia",
          variant: "A",
          content: { title: "Hi ana" },
          triggerEvent: "Signed Up",
        },
        onDelivered: { send: { key: `ia:s-${T0}:m`, channel: "in_app", status: "sent" } },
      });
      expect(d!.onDelivered.effects.map((e) => e.type)).toEqual(["stat", "timeline"]);
      // The send is written by the adapter once the inbox took the message, not with the step's changes.
      expect(out.changes.sends).toEqual([]);
      expect(stats(out.effects.filter((e) => e.type !== "deliver-in-app"))).toEqual(["entered"]);
    });
  });

  describe("re-entry", () => {
    it.each([
      ["once", [true, false, false]],
      ["every_time", [true, true, true]],
      [{ cooldownHours: 2 }, [true, false, true]],
    ] as const)("%j", (reentry, expected) => {
      const c = campaign("re", { name: "Re", trigger: onSignup, reentry, steps: [pushStep] });
      const records = new MemoryRecords();
      const f = facts({ campaigns: catalog([c]) });
      const entered = [T0, T0 + HOUR, T0 + 3 * HOUR].map(
        (at) => decisions(step(records, signup(at), f, at).effects)[0]?.entered === true,
      );
      expect(entered).toEqual(expected);
    });

    it("audience, schedule and the same trigger twice keep people out, with reasons", () => {
      const aud = campaign("aud", {
        name: "Aud",
        trigger: onSignup,
        audience: { trait: { property: "country", op: "eq", value: "FR" } },
        steps: [pushStep],
      });
      const out = stepJourney(new MemoryRecords(), signup(), facts({ campaigns: catalog([aud]) }), T0);
      expect(decisions(out.effects)).toEqual([
        { campaignId: "aud", notEntered: true, reason: "not in the campaign's audience" },
      ]);
      const late = campaign("late", {
        name: "Late",
        trigger: onSignup,
        endAt: "2026-01-01T00:00:00Z",
        steps: [pushStep],
      });
      expect(
        decisions(stepJourney(new MemoryRecords(), signup(), facts({ campaigns: catalog([late]) }), T0).effects),
      ).toEqual([{ campaignId: "late", notEntered: true, reason: "campaign has ended" }]);
      const api = campaign("api", { name: "Api", trigger: { type: "api" }, steps: [pushStep] });
      const records = new MemoryRecords();
      const f = facts({ campaigns: catalog([api]) });
      const input = { type: "api-trigger" as const, campaignId: "api", payload: {}, requestId: "r1" };
      expect(step(records, input, f, T0).result).toMatchObject({ entered: true, instance: "api:r1" });
      expect(step(records, input, f, T0 + 1).result).toEqual({
        entered: false,
        reason: "already entered for this trigger",
      });
    });
  });

  describe("abandonment (inaction trigger) and conversion", () => {
    const cart = campaign("cart", {
      name: "Cart",
      trigger: {
        type: "inaction",
        start: { event: "Product Added" },
        cancel: { event: "Order Completed" },
        key: "cartId",
        within: { minutes: 30 },
      },
      goal: { event: "Order Completed", windowHours: 24 },
      steps: [pushStep],
    });
    const added = (cartId: string, at = T0) => ({
      type: "event" as const,
      event: event("Product Added", { cartId }, at),
    });
    const ordered = (cartId: string, at: number) => ({
      type: "event" as const,
      event: event("Order Completed", { cartId }, at),
    });

    it("start sets a timer at the exact deadline per key; the cancel event before it cancels that timer", () => {
      const records = new MemoryRecords();
      const f = facts({ campaigns: catalog([cart]) });
      const out = step(records, added("c1"), f, T0);
      const instance = `cart:ia:c1:${T0}`;
      expect(effectsOf(out.effects, "schedule-timer")).toEqual([
        {
          type: "schedule-timer",
          timer: {
            key: journeyTimerKey(instance),
            dueAt: T0 + 30 * MINUTE,
            kind: "journey",
            payload: { instance, purpose: "inaction" },
          },
        },
      ]);
      step(records, added("c2"), f, T0 + MINUTE);
      expect(records.pendingInaction("cart", null)).toHaveLength(2);

      const cancel = step(records, ordered("c1", T0 + 10 * MINUTE), f, T0 + 10 * MINUTE);
      expect(effectsOf(cancel.effects, "cancel-timer")).toEqual([
        { type: "cancel-timer", key: journeyTimerKey(instance) },
      ]);
      expect(decisions(cancel.effects)).toEqual([
        { campaignId: "cart", cancelled: true, key: "c1", reason: "Order Completed before the deadline" },
      ]);
      expect(records.pendingInaction("cart", null).map((j) => j.inactionKey)).toEqual(["c2"]);
    });

    it("the deadline enters the campaign and sends; a later goal event converts that entry once", () => {
      const records = new MemoryRecords();
      const f = facts({ campaigns: catalog([cart]) });
      step(records, added("c1"), f, T0);
      const instance = `cart:ia:c1:${T0}`;
      const due = T0 + 30 * MINUTE;
      const fired = step(
        records,
        { type: "timer", key: journeyTimerKey(instance), dueAt: due, payload: { instance, purpose: "inaction" } },
        f,
        due + 250,
      );
      expect(decisions(fired.effects)[0]).toMatchObject({ abandonmentDeadline: due, lateMs: 250, key: "c1" });
      expect(sentChannels(fired.effects)).toEqual(["push"]);
      expect(records.journey(instance)).toBeUndefined();
      expect(records.journey(`cart:ab:c1:${T0}`)).toMatchObject({ status: "done" });

      const conv = step(records, ordered("c9", due + HOUR), f, due + HOUR);
      expect(stats(conv.effects)).toEqual(["converted"]);
      expect(decisions(conv.effects)).toEqual([
        expect.objectContaining({ converted: true, instance: `cart:ab:c1:${T0}`, event: "Order Completed" }),
      ]);
      expect(stats(step(records, ordered("c9", due + 2 * HOUR), f, due + 2 * HOUR).effects)).toEqual([]);
    });

    it("a deadline for a journey already cancelled or gone does nothing", () => {
      const out = stepJourney(
        new MemoryRecords(),
        { type: "timer", key: "journey:x", dueAt: T0, payload: { instance: "x", purpose: "inaction" } },
        facts({ campaigns: catalog([cart]) }),
        T0,
      );
      expect(out.effects).toEqual([]);
    });
  });

  describe("campaign status and delivery reports", () => {
    it("a paused campaign ends journeys in flight when they next move", () => {
      const c = campaign("p", {
        name: "P",
        trigger: onSignup,
        steps: [{ type: "delay", id: "d", duration: { hours: 1 } }, pushStep],
      });
      const records = new MemoryRecords();
      step(records, signup(), facts({ campaigns: catalog([c]) }), T0);
      const instance = `p:s-${T0}`;
      const paused = facts({ campaigns: catalog([], [c]) });
      const out = step(
        records,
        { type: "timer", key: journeyTimerKey(instance), dueAt: T0 + HOUR, payload: { instance, purpose: "delay" } },
        paused,
        T0 + HOUR,
      );
      expect(sentChannels(out.effects)).toEqual([]);
      expect(decisions(out.effects)).toEqual([expect.objectContaining({ exited: true, reason: "campaign paused" })]);
    });

    it("send reported: acknowledged, statuses only move forward, unknown sends say so", () => {
      const records = new MemoryRecords();
      records.sends.push({
        key: "k",
        campaignId: "c",
        instance: "i",
        stepId: "s",
        variant: "A",
        channel: "push",
        at: T0,
        status: "queued",
      });
      const f = facts({ campaigns: catalog([]) });
      const report = (status: string) =>
        step(records, { type: "send-reported", idempotencyKey: "k", status }, f, T0 + 1);
      const delivered = report("delivered");
      expect(delivered.result).toEqual({ updated: true });
      expect(delivered.effects).toEqual([
        { type: "acknowledge-send", key: "k" },
        {
          type: "timeline",
          kind: "delivery",
          detail: { key: "k", campaignId: "c", channel: "push", status: "delivered" },
        },
      ]);
      expect(report("sent").result).toEqual({ updated: false, reason: "already delivered" });
      expect(step(records, { type: "send-reported", idempotencyKey: "nope", status: "sent" }, f, T0).result).toEqual({
        updated: false,
        reason: "unknown send",
      });
    });

    it("in-app engagement moves the send of the same campaign and channel forward, never back", () => {
      const records = new MemoryRecords();
      records.sends.push({
        key: "k",
        campaignId: "c",
        instance: "i",
        stepId: "s",
        variant: "A",
        channel: "in_app",
        at: T0,
        status: "sent",
      });
      const f = facts({ campaigns: catalog([]) });
      const engage = (status: "opened" | "clicked", campaignId = "c") =>
        step(records, { type: "engaged", key: "k", campaignId, channel: "in_app", status }, f, T0);
      engage("clicked", "other");
      expect(records.send("k")?.status).toBe("sent");
      engage("clicked");
      engage("opened");
      expect(records.send("k")?.status).toBe("clicked");
    });
  });
});
