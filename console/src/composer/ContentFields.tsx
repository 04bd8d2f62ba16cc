import { useEffect, useId, useState } from "react";
import { type Problem, problemsAt, SelectField, TextField } from "../components/fields";

/**
 * The composer's structured fields for in-app messages and content cards: image (URL and alt text),
 * buttons (label and action), survey questions (text, type, options), the card's link. They edit the
 * step's content object itself, so the JSON view and the preview follow every change. The server's
 * problems (`…content.in_app.questions.1.options`) and the ones checked here are shown on the field.
 */
type Obj = Record<string, unknown>;
export type Button = { id: string; label?: string; action?: "deeplink" | "dismiss"; deepLink?: string };
export type Question = {
  id: string;
  prompt?: string;
  kind: "single" | "multi" | "rating" | "text";
  options?: string[];
  required?: boolean;
};

type ButtonAction = "deeplink" | "url" | "dismiss";
const BUTTON_ACTIONS: [ButtonAction, string][] = [
  ["deeplink", "Open a deep link (app link)"],
  ["url", "Open a web URL"],
  ["dismiss", "Close the message"],
];
const QUESTION_KINDS: [Question["kind"], string][] = [
  ["single", "Single choice"],
  ["multi", "Multiple choice"],
  ["rating", "Rating (1–5)"],
  ["text", "Free text"],
];
export const MAX_BUTTONS = 3;
export const MAX_QUESTIONS = 10;

const isWebUrl = (s: string | undefined) => !!s && /^https?:\/\//i.test(s);
/** The action as the marketer picked it (`picked`, while they type), else read from the JSON: a deep link to an https address is "a web URL". */
const actionOf = (b: Button, picked?: ButtonAction): ButtonAction =>
  b.action !== "deeplink"
    ? "dismiss"
    : picked && picked !== "dismiss"
      ? picked
      : isWebUrl(b.deepLink)
        ? "url"
        : "deeplink";

const freeId = (prefix: string, taken: string[]) => {
  for (let n = 1; ; n++) if (!taken.includes(`${prefix}${n}`)) return `${prefix}${n}`;
};

/** A first survey question, for a message switched to the survey type. */
export const FIRST_QUESTION: Question = { id: "q1", prompt: "How was your experience?", kind: "rating" };

/** What the server would refuse, found as the marketer types (paths as the server names them). */
export function contentProblems(channel: string, content: Obj | undefined, at: string): Problem[] {
  const out: Problem[] = [];
  if (!content) return out;
  const buttons = (channel === "in_app" ? content.buttons : undefined) as Button[] | undefined;
  (buttons ?? []).forEach((b, i) => {
    if (!b.label?.trim()) out.push({ field: `${at}.buttons.${i}.label`, message: "a button needs a label" });
    if (b.action !== "deeplink") return;
    if (!b.deepLink) out.push({ field: `${at}.buttons.${i}.deepLink`, message: "required: where the button goes" });
    else if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(b.deepLink))
      out.push({ field: `${at}.buttons.${i}.deepLink`, message: "expected an app link such as myshop://cart" });
  });
  const questions = (channel === "in_app" ? content.questions : undefined) as Question[] | undefined;
  (questions ?? []).forEach((q, i) => {
    if (!q.prompt?.trim()) out.push({ field: `${at}.questions.${i}.prompt`, message: "a question needs its text" });
    if (!/^[A-Za-z0-9_.-]+$/.test(q.id))
      out.push({ field: `${at}.questions.${i}.id`, message: "letters, digits, _ . - only" });
    if ((q.kind === "single" || q.kind === "multi") && (q.options?.length ?? 0) < 2)
      out.push({ field: `${at}.questions.${i}.options`, message: "give at least 2 options, one per line" });
  });
  const qids = (questions ?? []).map((q) => q.id);
  if (new Set(qids).size !== qids.length)
    out.push({ field: `${at}.questions`, message: "two questions have the same id" });
  const image = content.imageUrl as string | undefined;
  if (image && !isWebUrl(image)) out.push({ field: `${at}.imageUrl`, message: "expected a web address: https://…" });
  return out;
}

