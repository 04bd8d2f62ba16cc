import { ConditionBuilder } from "../conditions/ConditionBuilder";
import { DurationField, NumberField, problemsAt, SelectField, TextField } from "../components/fields";
import type { Definition, Json } from "./model";
import type { PanelProps } from "./panel-props";

/** The trigger node's panel: what starts the journey (event, abandonment, lifecycle, place, segment, schedule, API) and who may enter. */

type Obj = { [k: string]: unknown };
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

export function TriggerPanel({ definition: d, problems, onChange }: PanelProps) {
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
