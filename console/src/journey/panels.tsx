import { useState } from "react";
import { MessagePreview, type PreviewProblem } from "../composer/MessagePreview";
import {
  type Button,
  ButtonsFields,
  contentProblems,
  FIRST_QUESTION,
  ImageFields,
  type Question,
  QuestionsFields,
} from "../composer/ContentFields";
import { ConditionBuilder } from "../conditions/ConditionBuilder";
import {
  DurationField,
  JsonField,
  NumberField,
  type Problem,
  problemsAt,
  SelectField,
  TextField,
} from "../components/fields";
import {
  type Definition,
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

type Obj = { [k: string]: unknown };
const CHANNELS = ["push", "in_app", "email", "sms", "whatsapp", "content_card", "webhook"] as const;
type Channel = (typeof CHANNELS)[number];
const DEFAULT_CONTENT: Record<Channel, Obj> = {
  push: { title: "Title", body: "Message" },
  in_app: { type: "modal", title: "Title", body: "Message" },
  email: { subject: "Subject", html: "<p>Hello {{ user.first_name }}</p>" },
  sms: { body: "Message" },
  whatsapp: { body: "Message" },
  content_card: { title: "Title", body: "Message" },
  webhook: { url: "https://example.com/hook" },
};
/** The fields each channel's composer shows (the rest stay editable in the JSON). */
const CONTENT_FIELDS: Record<Channel, [key: string, label: string, multiline?: boolean][]> = {
  push: [
    ["title", "Title"],
    ["body", "Body", true],
    ["deepLink", "Deep link"],
  ],
  in_app: [
    ["title", "Title"],
    ["body", "Body", true],
  ],
  email: [
    ["subject", "Subject"],
    ["html", "HTML body", true],
    ["text", "Text body", true],
  ],
  sms: [["body", "Body", true]],
  whatsapp: [["body", "Body", true]],
  content_card: [
    ["title", "Title"],
    ["body", "Body", true],
    ["deepLink", "Deep link"],
  ],
  webhook: [["url", "URL"]],
};
/** Content keys edited by the structured fields (src: console/src/composer/ContentFields.tsx): their problems show there. */
const STRUCTURED_FIELDS = ["imageUrl", "imageAlt", "buttons", "questions", "submitLabel", "linkLabel"];
const TRIGGER_TYPES = [
  ["event", "Event happens"],
  ["inaction", "Abandonment (did X, not Y within)"],
  ["lifecycle", "Lifecycle change"],
  ["geofence", "Geofence"],
  ["beacon", "Beacon region"],
  ["segment", "Segment entered/exited"],
  ["broadcast", "Broadcast (scheduled)"],
  ["api", "API (transactional)"],
] as const;
const TRIGGER_DEFAULTS: Record<string, Obj> = {
  event: { type: "event", event: "Signed Up" },
  inaction: {
    type: "inaction",
    start: { event: "Product Added" },
    cancel: { event: "Order Completed" },
    key: "cart_id",
    within: { minutes: 30 },
  },
  lifecycle: { type: "lifecycle", from: "active", to: "dormant" },
  geofence: { type: "geofence", on: "enter" },
  beacon: { type: "beacon", on: "enter" },
  segment: { type: "segment", segmentId: "", on: "enter" },
  broadcast: { type: "broadcast", at: new Date(Date.now() + 86_400_000).toISOString() },
  api: { type: "api" },
};

interface PanelProps {
  definition: Definition;
  problems: Problem[];
  onChange(d: Definition): void;
  /** Follows a renamed step, so the panel stays on it. */
  onSelect(id: string): void;
}

function TriggerPanel({ definition: d, problems, onChange }: PanelProps) {
  const t = d.trigger as Obj & { type: string };
  const set = (patch: Obj) => onChange({ ...d, trigger: { ...t, ...patch } as Definition["trigger"] });
  const sub = (key: string) => (t[key] ?? {}) as Obj;
  const goal = d.goal as Obj | undefined;
  return (
    <>
      <h3>Entry</h3>
      <TextField
        label="Campaign name"
        value={d.name}
        onChange={(v) => onChange({ ...d, name: v ?? "" })}
        problems={problemsAt(problems, "name")}
      />
      <SelectField
        label="Trigger"
        value={t.type}
        options={TRIGGER_TYPES.map(([v, l]) => [v, l] as [string, string])}
        onChange={(type) => onChange({ ...d, trigger: TRIGGER_DEFAULTS[type] as Definition["trigger"] })}
        problems={problemsAt(problems, "trigger.type")}
      />
      {t.type === "event" && (
        <TextField
          label="Event"
          value={t.event as string}
          onChange={(v) => set({ event: v })}
          problems={problemsAt(problems, "trigger.event")}
        />
      )}
      {t.type === "inaction" && (
        <>
          <TextField
            label="Started by event"
            value={sub("start").event as string}
            onChange={(v) => set({ start: { ...sub("start"), event: v } })}
            problems={problemsAt(problems, "trigger.start")}
          />
          <TextField
            label="Cancelled by event"
            value={sub("cancel").event as string}
            onChange={(v) => set({ cancel: { ...sub("cancel"), event: v } })}
            problems={problemsAt(problems, "trigger.cancel")}
          />
          <TextField
            label="Matched on property (key)"
            value={t.key as string}
            onChange={(v) => set({ key: v })}
            hint="e.g. cart_id: each cart its own timer"
            problems={problemsAt(problems, "trigger.key")}
          />
          <DurationField
            label="Remind after"
            value={t.within as Record<string, number>}
            onChange={(v) => set({ within: v })}
            problems={problemsAt(problems, "trigger.within")}
          />
        </>
      )}
      {t.type === "lifecycle" && (
        <>
          <SelectField
            label="From"
            value={t.from as string}
            options={["*", "new", "active", "dormant", "churned"]}
            onChange={(v) => set({ from: v })}
            problems={problemsAt(problems, "trigger.from")}
          />
          <SelectField
            label="To"
            value={t.to as string}
            options={["new", "active", "dormant", "churned"]}
            onChange={(v) => set({ to: v })}
            problems={problemsAt(problems, "trigger.to")}
          />
        </>
      )}
      {(t.type === "geofence" || t.type === "beacon") && (
        <>
          <SelectField
            label="On"
            value={t.on as string}
            options={["enter", "exit", "dwell"]}
            onChange={(v) => set({ on: v })}
            problems={problemsAt(problems, "trigger.on")}
          />
          <TextField
            label="Tags (comma separated)"
            value={((t.tags as string[] | undefined) ?? []).join(", ")}
            onChange={(v) =>
              set({
                tags: v
                  ? v
                      .split(",")
                      .map((s) => s.trim())
                      .filter(Boolean)
                  : undefined,
              })
            }
            problems={problemsAt(problems, "trigger.tags")}
          />
        </>
      )}
      {t.type === "segment" && (
        <>
          <TextField
            label="Segment id"
            value={t.segmentId as string}
            onChange={(v) => set({ segmentId: v })}
            problems={problemsAt(problems, "trigger.segmentId")}
          />
          <SelectField
            label="On"
            value={t.on as string}
            options={["enter", "exit"]}
            onChange={(v) => set({ on: v })}
            problems={problemsAt(problems, "trigger.on")}
          />
        </>
      )}
      {t.type === "broadcast" && (
        <TextField
          label="At (ISO time)"
          value={t.at as string}
          onChange={(v) => set({ at: v })}
          problems={problemsAt(problems, "trigger.at")}
          hint="recurring schedules and local time: edit in JSON"
        />
      )}
      <ConditionBuilder
        label="Audience (optional; no conditions = everyone)"
        dialect="campaign"
        showJson={false}
        value={d.audience}
        onChange={(v) => {
          const empty =
            !!v &&
            typeof v === "object" &&
            Array.isArray((v as { all?: unknown }).all) &&
            !(v as { all: unknown[] }).all.length;
          onChange({ ...d, audience: empty ? undefined : (v as Json) });
        }}
        problems={problemsAt(problems, "audience")}
      />
      <SelectField
        label="Re-entry"
        value={typeof d.reentry === "string" ? d.reentry : d.reentry ? "cooldown" : "every_time"}
        options={[
          ["every_time", "every time"],
          ["once", "once"],
          ["cooldown", "after a cooldown"],
        ]}
        onChange={(v) => onChange({ ...d, reentry: v === "cooldown" ? { cooldownHours: 24 } : v })}
        problems={problemsAt(problems, "reentry")}
      />
      {d.reentry && typeof d.reentry === "object" && (
        <NumberField
          label="Cooldown (hours)"
          value={(d.reentry as Obj).cooldownHours as number}
          onChange={(v) => onChange({ ...d, reentry: { cooldownHours: v ?? 24 } })}
          problems={problemsAt(problems, "reentry")}
        />
      )}
      <h3>Goal</h3>
      <TextField
        label="Conversion event"
        value={goal?.event as string}
        onChange={(v) => onChange({ ...d, goal: v ? { ...(goal ?? {}), event: v } : undefined })}
        problems={problemsAt(problems, "goal")}
        hint="empty: no conversion goal"
      />
      {goal && (
        <NumberField
          label="Within (hours after entry)"
          value={goal.windowHours as number}
          onChange={(v) => onChange({ ...d, goal: { ...goal, windowHours: v } })}
          problems={problemsAt(problems, "goal.windowHours")}
        />
      )}
      <NumberField
        label="Control group (%)"
        min={0}
        max={90}
        value={d.controlPercent ?? 0}
        onChange={(v) => onChange({ ...d, controlPercent: v ?? 0 })}
        problems={problemsAt(problems, "controlPercent")}
        hint="held out: no messages, conversions measured"
      />
    </>
  );
}

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

function MessageFields({
  step,
  at,
  arms,
  problems: saveProblems,
  set,
}: {
  step: Step;
  at: string;
  problems: Problem[];
  set(patch: Partial<Step>): void;
  arms: string[];
}) {
  const channels = (step.channels as Channel[]) ?? [];
  const content = (step.content ?? {}) as Record<string, Obj>;
  // The preview's template problems (`content.push.title`), shown beside the same fields as the save's.
  const [previewProblems, setPreviewProblems] = useState<PreviewProblem[]>([]);
  const problems = [
    ...saveProblems,
    ...previewProblems.map((p) => ({ ...p, field: `${at}.${p.field}` })),
    ...channels.flatMap((ch) => contentProblems(ch, content[ch], `${at}.content.${ch}`)),
  ];
  const setChannel = (ch: Channel, patch: Obj) =>
    set({ content: { ...content, [ch]: { ...content[ch], ...patch } } as Json });
  const toggle = (ch: Channel, on: boolean) => {
    const next = on ? [...channels, ch] : channels.filter((c) => c !== ch);
    const nextContent = { ...content };
    if (on && !nextContent[ch]) nextContent[ch] = DEFAULT_CONTENT[ch];
    if (!on) delete nextContent[ch];
    set({ channels: next, content: nextContent as Json });
  };
  return (
    <>
      <fieldset className={`field${problemsAt(problems, `${at}.channels`).length ? " has-error" : ""}`}>
        <legend>Channels, in fallback order (the first the person can receive is used)</legend>
        {CHANNELS.map((ch) => (
          <label key={ch} className="check">
            <input type="checkbox" checked={channels.includes(ch)} onChange={(e) => toggle(ch, e.target.checked)} />{" "}
            {ch}
            {channels.includes(ch) && <span className="muted"> #{channels.indexOf(ch) + 1}</span>}
          </label>
        ))}
        {problemsAt(problems, `${at}.channels`).map((p) => (
          <span key={p.field} className="error field-error">
            {p.message}
          </span>
        ))}
      </fieldset>
      {channels.map((ch) => (
        <fieldset key={ch} className="channel">
          <legend>{ch}</legend>
          {ch === "in_app" && (
            <SelectField
              label="In-app type"
              value={content.in_app?.type as string}
              options={["modal", "banner", "fullscreen", "survey"]}
              onChange={(v) =>
                setChannel(
                  "in_app",
                  // Only surveys have questions: switching adds a first one, switching away removes them.
                  v === "survey"
                    ? { type: v, questions: (content.in_app?.questions as Question[] | undefined) ?? [FIRST_QUESTION] }
                    : { type: v, questions: undefined, submitLabel: undefined },
                )
              }
              problems={problemsAt(problems, `${at}.content.in_app.type`)}
            />
          )}
          {CONTENT_FIELDS[ch].map(([key, label, multiline]) => (
            <TextField
              key={key}
              label={`${ch} ${label.toLowerCase()}`}
              multiline={multiline}
              value={content[ch]?.[key] as string}
              onChange={(v) => set({ content: { ...content, [ch]: { ...content[ch], [key]: v } } as Json })}
              problems={problemsAt(problems, `${at}.content.${ch}.${key}`)}
            />
          ))}
          {(ch === "in_app" || ch === "content_card") && (
            <ImageFields
              prefix={ch}
              content={content[ch] ?? {}}
              at={`${at}.content.${ch}`}
              problems={problems}
              set={(patch) => setChannel(ch, patch)}
            />
          )}
          {ch === "content_card" && (
            <TextField
              label="content_card link label"
              value={content.content_card?.linkLabel as string | undefined}
              placeholder="Open"
              onChange={(v) => setChannel(ch, { linkLabel: v })}
              problems={problemsAt(problems, `${at}.content.content_card.linkLabel`)}
            />
          )}
          {ch === "in_app" && content.in_app?.type === "survey" && (
            <QuestionsFields
              questions={(content.in_app.questions as Question[] | undefined) ?? []}
              submitLabel={content.in_app.submitLabel as string | undefined}
              at={`${at}.content.in_app`}
              problems={problems}
              onChange={(patch) => setChannel(ch, patch)}
            />
          )}
          {ch === "in_app" && (
            <ButtonsFields
              buttons={(content.in_app?.buttons as Button[] | undefined) ?? []}
              at={`${at}.content.in_app`}
              problems={problems}
              onChange={(buttons) => setChannel(ch, { buttons: buttons.length ? buttons : undefined })}
            />
          )}
          {problemsAt(problems, `${at}.content.${ch}`)
            .filter(
              (p) =>
                ![...CONTENT_FIELDS[ch].map(([k]) => k), ...STRUCTURED_FIELDS].some(
                  (k) => p.field === `${at}.content.${ch}.${k}` || p.field.startsWith(`${at}.content.${ch}.${k}.`),
                ),
            )
            .map((p) => (
              <span key={p.field + p.message} className="error field-error">
                {p.message}
              </span>
            ))}
        </fieldset>
      ))}
      <p className="hint">
        Liquid works in every text: {"{{ user.first_name }}"}, {"{{ event.product }}"}. A/B variants and locales of the
        content: edit in JSON (the preview can show each).
      </p>
      <MessagePreview
        content={content}
        locales={step.locales as Record<string, unknown> | undefined}
        variants={step.variants as Record<string, unknown> | undefined}
        arms={arms}
        channels={channels}
        onProblems={setPreviewProblems}
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
