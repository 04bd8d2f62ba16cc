import type { Millis } from "../../../kernel/clock";
import { insertRows, type Row } from "../../row-copy";
import type { ContentCardContent, InAppContent } from "../../../domain/inapp/model";

/**
 * The in-app tables of one UserObject's SQLite database. Keys are the campaign
 * idempotency keys (`campaign:step:instance`), so storing twice stores once.
 */
export const INAPP_SCHEMA = `
  CREATE TABLE IF NOT EXISTS inapp_messages (
    key TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, variant TEXT NOT NULL, content TEXT NOT NULL,
    trigger_event TEXT, priority INTEGER NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending', shown_at INTEGER, closed_at INTEGER);
  CREATE INDEX IF NOT EXISTS inapp_messages_status ON inapp_messages(status, expires_at);
  CREATE TABLE IF NOT EXISTS inapp_cards (
    key TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, variant TEXT NOT NULL, content TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, user_pinned INTEGER,
    viewed_at INTEGER, read_at INTEGER, clicked_at INTEGER, dismissed_at INTEGER);
  CREATE TABLE IF NOT EXISTS inapp_engagement (dedupe TEXT PRIMARY KEY, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS inapp_answers (question_id TEXT PRIMARY KEY, answer TEXT NOT NULL, message_key TEXT NOT NULL, at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS inapp_state (k TEXT PRIMARY KEY, v INTEGER NOT NULL);`;

export type MessageStatus = "pending" | "shown" | "closed";

export interface MessageRow {
  key: string;
  campaignId: string;
  variant: string;
  content: InAppContent;
  triggerEvent: string | null;
  priority: number;
  createdAt: Millis;
  expiresAt: Millis;
  status: MessageStatus;
  shownAt: Millis | null;
  closedAt: Millis | null;
}

export interface CardRow {
  key: string;
  campaignId: string;
  variant: string;
  content: ContentCardContent;
  createdAt: Millis;
  expiresAt: Millis;
  userPinned: boolean | null;
  viewedAt: Millis | null;
  readAt: Millis | null;
  clickedAt: Millis | null;
  dismissedAt: Millis | null;
}

type Raw = Row;
const MERGED_TABLES = ["inapp_messages", "inapp_cards", "inapp_engagement", "inapp_answers", "inapp_state"] as const;

const num = (v: SqlStorageValue): number | null => (v === null ? null : Number(v));

function messageOf(r: Raw): MessageRow {
  return {
    key: String(r.key),
    campaignId: String(r.campaign_id),
    variant: String(r.variant),
    content: JSON.parse(String(r.content)) as InAppContent,
    triggerEvent: r.trigger_event === null ? null : String(r.trigger_event),
    priority: Number(r.priority),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    status: String(r.status) as MessageStatus,
    shownAt: num(r.shown_at!),
    closedAt: num(r.closed_at!),
  };
}

function cardOf(r: Raw): CardRow {
  return {
    key: String(r.key),
    campaignId: String(r.campaign_id),
    variant: String(r.variant),
    content: JSON.parse(String(r.content)) as ContentCardContent,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    userPinned: r.user_pinned === null ? null : Number(r.user_pinned) === 1,
    viewedAt: num(r.viewed_at!),
    readAt: num(r.read_at!),
    clickedAt: num(r.clicked_at!),
    dismissedAt: num(r.dismissed_at!),
  };
}

export class InAppStore {
  constructor(private readonly sql: SqlStorage) {}

  // ── messages ──

  /** Inserts a message unless its key exists; true when stored. */
  insertMessage(m: Omit<MessageRow, "status" | "shownAt" | "closedAt">): boolean {
    return (
      this.sql.exec(
        `INSERT OR IGNORE INTO inapp_messages (key, campaign_id, variant, content, trigger_event, priority, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        m.key,
        m.campaignId,
        m.variant,
        JSON.stringify(m.content),
        m.triggerEvent,
        m.priority,
        m.createdAt,
        m.expiresAt,
      ).rowsWritten > 0
    );
  }

  message(key: string): MessageRow | null {
    const r = this.sql.exec<Raw>(`SELECT * FROM inapp_messages WHERE key = ?`, key).toArray()[0];
    return r ? messageOf(r) : null;
  }

  pendingMessages(now: Millis): MessageRow[] {
    return this.sql
      .exec<Raw>(`SELECT * FROM inapp_messages WHERE status = 'pending' AND expires_at > ?`, now)
      .toArray()
      .map(messageOf);
  }

  setMessageStatus(key: string, status: MessageStatus, now: Millis): void {
    if (status === "shown")
      this.sql.exec(
        `UPDATE inapp_messages SET status = 'shown', shown_at = COALESCE(shown_at, ?) WHERE key = ? AND status = 'pending'`,
        now,
        key,
      );
    else
      this.sql.exec(
        `UPDATE inapp_messages SET status = ?, shown_at = COALESCE(shown_at, ?), closed_at = COALESCE(closed_at, ?) WHERE key = ?`,
        status,
        now,
        now,
        key,
      );
  }

  deleteMessages(keys: readonly string[]): void {
    for (const key of keys) this.sql.exec(`DELETE FROM inapp_messages WHERE key = ?`, key);
  }

  // ── cards ──

  insertCard(c: Omit<CardRow, "userPinned" | "viewedAt" | "readAt" | "clickedAt" | "dismissedAt">): boolean {
    return (
      this.sql.exec(
        `INSERT OR IGNORE INTO inapp_cards (key, campaign_id, variant, content, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
        c.key,
        c.campaignId,
        c.variant,
        JSON.stringify(c.content),
        c.createdAt,
        c.expiresAt,
      ).rowsWritten > 0
    );
  }

  card(key: string): CardRow | null {
    const r = this.sql.exec<Raw>(`SELECT * FROM inapp_cards WHERE key = ?`, key).toArray()[0];
    return r ? cardOf(r) : null;
  }

  /** The feed: unexpired, not dismissed. */
  liveCards(now: Millis): CardRow[] {
    return this.sql
      .exec<Raw>(`SELECT * FROM inapp_cards WHERE dismissed_at IS NULL AND expires_at > ?`, now)
      .toArray()
      .map(cardOf);
  }

  markCard(key: string, column: "viewed_at" | "read_at" | "clicked_at" | "dismissed_at", now: Millis): void {
    this.sql.exec(`UPDATE inapp_cards SET ${column} = COALESCE(${column}, ?) WHERE key = ?`, now, key);
  }

  pinCard(key: string, pinned: boolean): void {
    this.sql.exec(`UPDATE inapp_cards SET user_pinned = ? WHERE key = ?`, pinned ? 1 : 0, key);
  }

  deleteCards(keys: readonly string[]): void {
    for (const key of keys) this.sql.exec(`DELETE FROM inapp_cards WHERE key = ?`, key);
  }

  // ── engagement dedupe, survey answers, state ──

  /** True the first time a dedupe key is seen. */
  firstTime(dedupe: string, now: Millis): boolean {
    return (
      this.sql.exec(`INSERT OR IGNORE INTO inapp_engagement (dedupe, at) VALUES (?, ?)`, dedupe, now).rowsWritten > 0
    );
  }

  saveAnswer(questionId: string, answer: unknown, messageKey: string, now: Millis): void {
    this.sql.exec(
      `INSERT INTO inapp_answers (question_id, answer, message_key, at) VALUES (?, ?, ?, ?) ON CONFLICT(question_id) DO UPDATE SET answer = excluded.answer, message_key = excluded.message_key, at = excluded.at`,
      questionId,
      JSON.stringify(answer),
      messageKey,
      now,
    );
  }

  answers(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.sql.exec<{ question_id: string; answer: string }>(
      `SELECT question_id, answer FROM inapp_answers ORDER BY question_id LIMIT 100`,
    ))
      out[r.question_id] = JSON.parse(r.answer);
    return out;
  }

