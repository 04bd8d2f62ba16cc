import type { Millis } from "../kernel/clock";
import type { BeckonEvent } from "../domain/events/beckon-event";
import type { Handover } from "./identity-merge";
import { cursorBounds, type TimelineCursor, type TimelineEntry } from "./timeline";

/**
 * The person's recent events (`events`) and the messageIds already applied (`seen_messages`).
 * Applied events are kept in memory until a read needs them, then written in multi-row
 * statements: a batch of 20 events costs two inserts, not twenty.
 */
export class EventLog {
  private unlogged: BeckonEvent[] = [];

  constructor(private readonly sql: SqlStorage) {}

  /** Records messageIds as seen, in as few statements as the bound-parameter limit allows; returns the new ones. */
  claim(ids: string[], now: Millis): Set<string> {
    const fresh = new Set<string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 50) {
      const chunk = unique.slice(i, i + 50);
      const rows = this.sql
        .exec<{ message_id: string }>(
          `INSERT OR IGNORE INTO seen_messages (message_id, at) VALUES ${chunk.map(() => "(?, ?)").join(", ")} RETURNING message_id`,
          ...chunk.flatMap((id) => [id, now]),
        )
        .toArray();
      for (const r of rows) fresh.add(r.message_id);
    }
    return fresh;
  }

  append(event: BeckonEvent): void {
    this.unlogged.push(event);
  }

  /** The transaction rolled back: the events it applied never happened. */
  discard(): void {
    this.unlogged = [];
  }

  /** Writes the applied events into the log, 16 rows (96 bound parameters) per statement, in order. */
  flush(): void {
    const events = this.unlogged;
    if (events.length === 0) return;
    this.unlogged = [];
    for (let i = 0; i < events.length; i += 16) {
      const chunk = events.slice(i, i + 16);
      this.sql.exec(
        `INSERT INTO events (message_id, type, name, at, properties, context) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
        ...chunk.flatMap((e) => [
          e.messageId,
          e.type,
          e.name,
          e.timestamp,
          JSON.stringify(e.properties),
          e.context ? JSON.stringify(e.context) : null,
        ]),
      );
    }
  }

  /** One event name's log (oldest first), including this call's events so far. */
  read(name: string, since = Number.NEGATIVE_INFINITY): Array<{ at: number; properties: string }> {
    this.flush();
    return this.sql
      .exec<{ at: number; properties: string }>(
        `SELECT at, properties FROM events WHERE name = ? AND at >= ? ORDER BY at`,
        name,
        since,
      )
      .toArray();
  }

  /** Keeps the newest `keep` events (the app's `recentEvents` setting). */
  trim(keep: number): void {
    this.sql.exec(`DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?`, keep);
  }

  /** Forgets messageIds older than the dedupe window. */
  forgetSeenBefore(at: Millis): void {
    this.sql.exec(`DELETE FROM seen_messages WHERE at < ?`, at);
  }

  /** A timeline page's events, newest first, strictly before the cursor. */
  page(limit: number, before?: TimelineCursor): TimelineEntry[] {
    const [at, seq] = cursorBounds("event", before);
    return this.sql
      .exec<{
        seq: number;
        message_id: string;
        type: string;
        name: string;
        at: number;
        properties: string;
        context: string | null;
      }>(
        `SELECT seq, message_id, type, name, at, properties, context FROM events WHERE at < ? OR (at = ? AND seq < ?) ORDER BY at DESC, seq DESC LIMIT ?`,
        at,
        at,
        seq,
        limit,
      )
      .toArray()
      .map(
        (r): TimelineEntry => ({
          seq: r.seq,
          at: r.at,
          kind: "event",
          detail: {
            messageId: r.message_id,
            type: r.type,
            name: r.name,
            properties: JSON.parse(r.properties),
            ...(r.context ? { context: JSON.parse(r.context) } : {}),
          },
        }),
      );
  }

  /** Everything an identified person takes over from this (anonymous) log. */
  handOver(): Pick<Handover, "events" | "seen"> {
    return {
      events: this.sql
        .exec<{
          message_id: string;
          type: string;
          name: string;
          at: number;
          properties: string;
          context: string | null;
        }>(`SELECT message_id, type, name, at, properties, context FROM events ORDER BY seq`)
        .toArray()
        .map((r) => ({
          messageId: r.message_id,
          type: r.type,
          name: r.name,
          at: r.at,
          properties: r.properties,
          context: r.context,
        })),
      seen: this.sql
        .exec<{ message_id: string }>(`SELECT message_id FROM seen_messages`)
        .toArray()
        .map((r) => r.message_id),
    };
  }

  /** Takes over another log's events and seen messageIds (identity merge). */
  absorb(handover: Pick<Handover, "events" | "seen">, now: Millis): void {
    for (const e of handover.events)
      this.sql.exec(
        `INSERT INTO events (message_id, type, name, at, properties, context) VALUES (?, ?, ?, ?, ?, ?)`,
        e.messageId,
        e.type,
        e.name,
        e.at,
        e.properties,
        e.context ?? null,
      );
    for (const id of handover.seen)
      this.sql.exec(`INSERT OR IGNORE INTO seen_messages (message_id, at) VALUES (?, ?)`, id, now);
  }
}
