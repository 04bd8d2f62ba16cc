import type { Millis } from "../../../kernel/clock";
import type { JsonObject } from "../../../kernel/json";
import type { Journey, JourneyStatus, SendRecord } from "../../../domain/journey/journey";
import type { JourneyChanges, JourneyRecords } from "../../../domain/journey/state";
import { insertRows, type Row as CopiedRow } from "../../row-copy";

export interface JourneyHandover {
  journeys: CopiedRow[];
  sends: CopiedRow[];
  entries: CopiedRow[];
  timers: Array<{ key: string; due_at: number; kind: string; payload: string }>;
}

/** Storage of journeys inside the UserObject: instances, sends and entry history. */
export const JOURNEY_SCHEMA = `
  CREATE TABLE IF NOT EXISTS journeys (
    instance TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, version INTEGER NOT NULL, arm TEXT NOT NULL,
    control INTEGER NOT NULL DEFAULT 0, step TEXT, status TEXT NOT NULL, entered_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL, trigger TEXT NOT NULL, def TEXT NOT NULL, wait_event TEXT,
    inaction_key TEXT, converted INTEGER NOT NULL DEFAULT 0);
  CREATE INDEX IF NOT EXISTS journeys_campaign ON journeys(campaign_id, status);
  CREATE INDEX IF NOT EXISTS journeys_wait ON journeys(wait_event, status);
  CREATE TABLE IF NOT EXISTS campaign_sends (
    key TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, instance TEXT NOT NULL, step_id TEXT NOT NULL,
    variant TEXT NOT NULL, channel TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS campaign_sends_at ON campaign_sends(at);
  CREATE INDEX IF NOT EXISTS campaign_sends_instance ON campaign_sends(instance, step_id);
  CREATE TABLE IF NOT EXISTS campaign_entries (campaign_id TEXT PRIMARY KEY, last_entered_at INTEGER NOT NULL, count INTEGER NOT NULL);`;

type Row = {
  instance: string;
  campaign_id: string;
  version: number;
  arm: string;
  control: number;
  step: string | null;
  status: string;
  entered_at: number;
  trigger: string;
  def: string;
  wait_event: string | null;
  inaction_key: string | null;
  converted: number;
};

const toJourney = (r: Row): Journey => ({
  instance: r.instance,
  campaignId: r.campaign_id,
  version: r.version,
  arm: r.arm,
  control: r.control === 1,
  step: r.step,
  status: r.status as JourneyStatus,
  enteredAt: r.entered_at,
  trigger: JSON.parse(r.trigger),
  def: JSON.parse(r.def),
  waitEvent: r.wait_event,
  inactionKey: r.inaction_key,
  converted: r.converted === 1,
});

/** The journey records of one UserObject over its SQLite storage: what `stepJourney` reads, and where its changes go. */
export class JourneyStore implements JourneyRecords {
  /** Events some journey is waiting for; loaded on first use, dropped by every write to `journeys`. */
  private awaited: Set<string> | null = null;

  constructor(private readonly sql: SqlStorage) {}

  journey(instance: string): Journey | undefined {
    return this.sql.exec<Row>(`SELECT * FROM journeys WHERE instance = ?`, instance).toArray().map(toJourney)[0];
  }

  insert(j: Journey, now: Millis): void {
    this.awaited = null;
    this.sql.exec(
      `INSERT INTO journeys (instance, campaign_id, version, arm, control, step, status, entered_at, updated_at, trigger, def, wait_event, inaction_key, converted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(instance) DO UPDATE SET version = excluded.version, arm = excluded.arm, control = excluded.control, step = excluded.step, status = excluded.status,
         entered_at = excluded.entered_at, updated_at = excluded.updated_at, trigger = excluded.trigger, def = excluded.def, wait_event = excluded.wait_event,
         inaction_key = excluded.inaction_key, converted = excluded.converted`,
      j.instance,
      j.campaignId,
      j.version,
      j.arm,
      j.control ? 1 : 0,
      j.step,
      j.status,
      j.enteredAt,
      now,
      JSON.stringify(j.trigger),
      JSON.stringify(j.def),
      j.waitEvent,
      j.inactionKey,
      j.converted ? 1 : 0,
    );
  }

  update(j: Journey, now: Millis): void {
    this.awaited = null;
    this.sql.exec(
      `UPDATE journeys SET step = ?, status = ?, wait_event = ?, converted = ?, entered_at = ?, updated_at = ?, trigger = ? WHERE instance = ?`,
      j.step,
      j.status,
      j.waitEvent,
      j.converted ? 1 : 0,
      j.enteredAt,
      now,
      JSON.stringify(j.trigger),
      j.instance,
    );
  }

  delete(instance: string): void {
    this.awaited = null;
    this.sql.exec(`DELETE FROM journeys WHERE instance = ?`, instance);
  }

