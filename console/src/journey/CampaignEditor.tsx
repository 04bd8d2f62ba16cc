import { useMemo, useState } from "react";
import type { ApiError } from "../api/client";
import { JsonEditor } from "../components/JsonEditor";
import { NodePanel } from "./panels";
import { JourneyCanvas } from "./JourneyCanvas";
import { addStep, type Definition, graphOf, nodeOfField, type StepType, TRIGGER_NODE } from "./model";

const ADDABLE: [StepType, string][] = [
  ["message", "Message"],
  ["delay", "Delay"],
  ["wait_for_event", "Wait for event"],
  ["branch", "Branch"],
  ["exit", "Exit"],
];

/**
 * The campaign editor: the journey on a canvas with a side panel per node, and the exact JSON
 * beside it — one definition, so the two never disagree. Server problems mark their node and
 * field. Everything on the canvas can also be done from the outline and the panels by keyboard.
 */
export function CampaignEditor({
  definition,
  onChange,
  error,
}: {
  definition: Definition;
  onChange(d: Definition): void;
  error: ApiError | null;
}) {
  const [tab, setTab] = useState<"canvas" | "json">("canvas");
  const [selected, setSelected] = useState<string>(TRIGGER_NODE);
  const [text, setText] = useState<string | null>(null);
  const [syntax, setSyntax] = useState<SyntaxError | null>(null);
  const problems = useMemo(() => error?.problems ?? [], [error]);
  const invalidNodes = useMemo(
    () => new Set(problems.map((p) => nodeOfField(definition, p.field)).filter((x): x is string => !!x)),
    [problems, definition],
  );
  // JSON edits can produce any shape; the canvas needs a trigger and a list of steps.
  const drawable =
    typeof definition === "object" &&
    definition !== null &&
    Array.isArray(definition.steps) &&
    typeof definition.trigger === "object" &&
    definition.trigger !== null &&
    definition.steps.every((s) => s && typeof s === "object" && typeof s.id === "string");
  const outline = drawable ? graphOf(definition).nodes : [];

  const add = (type: StepType) => {
    const after = definition.steps.some((s) => s.id === selected) ? selected : undefined;
    const r = addStep(definition, type, after);
    onChange(r.definition);
    setSelected(r.id);
  };

  return (
    <div className="editor">
      <div className="tabs" role="tablist" aria-label="Editor view">
        <button
          type="button"
          role="tab"
          id="tab-canvas"
          aria-selected={tab === "canvas"}
          aria-controls="panel-canvas"
          disabled={!drawable || !!syntax}
          onClick={() => setTab("canvas")}
        >
          Canvas
        </button>
        <button
          type="button"
          role="tab"
          id="tab-json"
          aria-selected={tab === "json"}
          aria-controls="panel-json"
          onClick={() => {
            setText(JSON.stringify(definition, null, 2));
            setSyntax(null);
            setTab("json");
          }}
        >
          JSON
        </button>
      </div>
      {error && (
        <div className="error-state" role="alert">
          <p>
            <strong>Not saved:</strong> {error.message}
          </p>
          {problems.length > 1 && (
            <ul>
              {problems.map((p) => (
                <li key={p.field + p.message}>
                  <code>{p.field}</code>: {p.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {tab === "canvas" && !drawable && (
        <p className="error" role="alert">
          This definition has no trigger or steps to draw: fix it in the JSON view.
        </p>
      )}
      {tab === "canvas" && drawable ? (
        <div id="panel-canvas" role="tabpanel" aria-labelledby="tab-canvas" className="editor-body">
          <div className="editor-main">
            <div className="palette" role="toolbar" aria-label="Add a step">
              <span className="muted">Add after the selected step:</span>
              {ADDABLE.map(([type, label]) => (
                <button key={type} type="button" onClick={() => add(type)}>
                  + {label}
                </button>
              ))}
            </div>
            <JourneyCanvas
              definition={definition}
              selected={selected}
              onSelect={setSelected}
              onChange={onChange}
              invalidNodes={invalidNodes}
            />
            <nav aria-label="Journey outline" className="outline">
              <ol>
                {outline.map((n) => (
                  <li key={n.id}>
                    <button
                      type="button"
                      aria-current={n.id === selected ? "true" : undefined}
                      className={invalidNodes.has(n.id) ? "invalid" : undefined}
                      onClick={() => setSelected(n.id)}
                    >
                      {n.kind === "trigger"
                        ? "Entry and goal"
                        : n.kind === "split"
                          ? "A/B split"
                          : `${n.id} (${n.kind.replaceAll("_", " ")})`}
                      {invalidNodes.has(n.id) && <span className="visually-hidden"> (has problems)</span>}
                    </button>
                  </li>
                ))}
              </ol>
            </nav>
          </div>
          <aside className="side-panel" aria-label="Selected node">
            <NodePanel
              selected={selected}
              definition={definition}
              problems={problems}
              onChange={onChange}
              onSelect={setSelected}
            />
          </aside>
        </div>
      ) : tab === "json" ? (
        <div id="panel-json" role="tabpanel" aria-labelledby="tab-json">
          <JsonEditor
            label="Campaign definition (JSON)"
            value={text ?? JSON.stringify(definition, null, 2)}
            onChange={(v) => {
              setText(v);
              try {
                onChange(JSON.parse(v) as Definition);
                setSyntax(null);
              } catch (e) {
                setSyntax(new SyntaxError(`Not valid JSON: ${(e as Error).message}`));
              }
            }}
            error={syntax}
          />
          {!drawable && !syntax && <p className="hint">The canvas needs a trigger and steps with ids.</p>}
        </div>
      ) : null}
    </div>
  );
}
