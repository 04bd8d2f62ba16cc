import { and, eq, inArray } from "drizzle-orm";
import { database } from "../stores/d1/client";
import { channelAddresses, deliveries } from "../stores/d1/schema";
import type { DeliveryTarget, ProviderName, SendOutcome } from "./channels/types";
import type { SendJob } from "../domain/delivery/send-job";
import type { DeliveryStatus } from "./status";

/**
 * The `deliveries` table: one row per job and target, the record that makes every send
 * happen once. A consumer claims a row (status `sending`, with a lease) before calling the
 * provider and records the answer after; a redelivered message finds the row and stops.
 */
export type DeliveryRow = typeof deliveries.$inferSelect;

/** How long a claim blocks other consumers: longer than any provider call (timeout) plus recording. */
export const LEASE_MS = 60_000;

export async function loadDeliveries(d1: D1Database, keys: string[]): Promise<Map<string, DeliveryRow[]>> {
  const byKey = new Map<string, DeliveryRow[]>();
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += 90) {
    const rows = await database(d1)
      .select()
      .from(deliveries)
      .where(inArray(deliveries.idempotencyKey, unique.slice(i, i + 90)));
    for (const r of rows) byKey.set(r.idempotencyKey, [...(byKey.get(r.idempotencyKey) ?? []), r]);
  }
  return byKey;
}

/** Done: nothing more will be sent for this row. */
export const isSettled = (row: DeliveryRow | undefined) => !!row && row.status !== "queued" && row.status !== "sending";

export interface Attempt {
  job: SendJob;
  target: DeliveryTarget;
  provider: ProviderName;
}

// The two writers below run for every job of every batch. They use fixed SQL through D1's
// prepared statements: building ~150 statements per batch with drizzle's query builder was about
// half of the consumer's CPU (profiled under `wrangler dev`). The columns are those of
// `deliveries`, `channel_addresses`, `campaign_stats` and `delivery_events` in src/stores/d1/schema.ts.

const CLAIM_SQL = `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, attempts, lease_until, address, created_at, updated_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sending', 1, ?10, ?11, ?12, ?12)
  ON CONFLICT (idempotency_key, target) DO UPDATE SET status = 'sending', provider = excluded.provider, attempts = deliveries.attempts + 1, lease_until = excluded.lease_until, updated_at = excluded.updated_at
  WHERE deliveries.status = 'queued' OR (deliveries.status = 'sending' AND deliveries.lease_until < ?12)
  RETURNING attempts`;
const REMEMBER_ADDRESS_SQL = `INSERT INTO channel_addresses (app_id, channel, address, user_object, user_id, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
  ON CONFLICT (channel, address, app_id) DO UPDATE SET user_object = excluded.user_object, user_id = excluded.user_id, updated_at = excluded.updated_at`;
const RECORD_SENT_SQL = `UPDATE deliveries SET status = 'sent', provider_message_id = ?3, sent_at = ?4, updated_at = ?4, lease_until = NULL, error = NULL, payload = COALESCE(?5, payload)
  WHERE idempotency_key = ?1 AND target = ?2 AND status = 'sending'`;
const COUNT_SENT_SQL = `INSERT INTO campaign_stats (dedupe_key, app_id, campaign_id, variant, kind, user_id, at) VALUES (?1, ?2, ?3, ?4, 'sent', ?5, ?6) ON CONFLICT DO NOTHING`;
const PENDING_CALLBACK_SQL = `SELECT event_id FROM delivery_events WHERE provider = ?1 AND provider_message_id = ?2 AND applied_at IS NULL LIMIT 1`;
const RECORD_UNSENT_SQL = `UPDATE deliveries SET status = ?3, error = ?4, updated_at = ?5, lease_until = NULL WHERE idempotency_key = ?1 AND target = ?2 AND status = 'sending'`;
const OWE_FEEDBACK_SQL = `INSERT INTO delivery_events (event_id, provider, provider_message_id, status, detail, at, received_at) VALUES (?1, ?2, ?3, 'feedback', ?4, ?5, ?5) ON CONFLICT DO NOTHING`;

/**
 * Claims targets for one provider call each, in one D1 round trip for the whole batch. A claim
 * succeeds for a new row, a row waiting for a retry (`queued`), or a `sending` row whose lease
 * ran out (its consumer died mid-call). Returns each attempt's number, or null when another
 * consumer holds it or it is settled. Addresses are remembered in the same round trip
 * (inbound STOP → person).
 */
export async function claimAll(d1: D1Database, attempts: Attempt[], now: number): Promise<Array<number | null>> {
  if (attempts.length === 0) return [];
  const statements: D1PreparedStatement[] = [];
  const claimIndex: number[] = [];
  const claim = d1.prepare(CLAIM_SQL);
  const remember = d1.prepare(REMEMBER_ADDRESS_SQL);
  for (const { job, target, provider } of attempts) {
    claimIndex.push(statements.length);
    statements.push(
      claim.bind(
        job.idempotencyKey,
        target.key,
        job.appId,
        job.userId,
        job.userObject,
        job.campaignId,
        job.variant,
        job.channel,
        provider,
        now + LEASE_MS,
        target.address ?? null,
        now,
      ),
    );
    const channel = job.channel;
    if (target.address && (channel === "sms" || channel === "whatsapp" || channel === "email")) {
      statements.push(
        remember.bind(job.appId, channel, normalizeAddress(channel, target.address), job.userObject, job.userId, now),
      );
    }
  }
  const results = await d1.batch<{ attempts: number }>(statements);
  return claimIndex.map((i) => results[i]!.results[0]?.attempts ?? null);
}