  pendingInaction(campaignId: string, key: string | null): Journey[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM journeys WHERE campaign_id = ? AND status = 'pending' AND (? IS NULL OR inaction_key = ?)`,
        campaignId,
        key,
        key,
      )
      .toArray()
      .map(toJourney);
  }

  waitingFor(event: string): Journey[] {
    this.awaited ??= new Set(
      this.sql
        .exec<{ e: string }>(
          `SELECT DISTINCT wait_event AS e FROM journeys WHERE status = 'waiting' AND wait_event IS NOT NULL`,
        )
        .toArray()
        .map((r) => r.e),
    );
    if (!this.awaited.has(event)) return [];
    return this.sql
      .exec<Row>(`SELECT * FROM journeys WHERE wait_event = ? AND status = 'waiting'`, event)
      .toArray()
      .map(toJourney);
  }

  /** Entries of a campaign that may still convert: entered since `since`, not converted, past the pending stage. */
  convertible(campaignId: string, since: Millis): Journey[] {
    return this.sql
      .exec<Row>(
        `SELECT * FROM journeys WHERE campaign_id = ? AND status != 'pending' AND converted = 0 AND entered_at >= ?`,
        campaignId,
        since,
      )
      .toArray()
      .map(toJourney);
  }

  active(): Journey[] {
    return this.sql
      .exec<Row>(`SELECT * FROM journeys WHERE status != 'done' ORDER BY entered_at`)
      .toArray()
      .map(toJourney);
  }

  lastEntry(campaignId: string): { lastEnteredAt: number; count: number } | undefined {
    const r = this.sql
      .exec<{ last_entered_at: number; count: number }>(
        `SELECT last_entered_at, count FROM campaign_entries WHERE campaign_id = ?`,
        campaignId,
      )
      .toArray()[0];
    return r ? { lastEnteredAt: r.last_entered_at, count: r.count } : undefined;
  }

  recordEntry(campaignId: string, now: Millis): void {
    this.sql.exec(
      `INSERT INTO campaign_entries (campaign_id, last_entered_at, count) VALUES (?, ?, 1) ON CONFLICT(campaign_id) DO UPDATE SET last_entered_at = excluded.last_entered_at, count = count + 1`,
      campaignId,
      now,
    );
  }

  // ── sends ──
  recordSend(s: SendRecord): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO campaign_sends (key, campaign_id, instance, step_id, variant, channel, at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      s.key,
      s.campaignId,
      s.instance,
      s.stepId,
      s.variant,
      s.channel,
      s.at,
      s.status,
    );
  }

  /** Times of messages sent since `since` on capped channels (in-app messages and cards are not capped; test sends never count). */
  sendTimes(since: Millis): number[] {
    return this.sql
      .exec<{ at: number }>(
        `SELECT at FROM campaign_sends WHERE at >= ? AND channel NOT IN ('in_app', 'content_card') AND status NOT IN ('failed', 'bounced') AND key NOT LIKE 'test:%'`,
        since,
      )
      .toArray()
      .map((r) => r.at);
  }

  send(key: string): SendRecord | undefined {
    return this.sql
      .exec<{
        key: string;
        status: string;
        instance: string;
        step_id: string;
        campaign_id: string;
        variant: string;
        channel: string;
        at: number;
      }>(
        `SELECT key, status, instance, step_id, campaign_id, variant, channel, at FROM campaign_sends WHERE key = ?`,
        key,
      )
      .toArray()
      .map((r) => ({
        key: r.key,
        status: r.status,
        instance: r.instance,
        stepId: r.step_id,
        campaignId: r.campaign_id,
        variant: r.variant,
        channel: r.channel,
        at: r.at,
      }))[0];
  }

  setSendStatus(key: string, status: string): void {
    this.sql.exec(`UPDATE campaign_sends SET status = ? WHERE key = ?`, status, key);
  }

  stepStatus(instance: string, stepId: string): string | null {
    return (
      this.sql
        .exec<{ status: string }>(
          `SELECT status FROM campaign_sends WHERE instance = ? AND step_id = ? ORDER BY at DESC LIMIT 1`,
          instance,
          stepId,
        )
        .toArray()[0]?.status ?? null
    );
  }

  /** Writes what one `stepJourney` changed. */
  persist(c: JourneyChanges, now: Millis): void {
    for (const [instance, change] of c.journeys) {
      if (change.op === "delete") this.delete(instance);
      else if (change.op === "insert") this.insert(change.journey, now);
      else this.update(change.journey, now);
    }
    for (const e of c.entries) this.recordEntry(e.campaignId, e.at);
    for (const s of c.sends) this.recordSend(s);
    for (const [key, status] of c.sendStatus) this.setSendStatus(key, status);
  }

  /**
   * For an identity merge: the visitor's open journeys with their timers, its sends (idempotency
   * keys, caps, branch statuses) and entry history. Instances keep their ids, so a send they
   * already made is never made again by the identified object.
   */
  dump(): JourneyHandover {
    return {
      journeys: this.sql.exec<CopiedRow>(`SELECT * FROM journeys WHERE status != 'done'`).toArray(),
      sends: this.sql.exec<CopiedRow>(`SELECT * FROM campaign_sends`).toArray(),
      entries: this.sql.exec<CopiedRow>(`SELECT * FROM campaign_entries`).toArray(),
      timers: this.sql
        .exec<{ key: string; due_at: number; kind: string; payload: string }>(
          `SELECT key, due_at, kind, payload FROM timers WHERE substr(key, 1, 8) = 'journey:'`,
        )
        .toArray(),
    };
  }

  /** Takes over a visitor's journeys; what this object already has wins, entry histories add up. */
  absorb(d: JourneyHandover): Array<{ key: string; dueAt: number; kind: string; payload: JsonObject }> {
    this.awaited = null;
    insertRows(this.sql, "journeys", d.journeys);
    insertRows(this.sql, "campaign_sends", d.sends);
    insertRows(
      this.sql,
      "campaign_entries",
      d.entries,
      "ON CONFLICT(campaign_id) DO UPDATE SET last_entered_at = MAX(last_entered_at, excluded.last_entered_at), count = count + excluded.count",
    );
    return d.timers.map((t) => ({
      key: t.key,
      dueAt: t.due_at,
      kind: t.kind,
      payload: JSON.parse(t.payload) as JsonObject,
    }));
  }

  /** Forget finished journeys and sends older than `before` (bounded storage). */
  prune(before: Millis): void {
    this.awaited = null;
    this.sql.exec(`DELETE FROM journeys WHERE status = 'done' AND updated_at < ?`, before);
    this.sql.exec(`DELETE FROM campaign_sends WHERE at < ?`, before);
  }
}
