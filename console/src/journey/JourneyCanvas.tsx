import dagre from "@dagrejs/dagre";
import {
  Background,
  Controls,
  type Edge,
  Handle,
  type Node,
  type NodeChange,
  type NodeProps,
  Position,
  ReactFlow,
  useNodesState,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { memo, useEffect, useMemo, useRef } from "react";
import {
  connect,
  type Definition,
  graphOf,
  PORT_LABEL,
  PORTS_OF,
  type Port,
  SPLIT_NODE,
  type Step,
  TRIGGER_NODE,
} from "./model";

const WIDTH = 230;
const HEIGHT = 74;

interface CardData extends Record<string, unknown> {
  title: string;
  summary: string;
  kind: string;
  ports: Port[];
  invalid: boolean;
}

function summaryOf(d: Definition, step?: Step): string {
  if (!step) {
    const t = d.trigger;
    if (t.type === "event") return `when ${String(t.event ?? "…")}`;
    if (t.type === "inaction") {
      const w = (t.within ?? {}) as Record<string, number>;
      const [unit, n] = Object.entries(w)[0] ?? ["minutes", 0];
      return `${String((t.start as { event?: string } | undefined)?.event ?? "…")}, no ${String((t.cancel as { event?: string } | undefined)?.event ?? "…")} in ${n} ${unit}`;
    }
    if (t.type === "lifecycle") return `${String(t.from)} → ${String(t.to)}`;
    return t.type;
  }
  switch (step.type) {
    case "message":
      return ((step.channels as string[] | undefined) ?? []).join(" → ") || "no channel";
    case "delay": {
      if (step.untilLocalTime) return `until ${String(step.untilLocalTime)} local`;
      const [unit, n] = Object.entries((step.duration ?? {}) as Record<string, number>)[0] ?? ["", ""];
      return `wait ${n} ${unit}`;
    }
    case "wait_for_event":
      return `for ${String(step.event ?? "…")}`;
    case "branch":
      return JSON.stringify(step.condition ?? {}).slice(0, 40);
    case "exit":
      return "end of journey";
  }
}

/** A node card: its kind, id and one line; a handle per outgoing link, labelled (yes/no, event/timeout). */
const Card = memo(function Card({ data, selected }: NodeProps<Node<CardData>>) {
  return (
    <div className={`jnode jnode-${data.kind}${selected ? " selected" : ""}${data.invalid ? " invalid" : ""}`}>
      {data.kind !== "trigger" && <Handle type="target" position={Position.Top} />}
      <div className="jnode-kind">{data.kind.replaceAll("_", " ")}</div>
      <div className="jnode-title">{data.title}</div>
      <div className="jnode-summary">{data.summary}</div>
      {data.invalid && <div className="jnode-error">needs attention</div>}
      {data.ports.map((port, i) => (
        <Handle
          key={port}
          id={port}
          type="source"
          position={Position.Bottom}
          style={{ left: `${((i + 1) * 100) / (data.ports.length + 1)}%` }}
        >
          {PORT_LABEL[port] && <span className="port-label">{PORT_LABEL[port]}</span>}
        </Handle>
      ))}
      {(data.kind === "trigger" || data.kind === "split") && (
        <Handle type="source" position={Position.Bottom} id="start" isConnectable={false} />
      )}
    </div>
  );
});
const nodeTypes = { card: Card };

/** Lays the journey out top to bottom (dagre), recomputed from the definition on every change. */
function layout(d: Definition, invalidNodes: Set<string>): { nodes: Node<CardData>[]; edges: Edge[] } {
  const graph = graphOf(d);
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 40, ranksep: 60 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: WIDTH, height: HEIGHT });
  for (const e of graph.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const nodes = graph.nodes.map((n): Node<CardData> => {
    const p = g.node(n.id);
    const step = n.stepIndex !== undefined ? d.steps[n.stepIndex] : undefined;
    const title =
      n.id === TRIGGER_NODE
        ? d.trigger.type
        : n.id === SPLIT_NODE
          ? `${(d.variants ?? [{ id: "A" }]).map((v) => v.id).join(" / ")}${d.controlPercent ? ` + ${d.controlPercent}% control` : ""}`
          : n.id;
    return {
      id: n.id,
      type: "card",
      position: { x: p.x - WIDTH / 2, y: p.y - HEIGHT / 2 },
      data: {
        kind: n.kind,
        title,
        summary: n.id === SPLIT_NODE ? "A/B split" : summaryOf(d, step),
        ports: step ? PORTS_OF[step.type] : [],
        invalid: invalidNodes.has(n.id),
      },
      ariaLabel: `${n.kind.replaceAll("_", " ")} ${title}`,
    };
  });
  const edges = graph.edges.map(
    (e): Edge => ({
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: e.port,
      label: e.port !== "start" ? PORT_LABEL[e.port] || undefined : undefined,
      animated: false,
      className: e.implicit ? "implicit" : undefined,
    }),
  );
  return { nodes, edges };
}

export function JourneyCanvas({
  definition,
  selected,
  onSelect,
  onChange,
  invalidNodes,
}: {
  definition: Definition;
  selected: string;
  onSelect(id: string): void;
  onChange(d: Definition): void;
  invalidNodes: Set<string>;
}) {
  const laidOut = useMemo(() => layout(definition, invalidNodes), [definition, invalidNodes]);
  // xyflow keeps each node's measured size on the node objects, so they live in its state;
  // a new layout replaces them, keeping sizes and where the marketer dragged a node.
  const [nodes, setNodes, applyChanges] = useNodesState<Node<CardData>>([]);
  const moved = useRef(new Map<string, { x: number; y: number }>());
  useEffect(() => {
    setNodes((prev) =>
      laidOut.nodes.map((n) => {
        const old = prev.find((p) => p.id === n.id);
        return {
          ...n,
          position: moved.current.get(n.id) ?? n.position,
          selected: n.id === selected,
          ...(old?.measured ? { measured: old.measured } : {}),
        };
      }),
    );
  }, [laidOut, selected, setNodes]);
  const onNodesChange = (changes: NodeChange<Node<CardData>>[]) => {
    for (const c of changes) if (c.type === "position" && c.position && c.dragging) moved.current.set(c.id, c.position);
    // Selection and removal belong to the editor (the panel and the definition), not to xyflow.
    applyChanges(changes.filter((c) => c.type === "position" || c.type === "dimensions"));
  };
  const edges = laidOut.edges;
  return (
    <div className="canvas" role="group" aria-label="Journey canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onNodeClick={(_e, n) => onSelect(n.id)}
        onConnect={(c) =>
          c.source &&
          c.target &&
          c.sourceHandle &&
          onChange(connect(definition, c.source, c.sourceHandle as Port, c.target))
        }
        nodesDraggable
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
        deleteKeyCode={null}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
