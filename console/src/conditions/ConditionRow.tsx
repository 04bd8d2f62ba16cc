import { useState } from "react";
import {
  CHANNELS,
  CHURN,
  CONSENT,
  type Dialect,
  type Filter,
  formatValue,
  LIFECYCLE,
  newRow,
  PROPERTY_OPERATORS,
  type PropertyOperator,
  type PropertySource,
  parseValue,
  RFM,
  type Row,
} from "./model";

/** One condition of the builder: which field (property, lifecycle, RFM, churn, consent, loyal, an event done, raw JSON) and its value. */

export const FIELD_LABEL: Record<Row["kind"], string> = {
  property: "Property",
  lifecycle: "Lifecycle state",
  rfmSegment: "RFM group",
  churnBand: "Churn band",
  consent: "Consent",
  loyal: "Loyal",
  did: "Event",
  raw: "Other (JSON)",
};
const SOURCE_LABEL: Record<PropertySource, string> = {
  trait: "Trait",
  context: "Context (OS, app version…)",
  property: "Trigger event property",
  attr: "Person attribute",
  event: "Resuming event property",
  answer: "Survey answer",
};
const SOURCES: Record<Dialect, PropertySource[]> = {
  segment: ["trait", "context"],
  campaign: ["trait", "context", "property", "attr", "event", "answer"],
};
const OP_LABEL: Record<PropertyOperator, string> = {
  eq: "is",
  neq: "is not",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  in: "is one of",
  nin: "is none of",
  contains: "contains",
  not_contains: "does not contain",
  starts_with: "starts with",
  exists: "is set",
  not_exists: "is not set",
};

function Multi({
  label,
  options,
  value,
  onChange,
}: {
  label: string;
  options: string[];
  value: string[];
  onChange(v: string[]): void;
}) {
  return (
    <fieldset className="cond-multi">
      <legend className="visually-hidden">{label}</legend>
      {options.map((o) => (
        <label key={o} className="inline">
          <input
            type="checkbox"
            checked={value.includes(o)}
            onChange={(e) => onChange(e.target.checked ? [...value, o] : value.filter((x) => x !== o))}
          />{" "}
          {o}
        </label>
      ))}
    </fieldset>
  );
}

/** Property path, operator and value of one property filter (also a funnel step's filters). */
export function FilterInputs({ filter, onChange, what }: { filter: Filter; onChange(f: Filter): void; what: string }) {
  const [raw, setRaw] = useState(() => formatValue(filter.value));
  const presence = filter.op === "exists" || filter.op === "not_exists";
  return (
    <>
      <label>
        <span className="visually-hidden">{what}: property path</span>
        <input
          value={filter.property}
          placeholder="plan, app.version…"
          onChange={(e) => onChange({ ...filter, property: e.target.value })}
        />
      </label>
      <label>
        <span className="visually-hidden">{what}: operator</span>
        <select
          value={filter.op}
          onChange={(e) => {
            const op = e.target.value as PropertyOperator;
            const { value: _drop, ...rest } = filter;
            const value = parseValue(raw, op);
            onChange(value === undefined ? { ...rest, op } : { ...rest, op, value });
          }}
        >
          {PROPERTY_OPERATORS.map((o) => (
            <option key={o} value={o}>
              {OP_LABEL[o]}
            </option>
          ))}
        </select>
      </label>
      {!presence && (
        <label>
          <span className="visually-hidden">
            {what}: value{filter.op === "in" || filter.op === "nin" ? " (comma-separated)" : ""}
          </span>
          <input
            value={raw}
            placeholder={filter.op === "in" || filter.op === "nin" ? "a, b, c" : "value (3.2.0 compares as a version)"}
            onChange={(e) => {
              setRaw(e.target.value);
              onChange({ ...filter, value: parseValue(e.target.value, filter.op) });
            }}
          />
        </label>
      )}
    </>
  );
}

