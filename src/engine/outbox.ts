import type { Millis } from "../kernel/clock";
import type { SendJob } from "../domain/delivery/send-job";
import type { IndexUpdate } from "../domain/messages/index-update";
import type { Timeline } from "./timeline";
import type { TimerTable } from "./timers";

export type OutboxQueue = "SENDS" | "INDEX";

/** A send the consumer has not reported on is enqueued again after 1 min, then 2, 4 … (8 times, ~4 h in all). */
const RESEND_AFTER_MS = 60_000;
const MAX_RESENDS = 8;
/** Queue limits: 128 KB per message, 100 messages and 256 KB per sendBatch (with headroom). */
const MAX_QUEUE_MESSAGE_BYTES = 120 * 1024;
const MAX_QUEUE_BATCH_BYTES = 240 * 1024;

export interface OutboxQueues {
  SENDS: Queue<SendJob>;
  INDEX: Queue<IndexUpdate>;
  /** Tests shorten the re-send delay (ms). */
  OUTBOX_RESEND_MS?: string;
}

/**
 * Messages decided in a transaction, written in that same transaction (`outbox` table) and put
 * on their queue right after it commits. Index updates are done once enqueued; send jobs stay
 * until the delivery consumer reports on them (`acknowledge`), and are enqueued again when it
 * never does. The consumers dedupe on the idempotency key, so a repeat is harmless.
 */
