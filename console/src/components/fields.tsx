import { type ReactNode, useId, useState } from "react";

export interface Problem {
  field: string;
  message: string;
}

/** The server's problems for exactly this field path (and anything below it). */
export function problemsAt(problems: Problem[], path: string): Problem[] {
  return problems.filter((p) => p.field === path || p.field.startsWith(`${path}.`));
}

function Field({
  label,
  problems,
  children,
  hint,
}: {
  label: string;
  problems: Problem[];
  hint?: string;
  children(id: string, describedBy?: string): ReactNode;
}) {
  const id = useId();
  const errId = useId();
  return (
    <div className={`field${problems.length ? " has-error" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, problems.length ? errId : undefined)}
      {hint && <span className="hint">{hint}</span>}
      {problems.length > 0 && (
        <span id={errId} className="error field-error">
          {problems.map((p) => p.message).join("; ")}
        </span>
      )}
    </div>
  );
}

export function TextField({
  label,
  value,
  onChange,
  problems = [],
  multiline,
  hint,
  placeholder,
}: {
  label: string;
  value: string | undefined;
  onChange(v: string | undefined): void;
  problems?: Problem[];
  multiline?: boolean;
  hint?: string;
  placeholder?: string;
}) {
  return (
    <Field label={label} problems={problems} hint={hint}>
      {(id, describedBy) =>
        multiline ? (
          <textarea
            id={id}
            rows={4}
            value={value ?? ""}
            placeholder={placeholder}
            aria-invalid={problems.length ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}
          />
        ) : (
          <input
            id={id}
            value={value ?? ""}
            placeholder={placeholder}
            aria-invalid={problems.length ? true : undefined}
            aria-describedby={describedBy}
            onChange={(e) => onChange(e.target.value === "" ? undefined : e.target.value)}
          />
        )
      }
    </Field>
  );
}

export function NumberField({
  label,
  value,
  onChange,
  problems = [],
  min,
  max,
  hint,
}: {
  label: string;
  value: number | undefined;
  onChange(v: number | undefined): void;
  problems?: Problem[];
  min?: number;
  max?: number;
  hint?: string;
}) {
  return (
    <Field label={label} problems={problems} hint={hint}>
      {(id, describedBy) => (
        <input
          id={id}
          type="number"
          min={min}
          max={max}
          value={value ?? ""}
          aria-invalid={problems.length ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
        />
      )}
    </Field>
  );
}

export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
  problems = [],
  hint,
}: {
  label: string;
  value: T | undefined;
  options: readonly (T | [T, string])[];
  onChange(v: T): void;
  problems?: Problem[];
  hint?: string;
}) {
  return (
    <Field label={label} problems={problems} hint={hint}>
      {(id, describedBy) => (
        <select
          id={id}
          value={value ?? ""}
          aria-invalid={problems.length ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => onChange(e.target.value as T)}
        >
          {value === undefined && <option value="">choose…</option>}
          {options.map((o) => {
            const [v, l] = Array.isArray(o) ? o : [o, o];
            return (
              <option key={v} value={v}>
                {l}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

/** A JSON value edited as text (conditions, filters): applied when it parses, its error shown otherwise. */
export function JsonField({
  label,
  value,
  onChange,
  problems = [],
  hint,
}: {
  label: string;
  value: unknown;
  onChange(v: unknown): void;
  problems?: Problem[];
  hint?: string;
}) {
  const [text, setText] = useState(() => (value === undefined ? "" : JSON.stringify(value, null, 2)));
  const [syntax, setSyntax] = useState<string | undefined>();
  const all = syntax ? [...problems, { field: label, message: syntax }] : problems;
  return (
    <Field label={label} problems={all} hint={hint}>
      {(id, describedBy) => (
        <textarea
          id={id}
          rows={5}
          className="mono"
          value={text}
          aria-invalid={all.length ? true : undefined}
          aria-describedby={describedBy}
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value.trim() === "") {
              setSyntax(undefined);
              return onChange(undefined);
            }
            try {
              onChange(JSON.parse(e.target.value));
              setSyntax(undefined);
            } catch (err) {
              setSyntax(`not valid JSON yet: ${(err as Error).message}`);
            }
          }}
        />
      )}
    </Field>
  );
}

/** A duration as the server takes it ({days, hours, minutes, seconds}), edited as one number and a unit. */
export function DurationField({
  label,
  value,
  onChange,
  problems = [],
}: {
  label: string;
  value: Record<string, number> | undefined;
  onChange(v: Record<string, number>): void;
  problems?: Problem[];
}) {
  const units = ["days", "hours", "minutes", "seconds"] as const;
  const unit = units.find((u) => value?.[u] !== undefined) ?? "hours";
  const amount = value?.[unit];
  const id = useId();
  const errId = useId();
  return (
    <fieldset className={`field duration${problems.length ? " has-error" : ""}`}>
      <legend>{label}</legend>
      <input
        id={id}
        aria-label={`${label}: amount`}
        type="number"
        min={0}
        value={amount ?? ""}
        aria-invalid={problems.length ? true : undefined}
        aria-describedby={problems.length ? errId : undefined}
        onChange={(e) => onChange({ [unit]: Number(e.target.value) })}
      />
      <select aria-label={`${label}: unit`} value={unit} onChange={(e) => onChange({ [e.target.value]: amount ?? 1 })}>
        {units.map((u) => (
          <option key={u} value={u}>
            {u}
          </option>
        ))}
      </select>
      {problems.length > 0 && (
        <span id={errId} className="error field-error">
          {problems.map((p) => p.message).join("; ")}
        </span>
      )}
    </fieldset>
  );
}
