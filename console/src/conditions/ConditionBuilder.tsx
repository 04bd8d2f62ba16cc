import { useId, useState } from "react";
import { type Dialect, fromModel, type Group, type Node, newRow, type Row, toModel, updateAt } from "./model";

import { FIELD_LABEL, RowView } from "./ConditionRow";

/**
 * A visual editor over a condition (segment filter, campaign audience or branch), with its JSON
 * beside it. Both stay in sync: builder edits rewrite the JSON; valid JSON typed in the text
 * rebuilds the builder, invalid JSON shows the parse error and leaves the builder as it was.
 */
export function ConditionBuilder({
  label,
  value,
  onChange,
  dialect,
  showJson = true,
  problems = [],
}: {
  label: string;
  value: unknown;
  onChange(v: unknown): void;
  dialect: Dialect;
  showJson?: boolean;
  /** The server's field problems for this condition. */
  problems?: { field: string; message: string }[];
}) {
  const [model, setModel] = useState<Group>(() =>
    value === undefined ? { kind: "group", op: "and", negate: false, children: [] } : toModel(value, dialect),
  );
  // Rebuilding the builder from typed JSON remounts its rows, so their half-typed inputs start afresh.
  const [generation, setGeneration] = useState(0);
  const [text, setText] = useState(() => JSON.stringify(value ?? fromModel(model, dialect), null, 2));
  const [error, setError] = useState<string | null>(null);
  const [jsonOpen, setJsonOpen] = useState(showJson);
  const textId = useId();
  const errId = useId();

  const edit = (next: Group) => {
    setModel(next);
    const json = fromModel(next, dialect);
    setText(JSON.stringify(json, null, 2));
    setError(null);
    onChange(json);
  };
  const typed = (t: string) => {
    setText(t);
    try {
      const json = JSON.parse(t) as unknown;
      setModel(toModel(json, dialect));
      setGeneration((g) => g + 1);
      setError(null);
      onChange(json);
    } catch (e) {
      setError(`Not valid JSON: ${(e as Error).message}`);
    }
  };

  return (
    <fieldset className="cond-builder">
      <legend>{label}</legend>
      <GroupView key={generation} group={model} path={[]} root={model} dialect={dialect} onRoot={edit} depth={0} />
      {problems.length > 0 && (
        <ul className="error" role="alert">
          {problems.map((p) => (
            <li key={p.field + p.message}>
              <code>{p.field}</code>: {p.message}
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="cond-link" aria-expanded={jsonOpen} onClick={() => setJsonOpen(!jsonOpen)}>
        {jsonOpen ? "Hide JSON" : "JSON"}
      </button>
      {jsonOpen && (
        <div className="cond-json">
          <label htmlFor={textId}>{label} as JSON</label>
          <textarea
            id={textId}
            className="mono"
            rows={10}
            spellCheck={false}
            value={text}
            onChange={(e) => typed(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errId : undefined}
          />
          {error && (
            <p id={errId} className="error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </fieldset>
  );
}

interface Ctx {
  root: Group;
  path: number[];
  dialect: Dialect;
  onRoot(g: Group): void;
}

function GroupView({ group, depth, ...ctx }: Ctx & { group: Group; depth: number }) {
  const set = (g: Group) => ctx.onRoot(ctx.path.length ? updateAt(ctx.root, ctx.path, g) : g);
  const [adding, setAdding] = useState<Row["kind"]>("property");
  const addId = useId();
  const name = depth === 0 ? "Conditions" : `Group at level ${depth + 1}`;
  return (
    <section className={`cond-group depth-${depth}`} aria-label={name}>
      <div className="cond-group-head">
        <label>
          <span className="visually-hidden">{name}: combine with</span>
          <select value={group.op} onChange={(e) => set({ ...group, op: e.target.value as "and" | "or" })}>
            <option value="and">All of (AND)</option>
            <option value="or">Any of (OR)</option>
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" checked={group.negate} onChange={(e) => set({ ...group, negate: e.target.checked })} />{" "}
          None of these (NOT)
        </label>
        {depth > 0 && (
          <button type="button" className="cond-link" onClick={() => ctx.onRoot(updateAt(ctx.root, ctx.path, null))}>
            Remove group
          </button>
        )}
      </div>
      {group.children.length === 0 && <p className="muted">No conditions yet: everyone matches. Add one below.</p>}
      <ol className="cond-rows">
        {group.children.map((child, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
          <li key={`${i}-${child.kind}`}>
            {child.kind === "group" ? (
              <GroupView {...ctx} group={child} path={[...ctx.path, i]} depth={depth + 1} />
            ) : (
              <RowView
                row={child}
                n={i + 1}
                dialect={ctx.dialect}
                onChange={(r) => ctx.onRoot(updateAt(ctx.root, [...ctx.path, i], r))}
              />
            )}
          </li>
        ))}
      </ol>
      <div className="cond-add">
        <label htmlFor={addId}>New condition in {name.toLowerCase()}</label>
        <select id={addId} value={adding} onChange={(e) => setAdding(e.target.value as Row["kind"])}>
          {(Object.keys(FIELD_LABEL) as Row["kind"][]).map((k) => (
            <option key={k} value={k}>
              {FIELD_LABEL[k]}
            </option>
          ))}
        </select>
        <button
          type="button"
          onClick={() => set({ ...group, children: [...group.children, newRow(adding, ctx.dialect)] })}
        >
          Add condition
        </button>
        {depth < 4 && (
          <button
            type="button"
            onClick={() =>
              set({
                ...group,
                children: [
                  ...group.children,
                  { kind: "group", op: group.op === "and" ? "or" : "and", negate: false, children: [] },
                ],
              })
            }
          >
            Add group
          </button>
        )}
      </div>
    </section>
  );
}

export type { Node };