  state(k: string): number | null {
    const r = this.sql.exec<{ v: number }>(`SELECT v FROM inapp_state WHERE k = ?`, k).toArray()[0];
    return r ? Number(r.v) : null;
  }

  setState(k: string, v: number): void {
    this.sql.exec(`INSERT INTO inapp_state (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v`, k, v);
  }

  // ── housekeeping ──

  /** Deletes expired pending messages and cards, old closed messages and old dedupe rows; returns what expired unseen. */
  purge(now: Millis, keepClosedMs: number, keepDedupeMs: number): { expiredMessages: string[]; expiredCards: number } {
    const expiredMessages = this.sql
      .exec<{ key: string }>(`SELECT key FROM inapp_messages WHERE status = 'pending' AND expires_at <= ?`, now)
      .toArray()
      .map((r) => r.key);
    this.sql.exec(
      `DELETE FROM inapp_messages WHERE (status = 'pending' AND expires_at <= ?) OR (status != 'pending' AND COALESCE(closed_at, shown_at, created_at) < ?)`,
      now,
      now - keepClosedMs,
    );
    const expiredCards = this.sql.exec(
      `DELETE FROM inapp_cards WHERE expires_at <= ? OR (dismissed_at IS NOT NULL AND dismissed_at < ?)`,
      now,
      now - keepClosedMs,
    ).rowsWritten;
    this.sql.exec(`DELETE FROM inapp_engagement WHERE at < ?`, now - keepDedupeMs);
    return { expiredMessages, expiredCards };
  }

  /** Every in-app row, for an identity merge (the anonymous object hands its rows to the identified one). */
  dump(): Record<string, Raw[]> {
    const out: Record<string, Raw[]> = {};
    for (const table of MERGED_TABLES) out[table] = this.sql.exec<Raw>(`SELECT * FROM ${table}`).toArray();
    return out;
  }

  /** Takes over another object's rows; what this object already has wins (same key), the later last-shown time wins. */
  absorb(dump: Record<string, Raw[]>): void {
    for (const table of MERGED_TABLES)
      insertRows(
        this.sql,
        table,
        dump[table] ?? [],
        table === "inapp_state" ? "ON CONFLICT(k) DO UPDATE SET v = MAX(v, excluded.v)" : undefined,
      );
  }

  isEmpty(): boolean {
    const r = this.sql
      .exec<{ n: number }>(
        `SELECT (SELECT COUNT(*) FROM inapp_messages) + (SELECT COUNT(*) FROM inapp_cards) + (SELECT COUNT(*) FROM inapp_engagement) AS n`,
      )
      .one();
    return Number(r.n) === 0;
  }

  counts(now: Millis): { pending: number; shown: number; cards: number; unreadCards: number } {
    const r = this.sql
      .exec<{ pending: number; shown: number; cards: number; unread: number }>(
        `SELECT (SELECT COUNT(*) FROM inapp_messages WHERE status = 'pending' AND expires_at > ?) AS pending,
                (SELECT COUNT(*) FROM inapp_messages WHERE status != 'pending') AS shown,
                (SELECT COUNT(*) FROM inapp_cards WHERE dismissed_at IS NULL AND expires_at > ?) AS cards,
                (SELECT COUNT(*) FROM inapp_cards WHERE dismissed_at IS NULL AND read_at IS NULL AND expires_at > ?) AS unread`,
        now,
        now,
        now,
      )
      .one();
    return {
      pending: Number(r.pending),
      shown: Number(r.shown),
      cards: Number(r.cards),
      unreadCards: Number(r.unread),
    };
  }
}
