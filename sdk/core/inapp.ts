import { readItem, writeItem } from "./identity";
import type { KeyValueStorage } from "./queue";
import { nextMessage, type PendingMessage, ruleMatches, waitBeforeNext } from "./rules";

/**
 * Which in-app message a device shows, and when: the pending list (from `GET /v1/in-app`
 * and the live socket), display rules triggered by the app's events, pacing (the app's
 * minimum interval and the server's `notBefore`) and the messages already shown here.
 * Platform-free: a platform package draws `current` and calls `close()` when it is gone.
 */

/** What `GET /v1/in-app` and the socket's `sync` / `inapp` messages carry. */
export interface PendingView {
  messages: PendingMessage[];
  notBefore: number | null;
  minIntervalSeconds: number;
}

export interface InAppStateOptions {
  storage: KeyValueStorage | null;
  key: (field: string) => string;
  /** Who is looking (user id or anonymous id): pacing and "already shown" are per person. */
  person: () => string;
  /** Called when the message on screen changes (null: nothing shown). */
  onChange: (message: PendingMessage | null) => void;
  now?: () => number;
}

const MAX_SHOWN = 200;

export class InAppState {
  current: PendingMessage | null = null;
  private readonly o: InAppStateOptions;
  private readonly pending = new Map<string, PendingMessage>();
  private readonly triggered = new Set<string>();
  /**
   * Messages shown on this device (person + key → expiry), persisted: until the server has
   * the impression (offline, in flight, a sync racing it) a restart must not show one again.
   */
  private shown = new Map<string, number>();
  private lastShownAt = new Map<string, number>();
  private serverNotBefore: number | null = null;
  private minIntervalSeconds = 30;
  private wait: ReturnType<typeof setTimeout> | undefined;

  constructor(options: InAppStateOptions) {
    this.o = options;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  /** Loads what earlier runs showed (before the first `apply`, else a restart could show a message twice). */
  async load(): Promise<void> {
    const parse = (raw: string | null) => Object.entries((raw ? JSON.parse(raw) : {}) as Record<string, number>);
    try {
      for (const [k, exp] of parse(await readItem(this.o.storage, this.o.key("shown"))))
        if (exp > this.now()) this.shown.set(k, exp);
      for (const [k, at] of parse(await readItem(this.o.storage, this.o.key("lastShownAt"))))
        this.lastShownAt.set(k, at);
    } catch {
      // corrupt storage: start afresh
    }
  }

  private shownId(key: string): string {
    return `${this.o.person()} ${key}`;
  }

  /** New pending messages: `replace` for a full list (app open, a socket sync), else additions. */
  apply(view: PendingView, replace: boolean): void {
    if (replace) this.pending.clear();
    for (const m of view.messages ?? [])
      if (!this.shown.has(this.shownId(m.key)) && m.key !== this.current?.key) this.pending.set(m.key, m);
    this.serverNotBefore = view.notBefore;
    this.minIntervalSeconds = view.minIntervalSeconds;
    this.showNext();
  }

  /** Handled on another device of the person: not shown here (unless already on screen). */
  handled(key: string): void {
    if (key !== this.current?.key) this.pending.delete(key);
  }

  /** The app tracked an event: messages waiting for it may show now. Nothing is sent. */
  trigger(event: string, properties: Record<string, unknown> = {}): void {
    let hit = false;
    for (const m of this.pending.values()) {
      if (m.content.displayOn && !this.triggered.has(m.key) && ruleMatches(m.content.displayOn, event, properties)) {
        this.triggered.add(m.key);
        hit = true;
      }
    }
    if (hit) this.showNext();
  }

  /** The message on screen was clicked, dismissed or answered: the next one may follow. */
  close(): void {
    if (!this.current) return;
    this.current = null;
    this.o.onChange(null);
    setTimeout(() => this.showNext(), 0);
  }

  /** Forgets the pending list (sign-out: another person's messages). */
  clear(): void {
    this.pending.clear();
    this.triggered.clear();
    clearTimeout(this.wait);
  }

  stop(): void {
    this.clear();
    this.current = null;
  }

  private showNext(): void {
    if (this.current) return;
    const now = this.now();
    const next = nextMessage(this.pending.values(), this.triggered, now);
    if (!next) return;
    const person = this.o.person();
    const wait = waitBeforeNext(
      now,
      this.lastShownAt.get(person) ?? null,
      this.minIntervalSeconds,
      this.serverNotBefore,
    );
    clearTimeout(this.wait);
    if (wait > 0) {
      this.wait = setTimeout(() => this.showNext(), wait);
      return;
    }
    this.current = next;
    this.pending.delete(next.key);
    this.shown.set(this.shownId(next.key), next.expiresAt);
    if (this.shown.size > MAX_SHOWN) this.shown.delete(this.shown.keys().next().value!);
    this.lastShownAt.set(person, now);
    writeItem(this.o.storage, this.o.key("shown"), JSON.stringify(Object.fromEntries(this.shown)));
    writeItem(this.o.storage, this.o.key("lastShownAt"), JSON.stringify(Object.fromEntries(this.lastShownAt)));
    this.o.onChange(next);
  }
}

/** The message content the server sends (`src/domain/inapp/model.ts` validates it when a campaign is saved). */
export interface InAppButton {
  id: string;
  label: string;
  /** `deeplink` opens `deepLink` (and counts a click); `dismiss` closes (and counts a click on that button). */
  action: "deeplink" | "dismiss";
  deepLink?: string;
}
export interface SurveyQuestion {
  id: string;
  prompt: string;
  /** single/multi choose among `options`; rating is 1–5; text is free text (≤ 1000 chars). */
  kind: "single" | "multi" | "rating" | "text";
  options?: string[];
  required?: boolean;
}
export interface InAppContent {
  type: "modal" | "banner" | "fullscreen" | "survey";
  title?: string;
  body?: string;
  imageUrl?: string;
  /** The image's text alternative (absent: decorative). */
  imageAlt?: string;
  buttons?: InAppButton[];
  questions?: SurveyQuestion[];
  submitLabel?: string;
  autoDismissSeconds?: number;
}
export interface SurveyAnswer {
  questionId: string;
  answer: string | string[] | number;
}
/** The content of a pending message, typed. */
export const contentOf = (m: PendingMessage): InAppContent => m.content as unknown as InAppContent;