/** Options of a choice question, one per line; the text is kept as typed (empty lines included) until it parses differently. */
function OptionsField({
  label,
  value,
  onChange,
  problems,
}: {
  label: string;
  value: string[] | undefined;
  onChange(v: string[]): void;
  problems: Problem[];
}) {
  const [text, setText] = useState(() => (value ?? []).join("\n"));
  const lines = (t: string) =>
    t
      .split("\n")
      .map((s) => s.trim())
      .filter(Boolean);
  const key = JSON.stringify(value ?? []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for value; text is only compared
  useEffect(() => {
    if (JSON.stringify(lines(text)) !== key) setText((value ?? []).join("\n"));
  }, [key]);
  return (
    <TextField
      label={label}
      multiline
      value={text}
      hint="one option per line"
      problems={problems}
      onChange={(t) => {
        setText(t ?? "");
        onChange(lines(t ?? ""));
      }}
    />
  );
}

function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange(v: boolean): void }) {
  const id = useId();
  return (
    <div className="field">
      <label className="check" htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> {label}
      </label>
    </div>
  );
}

/** Image URL and its alt text (in-app messages and content cards). */
export function ImageFields({
  prefix,
  content,
  at,
  problems,
  set,
}: {
  prefix: string;
  content: Obj;
  at: string;
  problems: Problem[];
  set(patch: Obj): void;
}) {
  return (
    <>
      <TextField
        label={`${prefix} image URL`}
        value={content.imageUrl as string | undefined}
        placeholder="https://cdn.example.com/image.png"
        onChange={(v) => set({ imageUrl: v, ...(v ? {} : { imageAlt: undefined }) })}
        problems={problemsAt(problems, `${at}.imageUrl`)}
      />
      {typeof content.imageUrl === "string" && (
        <TextField
          label={`${prefix} image alt text`}
          value={content.imageAlt as string | undefined}
          hint="what the image shows, for screen readers; leave empty if it is decoration"
          onChange={(v) => set({ imageAlt: v })}
          problems={problemsAt(problems, `${at}.imageAlt`)}
        />
      )}
    </>
  );
}

export function ButtonsFields({
  buttons,
  at,
  problems,
  onChange,
}: {
  buttons: Button[];
  at: string;
  problems: Problem[];
  onChange(b: Button[]): void;
}) {
  const update = (i: number, patch: Partial<Button>) =>
    onChange(buttons.map((b, j) => (j === i ? ({ ...b, ...patch } as Button) : b)));
  // What each button's action select says, by button id, so "a web URL" holds while its address is typed.
  const [picked, setPicked] = useState<Record<string, ButtonAction>>({});
  return (
    <fieldset className="field subfields">
      <legend>Buttons (up to {MAX_BUTTONS}; the first is the main one)</legend>
      {buttons.length === 0 && <p className="muted">No buttons: the message closes with its × or by swiping.</p>}
      {buttons.map((b, i) => {
        const n = i + 1;
        const action = actionOf(b, picked[b.id]);
        // A web URL must be one (https://…), whatever else an app link may be.
        const linkProblems =
          action === "url" && b.deepLink && !isWebUrl(b.deepLink)
            ? [{ field: `${at}.buttons.${i}.deepLink`, message: "expected a web address: https://…" }]
            : problemsAt(problems, `${at}.buttons.${i}.deepLink`);
        return (
          <div key={b.id} className="subfield">
            <TextField
              label={`Button ${n} label`}
              value={b.label}
              onChange={(v) => update(i, { label: v })}
              problems={problemsAt(problems, `${at}.buttons.${i}.label`)}
            />
            <SelectField
              label={`Button ${n} action`}
              value={action}
              options={BUTTON_ACTIONS}
              onChange={(v) => {
                setPicked({ ...picked, [b.id]: v });
                update(
                  i,
                  v === "dismiss"
                    ? { action: "dismiss", deepLink: undefined }
                    : {
                        action: "deeplink",
                        // A web URL starts as https:// (so the choice holds while it is typed); an app link starts empty.
                        deepLink:
                          (v === "url") === isWebUrl(b.deepLink) ? b.deepLink : v === "url" ? "https://" : undefined,
                      },
                );
              }}
              problems={problemsAt(problems, `${at}.buttons.${i}.action`)}
            />
            {action !== "dismiss" && (
              <TextField
                label={`Button ${n} ${action === "url" ? "URL" : "deep link"}`}
                value={b.deepLink}
                placeholder={action === "url" ? "https://shop.example.com/cart" : "myshop://cart"}
                onChange={(v) => update(i, { deepLink: v })}
                problems={linkProblems}
              />
            )}
            <button type="button" className="link" onClick={() => onChange(buttons.filter((_, j) => j !== i))}>
              Remove button {n}
            </button>
          </div>
        );
      })}
      <button
        type="button"
        disabled={buttons.length >= MAX_BUTTONS}
        onClick={() =>
          onChange([
            ...buttons,
            {
              id: freeId(
                "button-",
                buttons.map((b) => b.id),
              ),
              label: buttons.length ? "Not now" : "Open",
              action: "dismiss",
            },
          ])
        }
      >
        Add button
      </button>
      {problemsAt(problems, `${at}.buttons`)
        .filter((p) => p.field === `${at}.buttons`)
        .map((p) => (
          <span key={p.message} className="error field-error">
            {p.message}
          </span>
        ))}
    </fieldset>
  );
}