/** Feedback a permanent failure owes the person is kept as a `delivery_events` row of this pseudo-provider (see `owedFeedback`). */
export const FEEDBACK_PROVIDER = "feedback";
export const feedbackEventId = (idempotencyKey: string, target: string) => `feedback:${idempotencyKey}:${target}`;

export interface Recorded extends Attempt {
  outcome: SendOutcome;
}

/**
 * Records the providers' answers on claimed rows, in one round trip for the batch (only a
 * `sending` row changes, so a late consumer cannot undo a newer state). A send also counts the
 * campaign's `sent` stat and asks whether callbacks for its message id arrived before the
 * record did. A permanent failure with feedback for the person stores that feedback, unapplied,
 * in the same round trip. Returns, per outcome, whether such pending callbacks exist.
 */
export async function recordAll(d1: D1Database, recorded: Recorded[], now: number): Promise<boolean[]> {
  if (recorded.length === 0) return [];
  const statements: D1PreparedStatement[] = [];
  const pendingIndex: Array<number | null> = [];
  const [sent, count, pending, unsent, owe] = [
    RECORD_SENT_SQL,
    COUNT_SENT_SQL,
    PENDING_CALLBACK_SQL,
    RECORD_UNSENT_SQL,
    OWE_FEEDBACK_SQL,
  ].map((q) => d1.prepare(q)) as [
    D1PreparedStatement,
    D1PreparedStatement,
    D1PreparedStatement,
    D1PreparedStatement,
    D1PreparedStatement,
  ];
  for (const { job, target, provider, outcome } of recorded) {
    if (outcome.kind === "sent") {
      statements.push(
        sent.bind(job.idempotencyKey, target.key, outcome.providerMessageId, now, outcome.payload || null),
      );
      // A test send (src/engine/features/journey/test-message.ts) is recorded like any send but never counted.
      if (!job.test && !job.idempotencyKey.startsWith("test:"))
        statements.push(
          count.bind(`${job.idempotencyKey}:sent`, job.appId, job.campaignId, job.variant, job.userId, now),
        );
      pendingIndex.push(statements.length);
      statements.push(pending.bind(provider, outcome.providerMessageId));
    } else {
      const status: DeliveryStatus = outcome.kind === "retry" ? "queued" : "failed";
      statements.push(unsent.bind(job.idempotencyKey, target.key, status, outcome.error.slice(0, 1000), now));
      pendingIndex.push(null);
      if (outcome.kind === "failed" && outcome.feedback) {
        // Recorded with the failure, so a retry can still deliver it to the person's object.
        statements.push(
          owe.bind(
            feedbackEventId(job.idempotencyKey, target.key),
            FEEDBACK_PROVIDER,
            job.idempotencyKey,
            JSON.stringify({ feedback: outcome.feedback }),
            now,
          ),
        );
      }
    }
  }
  const results = await d1.batch(statements);
  return pendingIndex.map((i) => (i === null ? false : results[i]!.results.length > 0));
}

/** Marks every unsent target of a job failed (dead-lettered or undeliverable). Returns whether any row changed. */
export async function failUnsent(d1: D1Database, idempotencyKey: string, error: string, now: number): Promise<boolean> {
  const rows = await database(d1)
    .update(deliveries)
    .set({ status: "failed", error: error.slice(0, 1000), updatedAt: now, leaseUntil: null })
    .where(and(eq(deliveries.idempotencyKey, idempotencyKey), inArray(deliveries.status, ["queued", "sending"])))
    .returning({ target: deliveries.target });
  return rows.length > 0;
}

/** A row for a job that could not even be attempted (no address, channel not deliverable here). */
export async function recordUndeliverable(d1: D1Database, job: SendJob, error: string, now: number): Promise<boolean> {
  const rows = await database(d1)
    .insert(deliveries)
    .values({
      idempotencyKey: job.idempotencyKey,
      target: "",
      appId: job.appId,
      userId: job.userId,
      userObject: job.userObject,
      campaignId: job.campaignId,
      variant: job.variant,
      channel: job.channel,
      provider: "none",
      status: "failed",
      error,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ k: deliveries.idempotencyKey });
  return rows.length > 0;
}

export function normalizeAddress(channel: string, address: string): string {
  if (channel === "email") return address.trim().toLowerCase();
  const digits = address.replace(/[^\d+]/g, "");
  return digits.startsWith("+") ? digits : `+${digits}`;
}

export async function peopleAt(d1: D1Database, channel: "sms" | "whatsapp" | "email", address: string) {
  return database(d1)
    .select()
    .from(channelAddresses)
    .where(
      and(eq(channelAddresses.channel, channel), eq(channelAddresses.address, normalizeAddress(channel, address))),
    );
}

export async function findByProviderMessage(
  d1: D1Database,
  provider: string,
  providerMessageId: string,
): Promise<DeliveryRow | undefined> {
  const [row] = await database(d1)
    .select()
    .from(deliveries)
    .where(and(eq(deliveries.provider, provider), eq(deliveries.providerMessageId, providerMessageId)))
    .limit(1);
  return row;
}

/** A `sending` row whose lease ran out becomes `unknown` (once: false if another consumer got there first). */
export async function markUnknown(
  d1: D1Database,
  idempotencyKey: string,
  target: string,
  now: number,
): Promise<boolean> {
  const r = await d1
    .prepare(
      `UPDATE deliveries SET status = 'unknown', error = 'provider call cut off; outcome unknown', lease_until = NULL, updated_at = ?3 WHERE idempotency_key = ?1 AND target = ?2 AND status = 'sending' AND lease_until < ?3`,
    )
    .bind(idempotencyKey, target, now)
    .run();
  return r.meta.changes > 0;
}
