import type { JsonObject } from "../json";
import type { Millis } from "../clock";

/** A row of the object's `timers` table. Timers are rows; the single alarm is only an index to the earliest. */
export interface Timer<P = JsonObject> {
  /** Unique: scheduling the same key again moves the timer instead of adding one. */
  key: string;
  dueAt: Millis;
  kind: string;
  payload: P;
}

/** The timers of one UserObject, over its SQLite storage. */
export class TimerTable {
  /** Whether rows may have changed since `takeChanged()` last said (true until first asked). */
  private changed = true;

  constructor(private readonly sql: SqlStorage) {}

  /** True once after any change: lets the alarm's re-arm skip re-reading an unchanged table. */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  markChanged(): void {
    this.changed = true;
  }

  schedule(timer: Timer<unknown>): void {
    this.changed = true;
    this.sql.exec(
      `INSERT INTO timers (key, due_at, kind, payload) VALUES (?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET due_at = excluded.due_at, kind = excluded.kind, payload = excluded.payload`,
      timer.key,
      timer.dueAt,
      timer.kind,
      JSON.stringify(timer.payload ?? {}),
    );
  }

  /** Schedules only if no timer with this key exists (keeps the earlier one). */
  scheduleIfAbsent(timer: Timer<unknown>): void {
    if (this.sql.exec(`INSERT OR IGNORE INTO timers (key, due_at, kind, payload) VALUES (?, ?, ?, ?)`, timer.key, timer.dueAt, timer.kind, JSON.stringify(timer.payload ?? {})).rowsWritten > 0) this.changed = true;
  }

  cancel(key: string): boolean {
    const removed = this.sql.exec(`DELETE FROM timers WHERE key = ?`, key).rowsWritten > 0;
    if (removed) this.changed = true;
    return removed;
  }

  cancelPrefix(prefix: string): number {
    const removed = this.sql.exec(`DELETE FROM timers WHERE substr(key, 1, ?) = ?`, prefix.length, prefix).rowsWritten;
    if (removed > 0) this.changed = true;
    return removed;
  }

  get(key: string): Timer | undefined {
    return this.sql.exec<RawTimer>(`SELECT key, due_at, kind, payload FROM timers WHERE key = ?`, key).toArray().map(toTimer)[0];
  }

  /** Due timers, earliest first. */
  due(now: Millis, limit = 100): Timer[] {
    return this.sql.exec<RawTimer>(`SELECT key, due_at, kind, payload FROM timers WHERE due_at <= ? ORDER BY due_at, key LIMIT ?`, now, limit).toArray().map(toTimer);
  }

  earliest(): Millis | null {
    const row = this.sql.exec<{ t: number | null }>(`SELECT MIN(due_at) AS t FROM timers`).one();
    return row.t ?? null;
  }

  list(): Timer[] {
    return this.sql.exec<RawTimer>(`SELECT key, due_at, kind, payload FROM timers ORDER BY due_at`).toArray().map(toTimer);
  }
}

type RawTimer = { key: string; due_at: number; kind: string; payload: string };
const toTimer = (r: RawTimer): Timer => ({ key: r.key, dueAt: r.due_at, kind: r.kind, payload: JSON.parse(r.payload) });
