import { focusables, h, injectStyles, uid } from "./dom";
import type { PendingMessage } from "./core/rules";

/**
 * Renders one in-app message accessibly: modal, full-screen and survey are modal
 * dialogs (role="dialog", aria-modal, labelled by the title, focus trapped inside,
 * Escape closes, focus returns where it was); a banner is a non-modal region that
 * does not steal focus.
 */

interface Button {
  id: string;
  label: string;
  action: "deeplink" | "dismiss";
  deepLink?: string;
}
interface Question {
  id: string;
  prompt: string;
  kind: "single" | "multi" | "rating" | "text";
  options?: string[];
  required?: boolean;
}
interface Content {
  type: "modal" | "banner" | "fullscreen" | "survey";
  title?: string;
  body?: string;
  imageUrl?: string;
  imageAlt?: string;
  buttons?: Button[];
  questions?: Question[];
  submitLabel?: string;
  autoDismissSeconds?: number;
}

export type Answer = { questionId: string; answer: string | string[] | number };
export interface RenderCallbacks {
  onClick(button: Button): void;
  onDismiss(): void;
  onSubmit(answers: Answer[]): void;
}

/** Shows the message; returns a function that removes it without reporting anything. */
export function renderMessage(message: PendingMessage, cb: RenderCallbacks): () => void {
  injectStyles();
  const c = message.content as unknown as Content;
  const titleId = uid("title");
  const bodyId = uid("body");
  const previous = document.activeElement as HTMLElement | null;
  let root: HTMLElement;
  let closed = false;
  /** What a modal made inert (the rest of the page), to give back when it closes. */
  let inerted: HTMLElement[] = [];
  const remove = () => {
    if (closed) return;
    closed = true;
    document.removeEventListener("keydown", onKey, true);
    root.remove();
    for (const el of inerted) el.inert = false;
    if (c.type !== "banner") previous?.focus?.();
  };
  const finish = (fn: () => void) => () => {
    remove();
    fn();
  };

  const close = h("button", { type: "button", class: "bk-close", "aria-label": "Close" }, "×");
  close.onclick = finish(cb.onDismiss);
  const buttons = (c.buttons ?? []).map((b, i) => {
    const el = h(
      "button",
      { type: "button", class: `bk-btn${i === 0 ? " bk-primary" : ""}`, "data-button-id": b.id },
      b.label,
    );
    el.onclick = finish(() => cb.onClick(b));
    return el;
  });

  const content: Array<Node | null> = [
    close,
    c.imageUrl ? h("img", { src: c.imageUrl, alt: c.imageAlt ?? "" }) : null,
    c.title ? h("h2", { id: titleId }, c.title) : null,
    c.body ? h("p", { id: bodyId }, c.body) : null,
  ];
  if (c.type === "survey") content.push(surveyForm(c, (answers) => finish(() => cb.onSubmit(answers))()));
  if (buttons.length) content.push(h("div", { class: "bk-buttons" }, ...buttons));

  const labels = {
    "aria-labelledby": c.title ? titleId : undefined,
    "aria-label": c.title ? undefined : "Message",
    "aria-describedby": c.body ? bodyId : undefined,
  };
  if (c.type === "banner") {
    root = h(
      "div",
      { class: "bk-banner", role: "region", "aria-live": "polite", "data-beckon-message": message.key, ...labels },
      ...content,
    );
    if (c.autoDismissSeconds) setTimeout(() => !closed && finish(cb.onDismiss)(), c.autoDismissSeconds * 1000);
  } else {
    const dialog = h("div", { class: "bk-dialog", role: "dialog", "aria-modal": "true", ...labels }, ...content);
    root = h(
      "div",
      { class: `bk-overlay${c.type === "fullscreen" ? " bk-fullscreen" : ""}`, "data-beckon-message": message.key },
      dialog,
    );
  }

  function onKey(e: KeyboardEvent): void {
    // A banner is not modal: Escape is the page's unless focus is in the banner.
    if (c.type === "banner" && !root.contains(document.activeElement)) return;
    if (e.key === "Escape") {
      e.preventDefault();
      finish(cb.onDismiss)();
      return;
    }
    if (e.key !== "Tab" || c.type === "banner") return;
    // Focus trap: Tab and Shift+Tab cycle inside the dialog.
    const items = focusables(root);
    if (items.length === 0) return;
    const first = items[0]!;
    const last = items[items.length - 1]!;
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !root.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !root.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  }

  if (c.type !== "banner") {
    // Modal: the page behind it is out of reach of focus, pointer and screen readers until it closes.
    inerted = [...document.body.children].filter((el): el is HTMLElement => el instanceof HTMLElement && !el.inert);
    for (const el of inerted) el.inert = true;
  }
  document.body.append(root);
  document.addEventListener("keydown", onKey, true);
  if (c.type !== "banner") (buttons[0] ?? focusables(root).find((el) => el !== close) ?? close).focus();
  return remove;
}

function surveyForm(c: Content, submit: (answers: Answer[]) => void): HTMLFormElement {
  const form = h("form", { class: "bk-survey" });
  for (const q of c.questions ?? []) {
    const name = uid(q.id);
    const fs = h("fieldset", { class: "bk-q", "data-question": q.id }, h("legend", {}, q.prompt));
    const choice = (type: "radio" | "checkbox", value: string, text: string) =>
      h(
        "label",
        {},
        h("input", { type, name, value, required: type === "radio" && q.required ? "" : undefined }),
        " ",
        text,
      );
    if (q.kind === "single" || q.kind === "multi")
      for (const o of q.options ?? []) fs.append(choice(q.kind === "single" ? "radio" : "checkbox", o, o));
    else if (q.kind === "rating") for (let r = 1; r <= 5; r++) fs.append(choice("radio", String(r), `${r} of 5`));
    else
      fs.append(
        h("textarea", {
          name,
          rows: "3",
          "aria-label": q.prompt,
          maxlength: "1000",
          required: q.required ? "" : undefined,
        }),
      );
    form.append(fs);
  }
  form.append(
    h(
      "div",
      { class: "bk-buttons" },
      h("button", { type: "submit", class: "bk-btn bk-primary" }, c.submitLabel ?? "Submit"),
    ),
  );
  form.onsubmit = (e) => {
    e.preventDefault();
    const answers: Answer[] = [];
    for (const q of c.questions ?? []) {
      const fs = form.querySelector<HTMLElement>(`[data-question="${CSS.escape(q.id)}"]`)!;
      if (q.kind === "text") {
        const v = fs.querySelector("textarea")!.value.trim();
        if (v) answers.push({ questionId: q.id, answer: v });
        continue;
      }
      const checked = [...fs.querySelectorAll<HTMLInputElement>("input:checked")].map((i) => i.value);
      if (checked.length === 0) continue;
      answers.push({
        questionId: q.id,
        answer: q.kind === "multi" ? checked : q.kind === "rating" ? Number(checked[0]) : checked[0]!,
      });
    }
    if (answers.length) submit(answers);
  };
  return form;
}
