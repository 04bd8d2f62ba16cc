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
  sentChannels,
  step,
  T0,
} from "./helpers/journeys";

/** Every step type of the campaign model (src/domain/campaigns/model.ts `Step`), through stepJourney. */

const onSignup = { type: "event" as const, event: "Signed Up" };

describe("journey engine: steps", () => {
  it("message: renders the content with the person's traits and hands a send job to the outbox", () => {
    const c = campaign("welcome", {
      name: "Welcome",
      trigger: onSignup,
      steps: [{ type: "message", id: "hi", channels: ["push"], content: push("Hi {{ user.first_name }}") }],
    });
    const records = new MemoryRecords();
    const f = facts({ campaigns: catalog([c]) });
    f.profile.traits = { first_name: "Ana" };
    const out = step(records, { type: "event", event: event("Signed Up") }, f, T0);

    const [send] = effectsOf(out.effects, "send");
    expect(send?.job).toMatchObject({
      idempotencyKey: `welcome:m-Signed Up-${T0}:hi`,
      channel: "push",
      content: { body: "Hi Ana" },
      to: { kind: "push", devices: [{ token: "tok-1" }] },
      userObject: "app1/u/ana",
      category: "marketing",
      campaignVersion: 1,
    });
    expect(records.sends.map((s) => [s.stepId, s.status])).toEqual([["hi", "queued"]]);
    expect([...records.journeys.values()][0]).toMatchObject({ status: "done", step: null });
    expect(decisions(out.effects).map((d) => d.sent ?? (d.entered ? "entered" : "?"))).toEqual(["entered", "push"]);
  });

  it("message: the same trigger twice sends once (idempotency key)", () => {
    const c = campaign("w", {
      name: "W",
      trigger: onSignup,
      steps: [{ type: "message", id: "hi", channels: ["push"], content: push("Hi") }],
    });
    const records = new MemoryRecords();
    const f = facts({ campaigns: catalog([c]) });
    step(records, { type: "event", event: event("Signed Up") }, f, T0);
    const again = step(records, { type: "event", event: event("Signed Up") }, f, T0 + 1000);
    expect(sentChannels(again.effects)).toEqual([]);
    expect(records.sends).toHaveLength(1);
  });

  it("delay: parks the journey on a timer at the exact duration, then goes on when it fires", () => {
    const c = campaign("d", {
      name: "D",
      trigger: onSignup,
      steps: [
        { type: "delay", id: "wait", duration: { hours: 2 } },
        { type: "message", id: "later", channels: ["push"], content: push("Later") },
      ],
    });
    const records = new MemoryRecords();
    const f = facts({ campaigns: catalog([c]) });
    const entered = step(records, { type: "event", event: event("Signed Up") }, f, T0);
    const [timer] = effectsOf(entered.effects, "schedule-timer").filter((t) => t.timer.kind === "journey");
    const instance = `d:m-Signed Up-${T0}`;
    expect(timer?.timer).toEqual({
      key: journeyTimerKey(instance),
      dueAt: T0 + 2 * HOUR,
      kind: "journey",
      payload: { instance, purpose: "delay" },
    });
    expect(records.journey(instance)).toMatchObject({ status: "delayed", step: "wait" });
    expect(sentChannels(entered.effects)).toEqual([]);

    const fired = step(
      records,
      { type: "timer", ...timer!.timer, payload: { instance, purpose: "delay" } },
      f,
      T0 + 2 * HOUR,
    );
    expect(sentChannels(fired.effects)).toEqual(["push"]);
    expect(records.journey(instance)).toMatchObject({ status: "done" });
  });

  it("delay until a local time: the next 09:00 in the person's time zone", () => {
    const c = campaign("lt", {
      name: "LT",
      trigger: onSignup,
      steps: [
        { type: "delay", id: "morning", untilLocalTime: "09:00" },
        { type: "message", id: "m", channels: ["push"], content: push("Morning") },
      ],
    });
    const f = facts({ campaigns: catalog([c]) });
    f.profile.timezone = "America/New_York"; // 12:00 UTC = 07:00 EST
    const out = step(new MemoryRecords(), { type: "event", event: event("Signed Up") }, f, T0);
    const timer = effectsOf(out.effects, "schedule-timer").find((t) => t.timer.kind === "journey");
    expect(timer?.timer.dueAt).toBe(Date.parse("2026-11-24T14:00:00Z"));
  });

  describe("wait_for_event", () => {
    const c = campaign("wfe", {
      name: "Wait",
      trigger: onSignup,
      steps: [
        {
          type: "wait_for_event",
          id: "w",
          event: "Profile Completed",
          filters: [{ property: "plan", op: "eq", value: "pro" }],
          timeout: { hours: 24 },
          onEvent: "thanks",
          onTimeout: "nudge",
        },
        { type: "message", id: "thanks", channels: ["push"], content: push("Thanks, {{ event.plan }}"), next: "end" },
        { type: "message", id: "nudge", channels: ["push"], content: push("Finish your profile") },
        { type: "exit", id: "end" },
      ],
    });
    const instance = `wfe:m-Signed Up-${T0}`;

    it("the awaited event (matching its filters) resumes at onEvent and cancels the timeout", () => {
      const records = new MemoryRecords();
      const f = facts({ campaigns: catalog([c]) });
      const entered = step(records, { type: "event", event: event("Signed Up") }, f, T0);
      expect(records.journey(instance)).toMatchObject({ status: "waiting", waitEvent: "Profile Completed" });
      expect(effectsOf(entered.effects, "schedule-timer").find((t) => t.timer.kind === "journey")?.timer).toMatchObject(
        {
          dueAt: T0 + 24 * HOUR,
          payload: { purpose: "wait-timeout" },
        },
      );

      const other = step(records, { type: "event", event: event("Profile Completed", { plan: "free" }) }, f, T0 + HOUR);
      expect(other.effects).toEqual([]);

      const done = step(records, { type: "event", event: event("Profile Completed", { plan: "pro" }) }, f, T0 + HOUR);
      expect(effectsOf(done.effects, "cancel-timer")).toEqual([
        { type: "cancel-timer", key: journeyTimerKey(instance) },
      ]);
      expect(effectsOf(done.effects, "send").map((s) => s.job.stepId)).toEqual(["thanks"]);
      expect(records.journey(instance)).toMatchObject({
        status: "done",
        trigger: { resumedBy: { event: "Profile Completed", properties: { plan: "pro" } } },
      });
      expect(decisions(done.effects).at(-1)).toMatchObject({ exited: true, reason: "exit step" });
    });

    it("the timeout goes on at onTimeout", () => {
      const records = new MemoryRecords();
      const f = facts({ campaigns: catalog([c]) });
      step(records, { type: "event", event: event("Signed Up") }, f, T0);
      const out = step(
        records,
        {
          type: "timer",
          key: journeyTimerKey(instance),
          dueAt: T0 + 24 * HOUR,
          payload: { instance, purpose: "wait-timeout" },
        },
        f,
        T0 + 24 * HOUR,
      );
      expect(effectsOf(out.effects, "send").map((s) => s.job.stepId)).toEqual(["nudge"]);
      expect(records.journey(instance)).toMatchObject({ status: "done", waitEvent: null });
    });

    it("an SDK call spoofing an internal event name does not resume a wait on it", () => {
      const spoofable = campaign("sp", {
        name: "Sp",
        trigger: onSignup,
        steps: [
          {
            type: "wait_for_event",
            id: "w",
            event: "Lifecycle Changed",
            timeout: { hours: 1 },
            onEvent: "m",
            onTimeout: "m",
          },
          { type: "message", id: "m", channels: ["push"], content: push("x") },
        ],
      });
      const records = new MemoryRecords();
      const f = facts({ campaigns: catalog([spoofable]) });
      step(records, { type: "event", event: event("Signed Up") }, f, T0);
      const out = step(records, { type: "event", event: event("Lifecycle Changed", { to: "active" }) }, f, T0 + 1);
      expect(sentChannels(out.effects)).toEqual([]);
    });
  });

  describe("branch", () => {
    const c = campaign("br", {
      name: "Branch",
      trigger: onSignup,
      steps: [
        {
          type: "branch",
          id: "vip",
          condition: { trait: { property: "tier", op: "eq", value: "gold" } },
          then: "gold",
          else: "std",
        },
        { type: "message", id: "gold", channels: ["push"], content: push("Gold"), next: "end" },
        { type: "message", id: "std", channels: ["push"], content: push("Standard") },
        { type: "exit", id: "end" },
      ],
    });

    it.each([
      ["gold", "then", "gold"],
      ["silver", "else", "std"],
    ])("tier %s takes %s", (tier, branch, stepId) => {
      const f = facts({ campaigns: catalog([c]) });
      f.profile.traits = { tier };
      const out = step(new MemoryRecords(), { type: "event", event: event("Signed Up") }, f, T0);
      expect(decisions(out.effects).find((d) => d.branch)).toMatchObject({ step: "vip", branch });
      expect(effectsOf(out.effects, "send").map((s) => s.job.stepId)).toEqual([stepId]);
    });

    it("conditions read the event log, attributes and earlier sends of this journey", () => {
      const multi = campaign("m", {
        name: "M",
        trigger: onSignup,
        steps: [
          { type: "message", id: "first", channels: ["push"], content: push("1") },
          {
            type: "branch",
            id: "b",
            condition: {
              all: [
                { did: { event: "Viewed", atLeast: 2 } },
                { attr: { property: "rfm", op: "eq", value: "champions" } },
                { not: { message: { stepId: "first", status: "sent" } } }, // queued, not yet sent
              ],
            },
            then: "yes",
            else: "no",
          },
          {
            type: "message",
            id: "yes",
            channels: ["email"],
            content: { email: { subject: "Yes", text: "y" } },
            next: "end",
          },
          { type: "exit", id: "no" },
          { type: "exit", id: "end" },
        ],
      });
      const f = facts({
        campaigns: catalog([multi]),
        attrs: { rfm: "champions" },
        events: {
          Viewed: [
            { at: T0 - HOUR, properties: {} },
            { at: T0 - MINUTE, properties: {} },
          ],
        },
      });
      const out = step(new MemoryRecords(), { type: "event", event: event("Signed Up") }, f, T0);
      expect(decisions(out.effects).find((d) => d.branch)).toMatchObject({ branch: "then" });
      expect(sentChannels(out.effects)).toEqual(["push", "email"]);
    });

    it("a branch loop stops after the step limit", () => {
      const loop = campaign("loop", {
        name: "Loop",
        trigger: onSignup,
        steps: [
          { type: "branch", id: "a", condition: { lifecycle: ["new"] }, then: "b", else: "b" },
          { type: "branch", id: "b", condition: { lifecycle: ["new"] }, then: "a", else: "a" },
        ],
      });
      const out = step(
        new MemoryRecords(),
        { type: "event", event: event("Signed Up") },
        facts({ campaigns: catalog([loop]) }),
        T0,
      );
      expect(decisions(out.effects).at(-1)).toMatchObject({
        exited: true,
        reason: "more than 100 steps without waiting (loop?)",
      });
    });
  });

  it("exit: ends the journey with a reason; steps after it never run", () => {
    const c = campaign("ex", {
      name: "Exit",
      trigger: onSignup,
      steps: [
        { type: "exit", id: "stop" },
        { type: "message", id: "never", channels: ["push"], content: push("never") },
      ],
    });
    const records = new MemoryRecords();
    const out = step(records, { type: "event", event: event("Signed Up") }, facts({ campaigns: catalog([c]) }), T0);
    expect(sentChannels(out.effects)).toEqual([]);
    expect(decisions(out.effects).at(-1)).toMatchObject({ exited: true, reason: "exit step" });
    expect([...records.journeys.values()][0]).toMatchObject({ status: "done", step: null });
  });

  it("A/B split: the person's stable arm picks the variant's content, and the entry records the arm", () => {
    const c = campaign("ab", {
      name: "AB",
      trigger: onSignup,
      variants: [
        { id: "A", weight: 1 },
        { id: "B", weight: 1 },
      ],
      steps: [
        {
          type: "message",
          id: "m",
          channels: ["push"],
          content: push("Base"),
          variants: { A: push("Arm A"), B: push("Arm B") },
        },
      ],
    });
    const arms = new Map<string, string>();
    for (const userId of ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"]) {
      const f = facts({ campaigns: catalog([c]) });
      f.profile.userId = userId;
      const records = new MemoryRecords();
      const out = step(records, { type: "event", event: event("Signed Up") }, f, T0);
      const arm = [...records.journeys.values()][0]!.arm;
      expect(decisions(out.effects)[0]).toMatchObject({ entered: true, variant: arm });
      expect(effectsOf(out.effects, "send")[0]?.job).toMatchObject({ variant: arm, content: { body: `Arm ${arm}` } });
      // Stable: the same person lands in the same arm again.
      const again = stepJourney(
        new MemoryRecords(),
        { type: "event", event: event("Signed Up", {}, T0, "other") },
        f,
        T0,
      );
      expect(again.changes.journeys.values().next().value).toMatchObject({ journey: { arm } });
      arms.set(userId, arm);
    }
    expect(new Set(arms.values())).toEqual(new Set(["A", "B"]));
  });
});
