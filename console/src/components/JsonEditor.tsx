import { useId } from "react";
import type { ApiError } from "../api/client";

/**
 * The exact JSON a campaign, segment or setting is stored as. The server validates; its field
 * problems are listed under the editor with the path they concern.
 */
export function JsonEditor({
  label,
  value,
  onChange,
  error,
  rows = 24,
}: {
  label: string;
  value: string;
  onChange(v: string): void;
  error?: ApiError | SyntaxError | null;
  rows?: number;
}) {
  const id = useId();
  const errId = useId();
  const problems = error && "problems" in error ? error.problems : [];
  return (
    <div className="json-editor">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={rows}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errId : undefined}
      />
      {error && (
        <div id={errId} className="error" role="alert">
          <p>{error.message}</p>
          {problems.length > 0 && (
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
    </div>
  );
}

/** Parses the editor's text, turning a JSON syntax error into a message with its position. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`Not valid JSON: ${(e as Error).message}`);
  }
}
