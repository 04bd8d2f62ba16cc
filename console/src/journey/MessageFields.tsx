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
import { type Problem, problemsAt, SelectField, TextField } from "../components/fields";
import type { Json, Step } from "./model";

/** A message step's fields: channels, content per channel with the structured fields, A/B and locale overrides, and the live preview. */

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
export function MessageFields({
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
