import type { JsonObject } from "../kernel/json";
import type { Millis } from "../kernel/clock";

export type TimelineKind =
  | "transition"
  | "decision"
  | "delivery"
  | "identity"
  | "consent"
  | "device"
  | "geofence"
  | "segment"
  | "engagement";

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
  /** Set by the object for one transaction while export is on: sees every entry added. */
  tap: ((at: Millis, kind: TimelineKind, detail: JsonObject) => void) | null = null;

  constructor(private readonly sql: SqlStorage) {}

  add(at: Millis, kind: TimelineKind, detail: JsonObject): void {
    this.sql.exec(`INSERT INTO timeline (at, kind, detail) VALUES (?, ?, ?)`, at, kind, JSON.stringify(detail));
    this.tap?.(at, kind, detail);
    // Trim occasionally rather than on every insert.
    if (++this.writes % 100 === 0)
      this.sql.exec(`DELETE FROM timeline WHERE seq <= (SELECT MAX(seq) FROM timeline) - ?`, Timeline.MAX_ENTRIES);
  }

  list(opts: { limit: number; before?: TimelineCursor; kind?: string }): TimelineEntry[] {
    const [at, seq] = cursorBounds("decision", opts.before);
    const rows = this.sql
      .exec<{ seq: number; at: number; kind: string; detail: string }>(
        `SELECT seq, at, kind, detail FROM timeline WHERE (at < ? OR (at = ? AND seq < ?)) AND (? IS NULL OR kind = ?) ORDER BY at DESC, seq DESC LIMIT ?`,
        at,
        at,
        seq,
        opts.kind ?? null,
        opts.kind ?? null,
        opts.limit,
      )
      .toArray();
    return rows.map((r) => ({ seq: r.seq, at: r.at, kind: r.kind as TimelineKind, detail: JSON.parse(r.detail) }));
  }
}

/**
 * A position in the merged timeline (decisions and events: two tables, each with its own seq),
 * ordered newest first by (at, source, seq). Unique, so paging neither repeats nor skips.
 */
export interface TimelineCursor {
  at: Millis;
  source: "decision" | "event";
  seq: number;
}

const SOURCE_RANK = { decision: 1, event: 0 } as const;

/** Rows of `source` after the cursor: at < A, or at = A and seq < the returned bound. */
export function cursorBounds(source: TimelineCursor["source"], before: TimelineCursor | undefined): [number, number] {
  if (!before) return [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  const rank = SOURCE_RANK[source] - SOURCE_RANK[before.source];
  return [before.at, rank < 0 ? Number.MAX_SAFE_INTEGER : rank === 0 ? before.seq : -1];
}

const sourceOf = (e: TimelineEntry): TimelineCursor["source"] => (e.kind === "event" ? "event" : "decision");

/** Newest first by (at, source, seq): the order the cursor pages in. */
export function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  return b.at - a.at || SOURCE_RANK[sourceOf(b)] - SOURCE_RANK[sourceOf(a)] || b.seq - a.seq;
}

export const encodeCursor = (e: TimelineEntry): string => `${e.at}.${sourceOf(e) === "event" ? "e" : "d"}.${e.seq}`;

export function decodeCursor(text: string): TimelineCursor | undefined {
  const m = /^(\d{1,16})\.([de])\.(\d{1,16})$/.exec(text);
  return m ? { at: Number(m[1]), source: m[2] === "e" ? "event" : "decision", seq: Number(m[3]) } : undefined;
}
