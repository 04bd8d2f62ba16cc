/**
 * The journey as the canvas sees it: the campaign definition stays the single source of truth
 * (the JSON beside the canvas is that same object), and these pure functions derive the graph
 * from it and apply the canvas's edits to it. Step semantics follow the server's model
 * (src/domain/campaigns/model.ts): steps run in order unless a step names `next`; a wait names
 * `onEvent`/`onTimeout`, a branch `then`/`else`; an exit ends the journey.
 */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type StepType = "message" | "delay" | "wait_for_event" | "branch" | "exit";
export interface Step {
  type: StepType;
  id: string;
  [k: string]: unknown;
}
export interface Definition {
  name: string;
  trigger: { type: string; [k: string]: unknown };
  steps: Step[];
  variants?: { id: string; weight: number }[];
  controlPercent?: number;
  [k: string]: unknown;
}

/** An outgoing link of a step, by the field that holds it. */
export type Port = "next" | "then" | "else" | "onEvent" | "onTimeout";
export const PORTS_OF: Record<StepType, Port[]> = {
  message: ["next"],
  delay: ["next"],
  wait_for_event: ["onEvent", "onTimeout"],
  branch: ["then", "else"],
  exit: [],
};
export const PORT_LABEL: Record<Port, string> = {
  next: "",
  then: "yes",
  else: "no",
  onEvent: "event",
  onTimeout: "timeout",
};

export const TRIGGER_NODE = "__trigger";
export const SPLIT_NODE = "__split";

export interface GraphNode {
  id: string;
  kind: "trigger" | "split" | StepType;
  stepIndex?: number;
}
export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  port: Port | "start";
  /** true when the link is the implicit "following step" rather than a named field. */
  implicit: boolean;
}

/** The A/B split shows as its own node when the campaign has more than one arm or a control group. */
export function hasSplit(d: Definition): boolean {
  return (d.variants?.length ?? 1) > 1 || (d.controlPercent ?? 0) > 0;
}

export function graphOf(d: Definition): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const nodes: GraphNode[] = [{ id: TRIGGER_NODE, kind: "trigger" }];
  const edges: GraphEdge[] = [];
  const split = hasSplit(d);
  if (split) nodes.push({ id: SPLIT_NODE, kind: "split" });
  const ids = new Set(d.steps.map((s) => s.id));
  d.steps.forEach((s, i) => nodes.push({ id: s.id, kind: s.type, stepIndex: i }));
  const first = d.steps[0]?.id;
  if (split)
    edges.push({
      id: `${TRIGGER_NODE}->${SPLIT_NODE}`,
      source: TRIGGER_NODE,
      target: SPLIT_NODE,
      port: "start",
      implicit: false,
    });
  if (first)
    edges.push({
      id: `start->${first}`,
      source: split ? SPLIT_NODE : TRIGGER_NODE,
      target: first,
      port: "start",
      implicit: false,
    });
  d.steps.forEach((s, i) => {
    for (const port of PORTS_OF[s.type]) {
      const named = typeof s[port] === "string" ? (s[port] as string) : undefined;
      const target = named ?? (port === "next" ? d.steps[i + 1]?.id : undefined);
      if (target && ids.has(target))
        edges.push({ id: `${s.id}:${port}->${target}`, source: s.id, target, port, implicit: !named });
    }
  });
  return { nodes, edges };
}

/** A step id not used yet, from the step type ("message-2"). */
export function freshId(d: Definition, type: StepType): string {
  const base = type === "wait_for_event" ? "wait" : type;
  for (let n = 1; ; n++) {
    const id = `${base}-${n}`;
    if (!d.steps.some((s) => s.id === id)) return id;
  }
}

