import { ConditionBuilder } from "../conditions/ConditionBuilder";
import { DurationField, NumberField, problemsAt, SelectField, TextField } from "../components/fields";
import { MessageFields } from "./MessageFields";
import {
  type Json,
  PORT_LABEL,
  PORTS_OF,
  type Port,
  removeStep,
  SPLIT_NODE,
  type Step,
  TRIGGER_NODE,
  updateStep,
} from "./model";
import type { PanelProps } from "./panel-props";
import { TriggerPanel } from "./TriggerPanel";

function SplitPanel({ definition: d, problems, onChange }: PanelProps) {
  const arms = d.variants ?? [{ id: "A", weight: 1 }];
  return (
    <>
      <h3>A/B split</h3>
      <p className="muted">
        Each person lands in the same arm every time (a stable hash). Content per arm is set on each message step.
      </p>
      {arms.map((a, i) => (
        <div key={i} className="arm">
          <TextField
            label={`Arm ${i + 1} id`}
            value={a.id}
            onChange={(v) => onChange({ ...d, variants: arms.map((x, j) => (j === i ? { ...x, id: v ?? "" } : x)) })}
            problems={problemsAt(problems, `variants.${i}.id`)}
          />
          <NumberField
            label={`Arm ${i + 1} weight`}
            min={0}
            value={a.weight}
            onChange={(v) => onChange({ ...d, variants: arms.map((x, j) => (j === i ? { ...x, weight: v ?? 1 } : x)) })}
            problems={problemsAt(problems, `variants.${i}.weight`)}
          />
        </div>
      ))}
      <div className="actions">
        <button
          type="button"
          onClick={() =>
            onChange({ ...d, variants: [...arms, { id: String.fromCharCode(65 + arms.length), weight: 1 }] })
          }
          disabled={arms.length >= 10}
        >
          Add arm
        </button>
        {arms.length > 1 && (
          <button type="button" className="danger" onClick={() => onChange({ ...d, variants: arms.slice(0, -1) })}>
            Remove last arm
          </button>
        )}
      </div>
      <NumberField
        label="Control group (%)"
        min={0}
        max={90}
        value={d.controlPercent ?? 0}
        onChange={(v) => onChange({ ...d, controlPercent: v ?? 0 })}
        problems={problemsAt(problems, "controlPercent")}
      />
    </>
  );
}

function StepFields(props: PanelProps & { step: Step }) {
  const { definition: d, step, problems, onChange } = props;
  const i = d.steps.findIndex((s) => s.id === step.id);
  const at = `steps.${i}`;
  const set = (patch: Partial<Step>) => onChange(updateStep(d, step.id, patch));
  const others = d.steps.filter((s) => s.id !== step.id).map((s) => [s.id, `${s.id} (${s.type})`] as [string, string]);
  return (
    <>
      <h3>{step.type.replaceAll("_", " ")} step</h3>
      <TextField
        label="Step id"
        value={step.id}
        problems={problemsAt(problems, `${at}.id`)}
        onChange={(v) => {
          if (!v) return;
          // Renaming keeps every link that pointed at the old id.
          const renamed = d.steps.map((s) => {
            const copy: Step = s.id === step.id ? { ...s, id: v } : { ...s };
            for (const port of PORTS_OF[s.type]) if (copy[port] === step.id) copy[port] = v;
            return copy;
          });
          onChange({ ...d, steps: renamed });
          props.onSelect(v);
        }}
      />
      {step.type === "message" && (
        <MessageFields
          step={step}
          at={at}
          problems={problems}
          set={set}
          arms={((d.variants as { id: string }[] | undefined) ?? [{ id: "A" }]).map((v) => v.id)}
        />
      )}
      {step.type === "delay" && (
        <>
          <DurationField
            label="Wait for"
            value={step.duration as Record<string, number>}
            onChange={(v) => set({ duration: v as Json, untilLocalTime: undefined })}
            problems={problemsAt(problems, `${at}.duration`)}
          />
          <TextField
            label="Or until local time (HH:MM)"
            value={step.untilLocalTime as string}
            onChange={(v) => set({ untilLocalTime: v, ...(v ? { duration: undefined } : {}) })}
            problems={problemsAt(problems, `${at}.untilLocalTime`)}
          />
        </>
      )}
      {step.type === "wait_for_event" && (
        <>
          <TextField
            label="Wait for event"
            value={step.event as string}
            onChange={(v) => set({ event: v })}
            problems={problemsAt(problems, `${at}.event`)}
          />
          <DurationField
            label="Give up after"
            value={step.timeout as Record<string, number>}
            onChange={(v) => set({ timeout: v as Json })}
            problems={problemsAt(problems, `${at}.timeout`)}
          />
        </>
      )}
      {step.type === "branch" && (
        <ConditionBuilder
          key={i}
          label="Condition"
          dialect="campaign"
          showJson={false}
          value={step.condition}
          onChange={(v) => set({ condition: v as Json })}
          problems={problemsAt(problems, `${at}.condition`)}
        />
      )}
      {PORTS_OF[step.type].map((port: Port) => (
        <SelectField
          key={port}
          label={port === "next" ? "Then go to" : `On ${PORT_LABEL[port]}, go to`}
          value={(step[port] as string | undefined) ?? (port === "next" ? "" : undefined)}
          options={[...(port === "next" ? [["", "the following step"] as [string, string]] : []), ...others]}
          onChange={(v) => set({ [port]: v === "" ? undefined : v })}
          problems={problemsAt(problems, `${at}.${port}`)}
        />
      ))}
      <div className="actions">
        <button
          type="button"
          className="danger"
          disabled={d.steps.length <= 1}
          onClick={() => onChange(removeStep(d, step.id))}
        >
          Delete step
        </button>
      </div>
    </>
  );
}

/** The side panel: what the selected node is, as form fields; the server's problems beside each field. */
export function NodePanel({ selected, ...props }: PanelProps & { selected: string }) {
  if (selected === TRIGGER_NODE) return <TriggerPanel {...props} />;
  if (selected === SPLIT_NODE) return <SplitPanel {...props} />;
  const step = props.definition.steps.find((s) => s.id === selected);
  // Keyed by position, not id: renaming the step must not remount the field being typed in.
  const index = props.definition.steps.indexOf(step!);
  return step ? <StepFields key={index} {...props} step={step} /> : <TriggerPanel {...props} />;
}
