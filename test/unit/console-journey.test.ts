import { describe, expect, it } from "vitest";
import templates from "../../demo/campaigns.json";
import {
  addStep,
  connect,
  type Definition,
  graphOf,
  nodeOfField,
  removeStep,
  SPLIT_NODE,
  TRIGGER_NODE,
} from "../../console/src/journey/model";

/** The console's journey canvas: graph derived from the definition, and edits applied to it. */
const churn = templates.find((t) => t.definition.name === "Churn risk survey")!.definition as unknown as Definition;
const onboarding = templates.find((t) => t.definition.name === "Onboarding")!.definition as unknown as Definition;

describe("journey graph", () => {
  it("links the trigger to the first step, steps in order, and waits and branches by their fields", () => {
    const { nodes, edges } = graphOf(churn);
    expect(nodes.map((n) => n.id)).toEqual([TRIGGER_NODE, "survey", "answered", "offer", "end", "thanks"]);
    const links = edges.map((e) => `${e.source}:${e.port}->${e.target}`);
    expect(links).toEqual([
      `${TRIGGER_NODE}:start->survey`,
      "survey:next->answered",
      "answered:onEvent->thanks",
      "answered:onTimeout->offer",
      "offer:next->end",
    ]);
    expect(edges.find((e) => e.source === "survey")!.implicit).toBe(true);
  });

  it("shows the A/B split when there is a control group or more than one arm", () => {
    const { nodes, edges } = graphOf({ ...onboarding, controlPercent: 10 });
    expect(nodes[1]!.id).toBe(SPLIT_NODE);
    expect(edges.slice(0, 2).map((e) => `${e.source}->${e.target}`)).toEqual([
      `${TRIGGER_NODE}->${SPLIT_NODE}`,
      `${SPLIT_NODE}->welcome`,
    ]);
    expect(graphOf(onboarding).nodes.some((n) => n.id === SPLIT_NODE)).toBe(false);
  });
});

describe("journey edits", () => {
  it("adds a step before a trailing exit, and a branch pointing at an exit until connected", () => {
    const { definition, id } = addStep(onboarding, "delay");
    expect(id).toBe("delay-1");
    expect(definition.steps.map((s) => s.id)).toEqual(["welcome", "a-day", "completed", "nudge", "delay-1", "done"]);
    const single: Definition = {
      name: "x",
      trigger: { type: "event", event: "A" },
      steps: [{ type: "message", id: "m", channels: ["push"], content: { push: { body: "b" } } }],
    };
    const branched = addStep(single, "branch");
    expect(branched.definition.steps.map((s) => `${s.type}:${s.id}`)).toEqual([
      "message:m",
      "branch:branch-1",
      "exit:exit-1",
    ]);
    const branch = branched.definition.steps.find((s) => s.type === "branch")!;
    expect([branch.then, branch.else]).toEqual(["exit-1", "exit-1"]);
  });

  it("inserting after a step with an explicit next leads through the new step", () => {
    const d: Definition = {
      name: "x",
      trigger: { type: "event", event: "A" },
      steps: [
        { type: "delay", id: "d", duration: { hours: 1 }, next: "z" },
        { type: "exit", id: "y" },
        { type: "exit", id: "z" },
      ],
    };
    const { definition, id } = addStep(d, "message", "d");
    expect(definition.steps.find((s) => s.id === "d")!.next).toBe(id);
    expect(definition.steps.find((s) => s.id === id)!.next).toBe("z");
  });

  it("removing a step re-links what pointed at it; connecting sets the port's field", () => {
    const removed = removeStep(churn, "offer");
    expect(removed.steps.find((s) => s.id === "answered")!.onTimeout).toBe("end");
    const linked = connect(churn, "answered", "onTimeout", "thanks");
    expect(linked.steps.find((s) => s.id === "answered")!.onTimeout).toBe("thanks");
    expect(connect(churn, "end", "next", "survey")).toEqual(churn); // an exit has no outgoing link
  });

  it("maps the server's field problems to the node they concern", () => {
    expect(nodeOfField(churn, "steps.2.content.push.body")).toBe("offer");
    expect(nodeOfField(churn, "trigger.filters.0.value")).toBe(TRIGGER_NODE);
    expect(nodeOfField(churn, "name")).toBeUndefined();
  });
});