export class Outbox {
  /** Set when a transaction writes rows; the host arms its guard alarm and clears it. */
  written = false;
  /**
   * Rows may be waiting unless the last complete flush started after the last write
   * (a count, since writes can land while a flush awaits the queue). Unknown after a restart.
   */
  private writes = 1;
  private flushedAt = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly timers: TimerTable,
    private readonly timeline: Timeline,
    private readonly queues: OutboxQueues,
    /** The person's index shard, stamped on each message so consumers write their rows there (null: no profile yet). */
    private readonly shardOf: () => number | null = () => 0,
    /** The person's send queue (several with `SEND_QUEUES`, src/domain/scale/send-queues.ts); default SENDS. */
    private readonly sendQueue: () => Queue<unknown> = () => this.queues.SENDS,
  ) {}

  /** Storage was re-read (a restart, a rollback): assume rows may be waiting. */
  reset(): void {
    this.written = false;
    this.writes++;
  }

  write(queue: OutboxQueue, body: unknown, now: Millis, sendKey: string | null = null): void {
    this.written = true;
    this.writes++;
    // Index messages name the person's shard; 0 is the consumer's default, so a one-database
    // deployment's messages carry nothing extra.
    const shard = queue === "INDEX" ? this.shardOf() : 0;
    const stamped = shard && typeof body === "object" && body !== null ? { ...body, shard } : body;
    this.sql.exec(
      `INSERT INTO outbox (queue, body, created_at, send_key) VALUES (?, ?, ?, ?)`,
      queue,
      JSON.stringify(stamped),
      now,
      sendKey,
    );
  }

  /** A send job: re-sent unless the consumer reports back first (see `resendUnacknowledged`). */
  enqueueSend(job: SendJob, now: Millis): void {
    this.write("SENDS", job, now, job.idempotencyKey);
    this.timers.scheduleIfAbsent({
      key: "outbox-resend",
      dueAt: now + this.resendAfterMs(),
      kind: "outbox-resend",
      payload: {},
    });
  }

  /** The delivery consumer reported on this send: its row has done its job. */
  acknowledge(idempotencyKey: string): void {
    this.sql.exec(`DELETE FROM outbox WHERE send_key = ?`, idempotencyKey);
    // Nothing left to watch: spare the alarm a wake for the re-send check.
    if (this.sql.exec(`SELECT 1 FROM outbox WHERE send_key IS NOT NULL LIMIT 1`).toArray().length === 0)
      this.timers.cancel("outbox-resend");
  }

  /** Sends already on the queue will be acknowledged to another object (identity merge): stop tracking them. */
  forgetEnqueued(): void {
    this.sql.exec(`DELETE FROM outbox WHERE enqueued_at IS NOT NULL`);
  }

  private resendAfterMs(): number {
    const ms = Number(this.queues.OUTBOX_RESEND_MS);
    return Number.isFinite(ms) && ms > 0 ? ms : RESEND_AFTER_MS;
  }

  /**
   * A send job the queue took but the delivery consumer never reported on (the queue lost it, or
   * the process died): enqueued again, with backoff, until the consumer reports back. The consumer's
   * claim makes a duplicate harmless, and it reports a re-sent job's state even when already settled.
   */
  resendUnacknowledged(now: Millis): void {
    const rows = this.sql
      .exec<{ id: number; created_at: number; resends: number; body: string }>(
        `SELECT id, created_at, resends, body FROM outbox WHERE send_key IS NOT NULL AND enqueued_at IS NOT NULL`,
      )
      .toArray();
    let next: number | null = null;
    for (const r of rows) {
      const due = r.created_at + this.resendAfterMs() * 2 ** r.resends;
      if (due > now) {
        next = next === null ? due : Math.min(next, due);
        continue;
      }
      if (r.resends >= MAX_RESENDS) {
        const job = JSON.parse(r.body) as SendJob;
        this.timeline.add(now, "decision", {
          campaignId: job.campaignId,
          key: job.idempotencyKey,
          unconfirmed: true,
          reason: `the delivery consumer never reported on this send after ${MAX_RESENDS} re-sends`,
        });
        this.sql.exec(`DELETE FROM outbox WHERE id = ?`, r.id);
        continue;
      }
      const job = { ...(JSON.parse(r.body) as SendJob), resend: r.resends + 1 };
      this.sql.exec(
        `UPDATE outbox SET enqueued_at = NULL, resends = resends + 1, body = ? WHERE id = ?`,
        JSON.stringify(job),
        r.id,
      );
      this.written = true;
      this.writes++;
      const again = r.created_at + this.resendAfterMs() * 2 ** (r.resends + 1);
      next = next === null ? again : Math.min(next, again);
    }
    if (next !== null) this.timers.schedule({ key: "outbox-resend", dueAt: next, kind: "outbox-resend", payload: {} });
  }

  /** Enqueues every row not yet enqueued; on a queue failure the rows stay and a timer retries. */
  async flush(): Promise<void> {
    const writes = this.writes;
    if (writes === this.flushedAt) return; // nothing written since the last complete flush
    try {
      for (;;) {
        const rows = this.sql
          .exec<{ id: number; queue: OutboxQueue; body: string }>(
            `SELECT id, queue, body FROM outbox WHERE enqueued_at IS NULL ORDER BY id LIMIT 100`,
          )
          .toArray();
        if (rows.length === 0) break;
        for (const queue of ["SENDS", "INDEX"] as const) {
          for (const batch of queueBatches(rows.filter((r) => r.queue === queue))) await this.send(queue, batch);
        }
        if (rows.length < 100) break;
      }
      this.flushedAt = Math.max(this.flushedAt, writes);
    } catch (err) {
      // The rows stay; a retry timer sends them again (consumers dedupe on the idempotency key).
      console.error("outbox flush failed; will retry", err);
      this.timers.scheduleIfAbsent({ key: "outbox", dueAt: Date.now() + 5_000, kind: "outbox", payload: {} });
    }
  }

  private async send(queue: OutboxQueue, batch: Array<{ id: number; body: string }>): Promise<void> {
    const binding: Queue<unknown> = queue === "SENDS" ? this.sendQueue() : this.queues.INDEX;
    const sendable = batch.filter((r) => r.body.length <= MAX_QUEUE_MESSAGE_BYTES);
    for (const r of batch.filter((r) => r.body.length > MAX_QUEUE_MESSAGE_BYTES)) {
      // Larger than a queue message may be: it can never be sent, so record it instead of blocking the outbox.
      this.timeline.add(Date.now(), "decision", {
        dropped: queue === "SENDS" ? "send" : "index update",
        bytes: r.body.length,
        reason: "larger than a queue message (128 KB)",
      });
      this.sql.exec(`DELETE FROM outbox WHERE id = ?`, r.id);
    }
    if (sendable.length > 0)
      await binding.sendBatch(sendable.map((r) => ({ body: JSON.parse(r.body), contentType: "json" as const })));
    // Index updates are done once enqueued; send jobs wait for the consumer's report (acknowledge).
    const at = Date.now();
    for (const r of sendable) {
      if (queue === "SENDS") this.sql.exec(`UPDATE outbox SET enqueued_at = ? WHERE id = ?`, at, r.id);
      else this.sql.exec(`DELETE FROM outbox WHERE id = ?`, r.id);
    }
  }
}

function queueBatches<T extends { body: string }>(rows: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const r of rows) {
    if (current.length > 0 && (current.length >= 100 || bytes + r.body.length > MAX_QUEUE_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += r.body.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