/** A new step with the fields the server requires, filled with editable placeholders. */
export function newStep(d: Definition, type: StepType, exitId?: string): Step {
  const id = freshId(d, type);
  switch (type) {
    case "message":
      return { type, id, channels: ["push"], content: { push: { title: "Title", body: "Message" } } };
    case "delay":
      return { type, id, duration: { hours: 1 } };
    case "wait_for_event":
      return {
        type,
        id,
        event: "Order Completed",
        timeout: { days: 1 },
        onEvent: exitId ?? id,
        onTimeout: exitId ?? id,
      };
    case "branch":
      return { type, id, condition: { did: { event: "Order Completed" } }, then: exitId ?? id, else: exitId ?? id };
    case "exit":
      return { type, id };
  }
}

/**
 * Adds a step after `afterId` (or before a trailing exit, so it is reached). Steps that need two
 * targets point both at an exit step until the marketer connects them, so the definition stays
 * valid after every edit.
 */
export function addStep(d: Definition, type: StepType, afterId?: string): { definition: Definition; id: string } {
  let steps = [...d.steps];
  let exitId = steps.find((s) => s.type === "exit")?.id;
  if ((type === "wait_for_event" || type === "branch") && !exitId) {
    exitId = freshId(d, "exit");
    steps.push({ type: "exit", id: exitId });
  }
  const step = newStep({ ...d, steps }, type, exitId);
  let index = afterId ? steps.findIndex((s) => s.id === afterId) + 1 : steps.length;
  if (index <= 0) index = steps.length;
  if (!afterId && type !== "exit" && steps.at(-1)?.type === "exit") index = steps.length - 1;
  const after = afterId ? steps.find((s) => s.id === afterId) : undefined;
  // An explicit `next` of the step we insert after now leads through the new step.
  if (after && typeof after.next === "string" && PORTS_OF[type].includes("next")) {
    step.next = after.next;
    steps = steps.map((s) => (s.id === afterId ? { ...s, next: step.id } : s));
  }
  steps = [...steps.slice(0, index), step, ...steps.slice(index)];
  return { definition: { ...d, steps }, id: step.id };
}

/** Removes a step; links that pointed at it follow to where it led (or to the next step). */
export function removeStep(d: Definition, id: string): Definition {
  const i = d.steps.findIndex((s) => s.id === id);
  if (i < 0 || d.steps.length <= 1) return d;
  const gone = d.steps[i]!;
  const onward =
    (typeof gone.next === "string" ? gone.next : undefined) ??
    (typeof gone.then === "string" ? gone.then : undefined) ??
    (typeof gone.onEvent === "string" ? gone.onEvent : undefined) ??
    d.steps[i + 1]?.id;
  const steps = d.steps
    .filter((s) => s.id !== id)
    .map((s) => {
      const copy: Step = { ...s };
      for (const port of PORTS_OF[s.type]) {
        if (copy[port] !== id) continue;
        if (onward && onward !== id) copy[port] = onward;
        else delete copy[port];
      }
      return copy;
    });
  return { ...d, steps };
}

/** Points a step's port at another step (dragging an edge on the canvas). */
export function connect(d: Definition, sourceId: string, port: Port, targetId: string): Definition {
  if (sourceId === targetId) return d;
  return {
    ...d,
    steps: d.steps.map((s) => (s.id === sourceId && PORTS_OF[s.type].includes(port) ? { ...s, [port]: targetId } : s)),
  };
}

export function updateStep(d: Definition, id: string, patch: Partial<Step>): Definition {
  return { ...d, steps: d.steps.map((s) => (s.id === id ? ({ ...s, ...patch } as Step) : s)) };
}

/** Which node a server field problem concerns (`steps.2.content.push.body` → the third step). */
export function nodeOfField(d: Definition, field: string): string | undefined {
  const m = /^steps\.(\d+)(\.|$)/.exec(field);
  if (m) return d.steps[Number(m[1])]?.id;
  if (field.startsWith("trigger") || field.startsWith("audience")) return TRIGGER_NODE;
  if (field.startsWith("variants") || field.startsWith("controlPercent")) return hasSplit(d) ? SPLIT_NODE : undefined;
  return undefined;
}
