import type { Millis } from "../../kernel/clock";
import { countsTowardCaps, type EntryRecord, type Journey, type SendRecord } from "./journey";

/**
 * The person's journey records as `stepJourney` reads them: a read-only view. The adapter
 * (engine/features/journey) backs it with the object's storage and answers each question with
 * one indexed query, so an event that concerns no journey reads nothing; tests back it with
 * arrays (test/unit/helpers/journeys.ts). A snapshot of every journey would be simpler but would
 * parse every kept campaign definition on every event.
 */
export interface JourneyRecords {
  journey(instance: string): Journey | undefined;
  /** Inaction journeys of a campaign waiting for their deadline (`key` null: any key). */
  pendingInaction(campaignId: string, key: string | null): Journey[];
  /** Journeys at a `wait_for_event` step for this event. */
  waitingFor(event: string): Journey[];
  /** Entries of a campaign that may still convert: entered since `since`, not converted, past the pending stage. */
  convertible(campaignId: string, since: Millis): Journey[];
  lastEntry(campaignId: string): EntryRecord | undefined;
  send(key: string): SendRecord | undefined;
  /** Times of sends since `since` that count towards frequency caps. */
  sendTimes(since: Millis): number[];
  /** The latest status of this journey's send at a step, or null. */
  stepStatus(instance: string, stepId: string): string | null;
}

/** What one step changed in the records, for the adapter to write (each journey's final version). */
export interface JourneyChanges {
  journeys: Map<string, { op: "insert" | "update"; journey: Journey } | { op: "delete" }>;
  /** Campaigns entered (in order), each one entry at `at`. */
  entries: Array<{ campaignId: string; at: Millis }>;
  /** New send records (insert-or-ignore). */
  sends: SendRecord[];
  /** Send records moved to a new status. */
  sendStatus: Map<string, string>;
}

export const hasChanges = (c: JourneyChanges) =>
  c.journeys.size > 0 || c.entries.length > 0 || c.sends.length > 0 || c.sendStatus.size > 0;

const copy = (j: Journey): Journey => ({ ...j, trigger: { ...j.trigger } });

/**
 * The records with this step's changes laid over them: every read sees earlier writes of the same
 * step, and `changes` is what the step produced. Journeys handed out are copies: the step changes
 * them and writes them back (`update`), never the records it was given.
 */
export class JourneyState implements JourneyRecords {
  readonly changes: JourneyChanges = { journeys: new Map(), entries: [], sends: [], sendStatus: new Map() };
  private readonly entries = new Map<string, EntryRecord>();

  constructor(readonly records: JourneyRecords) {}

  private changed(instance: string): Journey | null | undefined {
    const c = this.changes.journeys.get(instance);
    if (!c) return undefined;
    return c.op === "delete" ? null : c.journey;
  }

  /** Base rows that still match (as changed) plus new rows that match, in base order. */
  private select(base: Journey[], matches: (j: Journey) => boolean): Journey[] {
    const out: Journey[] = [];
    const seen = new Set<string>();
    for (const j of base) {
      seen.add(j.instance);
      const c = this.changed(j.instance);
      if (c === null) continue;
      const current = c ?? j;
      if (c === undefined || matches(current)) out.push(copy(current));
    }
    for (const [instance, c] of this.changes.journeys)
      if (c.op !== "delete" && !seen.has(instance) && matches(c.journey)) out.push(copy(c.journey));
    return out;
  }

  journey(instance: string): Journey | undefined {
    const c = this.changed(instance);
    if (c === null) return undefined;
    const j = c ?? this.records.journey(instance);
    return j ? copy(j) : undefined;
  }

  pendingInaction(campaignId: string, key: string | null): Journey[] {
    return this.select(
      this.records.pendingInaction(campaignId, key),
      (j) => j.campaignId === campaignId && j.status === "pending" && (key === null || j.inactionKey === key),
    );
  }

  waitingFor(event: string): Journey[] {
    return this.select(this.records.waitingFor(event), (j) => j.waitEvent === event && j.status === "waiting");
  }

  convertible(campaignId: string, since: Millis): Journey[] {
    return this.select(
      this.records.convertible(campaignId, since),
      (j) => j.campaignId === campaignId && j.status !== "pending" && !j.converted && j.enteredAt >= since,
    );
  }

  lastEntry(campaignId: string): EntryRecord | undefined {
    return this.entries.get(campaignId) ?? this.records.lastEntry(campaignId);
  }

  send(key: string): SendRecord | undefined {
    const s = this.changes.sends.find((x) => x.key === key) ?? this.records.send(key);
    if (!s) return undefined;
    const status = this.changes.sendStatus.get(key);
    return status ? { ...s, status } : s;
  }

  sendTimes(since: Millis): number[] {
    const fresh = this.changes.sends.filter((s) => s.at >= since && countsTowardCaps(s)).map((s) => s.at);
    return [...this.records.sendTimes(since), ...fresh];
  }

  stepStatus(instance: string, stepId: string): string | null {
    const fresh = this.changes.sends.filter((s) => s.instance === instance && s.stepId === stepId).at(-1);
    if (fresh) return this.changes.sendStatus.get(fresh.key) ?? fresh.status;
    return this.records.stepStatus(instance, stepId);
  }

  // ── writes ──

  insert(j: Journey): void {
    this.changes.journeys.set(j.instance, { op: "insert", journey: copy(j) });
  }

  update(j: Journey): void {
    const prior = this.changes.journeys.get(j.instance);
    this.changes.journeys.set(j.instance, { op: prior?.op === "insert" ? "insert" : "update", journey: copy(j) });
  }

  delete(instance: string): void {
    this.changes.journeys.set(instance, { op: "delete" });
  }

  recordEntry(campaignId: string, at: Millis): void {
    const prior = this.lastEntry(campaignId);
    this.entries.set(campaignId, { lastEnteredAt: at, count: (prior?.count ?? 0) + 1 });
    this.changes.entries.push({ campaignId, at });
  }

  /** Insert-or-ignore, as the table does. `visibleOnly`: seen by later reads of this step but written by an effect. */
  recordSend(s: SendRecord, visibleOnly = false): void {
    if (this.send(s.key)) return;
    if (visibleOnly) this.optimistic.push(s);
    this.changes.sends.push(s);
  }

  setSendStatus(key: string, status: string): void {
    this.changes.sendStatus.set(key, status);
  }

  /** Sends an effect will record if it succeeds (in-app deliveries): visible to reads, not in `changes` once taken. */
  private readonly optimistic: SendRecord[] = [];

  /** The changes to write, without the sends that effects record themselves. */
  take(): JourneyChanges {
    const sends = this.changes.sends.filter((s) => !this.optimistic.includes(s));
    return { ...this.changes, sends };
  }
}
