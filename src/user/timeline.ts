import type { JsonObject } from "../json";
import type { Millis } from "../clock";

export type TimelineKind = "transition" | "decision" | "delivery" | "identity" | "consent" | "device" | "geofence" | "segment" | "engagement";

export interface TimelineEntry {
  seq: number;
  at: Millis;
  kind: TimelineKind | "event";
  detail: JsonObject;
}

/** Bounded log of what happened to a person and what Beckon decided, with reasons. */
export class Timeline {
  static readonly MAX_ENTRIES = 2000;
  private writes = 0;

  constructor(private readonly sql: SqlStorage) {}

  add(at: Millis, kind: TimelineKind, detail: JsonObject): void {
    this.sql.exec(`INSERT INTO timeline (at, kind, detail) VALUES (?, ?, ?)`, at, kind, JSON.stringify(detail));
    // Trim occasionally rather than on every insert.
    if (++this.writes % 100 === 0) this.sql.exec(`DELETE FROM timeline WHERE seq <= (SELECT MAX(seq) FROM timeline) - ?`, Timeline.MAX_ENTRIES);
  }

  list(opts: { limit: number; before?: number; kind?: string }): TimelineEntry[] {
    const rows = this.sql
      .exec<{ seq: number; at: number; kind: string; detail: string }>(
        `SELECT seq, at, kind, detail FROM timeline WHERE seq < ? AND (? IS NULL OR kind = ?) ORDER BY seq DESC LIMIT ?`,
        opts.before ?? Number.MAX_SAFE_INTEGER,
        opts.kind ?? null,
        opts.kind ?? null,
        opts.limit,
      )
      .toArray();
    return rows.map((r) => ({ seq: r.seq, at: r.at, kind: r.kind as TimelineKind, detail: JSON.parse(r.detail) }));
  }
}