export function QuestionsFields({
  questions,
  submitLabel,
  at,
  problems,
  onChange,
}: {
  questions: Question[];
  submitLabel: string | undefined;
  at: string;
  problems: Problem[];
  onChange(patch: { questions?: Question[]; submitLabel?: string | undefined }): void;
}) {
  const update = (i: number, patch: Partial<Question>) =>
    onChange({ questions: questions.map((q, j) => (j === i ? ({ ...q, ...patch } as Question) : q)) });
  return (
    <fieldset className="field subfields">
      <legend>Survey questions (up to {MAX_QUESTIONS})</legend>
      {questions.map((q, i) => {
        const n = i + 1;
        const choice = q.kind === "single" || q.kind === "multi";
        return (
          // Keyed by position: renaming a question's id must not remount the field being typed in.
          // biome-ignore lint/suspicious/noArrayIndexKey: see above
          <div key={i} className="subfield">
            <TextField
              label={`Question ${n} text`}
              value={q.prompt}
              onChange={(v) => update(i, { prompt: v })}
              problems={problemsAt(problems, `${at}.questions.${i}.prompt`)}
            />
            <SelectField
              label={`Question ${n} type`}
              value={q.kind}
              options={QUESTION_KINDS}
              onChange={(kind) =>
                update(
                  i,
                  kind === "single" || kind === "multi"
                    ? { kind, options: q.options ?? [] }
                    : { kind, options: undefined },
                )
              }
              problems={problemsAt(problems, `${at}.questions.${i}.kind`)}
            />
            {choice && (
              <OptionsField
                label={`Question ${n} options`}
                value={q.options}
                onChange={(options) => update(i, { options })}
                problems={problemsAt(problems, `${at}.questions.${i}.options`)}
              />
            )}
            <TextField
              label={`Question ${n} id`}
              value={q.id}
              hint="names the answer in branches ({answer: …}) and exports"
              onChange={(v) => update(i, { id: v ?? "" })}
              problems={problemsAt(problems, `${at}.questions.${i}.id`)}
            />
            <Check
              label={`Question ${n} must be answered`}
              checked={q.required === true}
              onChange={(required) => update(i, { required: required || undefined })}
            />
            {questions.length > 1 && (
              <button
                type="button"
                className="link"
                onClick={() => onChange({ questions: questions.filter((_, j) => j !== i) })}
              >
                Remove question {n}
              </button>
            )}
          </div>
        );
      })}
      <button
        type="button"
        disabled={questions.length >= MAX_QUESTIONS}
        onClick={() =>
          onChange({
            questions: [
              ...questions,
              {
                id: freeId(
                  "q",
                  questions.map((q) => q.id),
                ),
                prompt: "",
                kind: "single",
                options: [],
              },
            ],
          })
        }
      >
        Add question
      </button>
      {problemsAt(problems, `${at}.questions`)
        .filter((p) => p.field === `${at}.questions`)
        .map((p) => (
          <span key={p.message} className="error field-error">
            {p.message}
          </span>
        ))}
      <TextField
        label="Submit button label"
        value={submitLabel}
        placeholder="Submit"
        onChange={(v) => onChange({ submitLabel: v })}
        problems={problemsAt(problems, `${at}.submitLabel`)}
      />
    </fieldset>
  );
}