export function RowView({
  row,
  n,
  dialect,
  onChange,
}: {
  row: Row;
  n: number;
  dialect: Dialect;
  onChange(r: Row | null): void;
}) {
  const what = `Condition ${n}`;
  const [rawText, setRawText] = useState(() => (row.kind === "raw" ? JSON.stringify(row.json) : ""));
  const [rawError, setRawError] = useState<string | null>(null);
  return (
    <fieldset className="cond-row">
      <legend className="visually-hidden">
        {what}: {FIELD_LABEL[row.kind]}
      </legend>
      <label>
        <span className="visually-hidden">{what}: field</span>
        <select value={row.kind} onChange={(e) => onChange(newRow(e.target.value as Row["kind"], dialect))}>
          {(Object.keys(FIELD_LABEL) as Row["kind"][]).map((k) => (
            <option key={k} value={k}>
              {FIELD_LABEL[k]}
            </option>
          ))}
        </select>
      </label>
      {row.kind === "property" && (
        <>
          <label>
            <span className="visually-hidden">{what}: read from</span>
            <select value={row.source} onChange={(e) => onChange({ ...row, source: e.target.value as PropertySource })}>
              {SOURCES[dialect].map((s) => (
                <option key={s} value={s}>
                  {SOURCE_LABEL[s]}
                </option>
              ))}
            </select>
          </label>
          <FilterInputs what={what} filter={row.filter} onChange={(filter) => onChange({ ...row, filter })} />
        </>
      )}
      {row.kind === "lifecycle" && (
        <Multi
          label={`${what}: states`}
          options={LIFECYCLE}
          value={row.in}
          onChange={(v) => onChange({ ...row, in: v })}
        />
      )}
      {row.kind === "rfmSegment" && (
        <Multi
          label={`${what}: RFM groups`}
          options={RFM}
          value={row.in}
          onChange={(v) => onChange({ ...row, in: v })}
        />
      )}
      {row.kind === "churnBand" && (
        <Multi label={`${what}: bands`} options={CHURN} value={row.in} onChange={(v) => onChange({ ...row, in: v })} />
      )}
      {row.kind === "consent" && (
        <>
          <label>
            <span className="visually-hidden">{what}: channel</span>
            <select value={row.channel} onChange={(e) => onChange({ ...row, channel: e.target.value })}>
              {CHANNELS.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
          <label>
            <span className="visually-hidden">{what}: status</span>
            <select value={row.status} onChange={(e) => onChange({ ...row, status: e.target.value })}>
              {CONSENT.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </label>
        </>
      )}
      {row.kind === "loyal" && (
        <label className="inline">
          <input type="checkbox" checked={row.value} onChange={(e) => onChange({ ...row, value: e.target.checked })} />{" "}
          is loyal
        </label>
      )}
      {row.kind === "did" && (
        <>
          <label>
            <span className="visually-hidden">{what}: did or did not</span>
            <select
              value={row.did ? "did" : "didNot"}
              onChange={(e) => onChange({ ...row, did: e.target.value === "did" })}
            >
              <option value="did">did</option>
              <option value="didNot">did not do</option>
            </select>
          </label>
          <label>
            <span className="visually-hidden">{what}: event name</span>
            <input
              value={row.event}
              placeholder="Order Completed"
              onChange={(e) => onChange({ ...row, event: e.target.value })}
            />
          </label>
          {row.did && (
            <label>
              <span>at least</span>
              <input
                type="number"
                min={dialect === "segment" ? 0 : 1}
                className="narrow"
                value={row.atLeast ?? ""}
                onChange={(e) => {
                  const { atLeast: _a, ...rest } = row;
                  onChange(e.target.value === "" ? rest : { ...rest, atLeast: Number(e.target.value) });
                }}
              />
              <span>times</span>
            </label>
          )}
          <label>
            <span>within</span>
            <input
              className="narrow"
              value={row.within}
              placeholder={dialect === "segment" ? "30d" : "any time"}
              onChange={(e) => onChange({ ...row, within: e.target.value })}
            />
          </label>
          {row.where.map((f, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: filters have no identity beyond their place
            <span key={i} className="cond-where">
              <span>where</span>
              <FilterInputs
                what={`${what} property filter ${i + 1}`}
                filter={f}
                onChange={(nf) => onChange({ ...row, where: row.where.map((x, j) => (j === i ? nf : x)) })}
              />
              <button
                type="button"
                className="cond-link"
                onClick={() => onChange({ ...row, where: row.where.filter((_, j) => j !== i) })}
              >
                Remove filter {i + 1}
              </button>
            </span>
          ))}
          <button
            type="button"
            className="cond-link"
            onClick={() => onChange({ ...row, where: [...row.where, { property: "", op: "eq", value: "" }] })}
          >
            Add property filter
          </button>
        </>
      )}
      {row.kind === "raw" && (
        <label className="grow">
          <span className="visually-hidden">{what}: JSON</span>
          <input
            className="mono"
            value={rawText}
            aria-invalid={rawError ? true : undefined}
            onChange={(e) => {
              setRawText(e.target.value);
              try {
                onChange({ kind: "raw", json: JSON.parse(e.target.value) });
                setRawError(null);
              } catch (err) {
                setRawError((err as Error).message);
              }
            }}
          />
          {rawError && <span className="error">{rawError}</span>}
        </label>
      )}
      <button type="button" className="cond-link" onClick={() => onChange(null)}>
        Remove condition {n}
      </button>
    </fieldset>
  );
}
