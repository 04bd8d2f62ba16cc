import type { JsonObject } from "../kernel/json";
import type { Millis } from "../kernel/clock";

/** A row of the object's `timers` table. Timers are rows; the single alarm is only an index to the earliest. */
export interface Timer<P = JsonObject> {
  /** Unique: scheduling the same key again moves the timer instead of adding one. */
  key: string;
  dueAt: Millis;
  kind: string;
  payload: P;
}

/**
 * The timers of one UserObject, over its SQLite storage. This class is the table's only
 * writer, so it mirrors the rows in memory (a person has a handful): existence checks, `get`
 * and `earliest` cost no query on the event path. The object calls `forget()` whenever
 * storage changed behind it (a rolled-back transaction, a hand-over, an erasure).
 */
export class TimerTable {
  private rows: Map<string, Timer<unknown>> | null = null;
  /** Whether rows may have changed since `takeChanged()` last said (true until first asked). */
  private changed = true;

  constructor(private readonly sql: SqlStorage) {}

  /** True once after any change: lets the alarm's re-arm skip an unchanged table. */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  /** Storage changed without this class: re-read it on next use. */
  forget(): void {
    this.rows = null;
    this.changed = true;
  }

  private mirror(): Map<string, Timer<unknown>> {
    this.rows ??= new Map(
      this.sql
        .exec<RawTimer>(`SELECT key, due_at, kind, payload FROM timers`)
        .toArray()
        .map((r) => [r.key, toTimer(r)]),
    );
    return this.rows;
  }

  schedule(timer: Timer<unknown>): void {
    const rows = this.mirror();
    const payload = JSON.stringify(timer.payload ?? {});
    this.sql.exec(
      `INSERT INTO timers (key, due_at, kind, payload) VALUES (?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET due_at = excluded.due_at, kind = excluded.kind, payload = excluded.payload`,
      timer.key,
      timer.dueAt,
      timer.kind,
      payload,
    );
    // What storage holds, not the caller's object (which it may go on changing).
    rows.set(timer.key, { key: timer.key, dueAt: timer.dueAt, kind: timer.kind, payload: JSON.parse(payload) });
    this.changed = true;
  }

  /** Schedules only if no timer with this key exists (keeps the earlier one). */
  scheduleIfAbsent(timer: Timer<unknown>): void {
    if (this.mirror().has(timer.key)) return;
    this.schedule(timer);
  }

  cancel(key: string): boolean {
    const rows = this.mirror();
    if (!rows.has(key)) return false;
    this.sql.exec(`DELETE FROM timers WHERE key = ?`, key);
    rows.delete(key);
    this.changed = true;
    return true;
  }

  cancelPrefix(prefix: string): number {
    const rows = this.mirror();
    const keys = [...rows.keys()].filter((k) => k.startsWith(prefix));
    if (keys.length === 0) return 0;
    this.sql.exec(`DELETE FROM timers WHERE substr(key, 1, ?) = ?`, prefix.length, prefix);
    for (const k of keys) rows.delete(k);
    this.changed = true;
    return keys.length;
  }

  get(key: string): Timer | undefined {
    return this.mirror().get(key) as Timer | undefined;
  }

  /** Due timers, earliest first. */
  due(now: Millis, limit = 100): Timer[] {
    return this.sorted()
      .filter((t) => t.dueAt <= now)
      .slice(0, limit);
  }

  earliest(): Millis | null {
    let min: Millis | null = null;
    for (const t of this.mirror().values()) if (min === null || t.dueAt < min) min = t.dueAt;
    return min;
  }

  list(): Timer[] {
    return this.sorted();
  }

  private sorted(): Timer[] {
    return ([...this.mirror().values()] as Timer[]).sort(
      (a, b) => a.dueAt - b.dueAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
  }
}

type RawTimer = { key: string; due_at: number; kind: string; payload: string };
const toTimer = (r: RawTimer): Timer => ({ key: r.key, dueAt: r.due_at, kind: r.kind, payload: JSON.parse(r.payload) });
