import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { database } from "../db/client";
import { campaignStats, channelAddresses, deliveries, deliveryEvents } from "../db/schema";
import type { DeliveryTarget, ProviderName, SendOutcome } from "./channels/types";
import type { SendJob } from "./send-job";
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
    const rows = await database(d1).select().from(deliveries).where(inArray(deliveries.idempotencyKey, unique.slice(i, i + 90)));
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

/**
 * Claims targets for one provider call each, in one D1 round trip for the whole batch. A claim
 * succeeds for a new row, a row waiting for a retry (`queued`), or a `sending` row whose lease
 * ran out (its consumer died mid-call). Returns each attempt's number, or null when another
 * consumer holds it or it is settled. Addresses are remembered in the same round trip
 * (inbound STOP → person).
 */
export async function claimAll(d1: D1Database, attempts: Attempt[], now: number): Promise<Array<number | null>> {
  if (attempts.length === 0) return [];
  const db = database(d1);
  const queries: BatchItem<"sqlite">[] = [];
  const claimIndex: number[] = [];
  for (const { job, target, provider } of attempts) {
    claimIndex.push(queries.length);
    queries.push(
      db
        .insert(deliveries)
        .values({
          idempotencyKey: job.idempotencyKey,
          target: target.key,
          appId: job.appId,
          userId: job.userId,
          userObject: job.userObject,
          campaignId: job.campaignId,
          variant: job.variant,
          channel: job.channel,
          provider,
          status: "sending",
          attempts: 1,
          leaseUntil: now + LEASE_MS,
          address: target.address ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [deliveries.idempotencyKey, deliveries.target],
          set: { status: "sending", provider, attempts: sql`${deliveries.attempts} + 1`, leaseUntil: now + LEASE_MS, updatedAt: now },
          setWhere: sql`${deliveries.status} = 'queued' OR (${deliveries.status} = 'sending' AND ${deliveries.leaseUntil} < ${now})`,
        })
        .returning({ attempts: deliveries.attempts }),
    );
    const channel = job.channel;
    if (target.address && (channel === "sms" || channel === "whatsapp" || channel === "email")) {
      queries.push(
        db
          .insert(channelAddresses)
          .values({ appId: job.appId, channel, address: normalizeAddress(channel, target.address), userObject: job.userObject, userId: job.userId, updatedAt: now })
          .onConflictDoUpdate({ target: [channelAddresses.channel, channelAddresses.address, channelAddresses.appId], set: { userObject: job.userObject, userId: job.userId, updatedAt: now } }),
      );
    }
  }
  const results = (await db.batch(queries as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[];
  return claimIndex.map((i) => (results[i] as Array<{ attempts: number }>)[0]?.attempts ?? null);
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
  const db = database(d1);
  const queries: BatchItem<"sqlite">[] = [];
  const pendingIndex: Array<number | null> = [];
  for (const { job, target, provider, outcome } of recorded) {
    const where = and(eq(deliveries.idempotencyKey, job.idempotencyKey), eq(deliveries.target, target.key), eq(deliveries.status, "sending"));
    if (outcome.kind === "sent") {
      queries.push(
        db
          .update(deliveries)
          .set({ status: "sent", providerMessageId: outcome.providerMessageId, sentAt: now, updatedAt: now, leaseUntil: null, error: null, ...(outcome.payload ? { payload: outcome.payload } : {}) })
          .where(where),
        db.insert(campaignStats).values({ dedupeKey: `${job.idempotencyKey}:sent`, appId: job.appId, campaignId: job.campaignId, variant: job.variant, kind: "sent", userId: job.userId, at: now }).onConflictDoNothing(),
      );
      pendingIndex.push(queries.length);
      queries.push(
        db
          .select({ id: deliveryEvents.eventId })
          .from(deliveryEvents)
          .where(and(eq(deliveryEvents.provider, provider), eq(deliveryEvents.providerMessageId, outcome.providerMessageId), isNull(deliveryEvents.appliedAt)))
          .limit(1),
      );
    } else {
      const status: DeliveryStatus = outcome.kind === "retry" ? "queued" : "failed";
      queries.push(db.update(deliveries).set({ status, error: outcome.error.slice(0, 1000), updatedAt: now, leaseUntil: null }).where(where));
      pendingIndex.push(null);
      if (outcome.kind === "failed" && outcome.feedback) {
        // Recorded with the failure, so a retry can still deliver it to the person's object.
        queries.push(
          db
            .insert(deliveryEvents)
            .values({ eventId: feedbackEventId(job.idempotencyKey, target.key), provider: FEEDBACK_PROVIDER, providerMessageId: job.idempotencyKey, status: "feedback", detail: JSON.stringify({ feedback: outcome.feedback }), at: now, receivedAt: now })
            .onConflictDoNothing(),
        );
      }
    }
  }
  const results = (await db.batch(queries as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[];
  return pendingIndex.map((i) => (i === null ? false : (results[i] as unknown[]).length > 0));
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
    .values({ idempotencyKey: job.idempotencyKey, target: "", appId: job.appId, userId: job.userId, userObject: job.userObject, campaignId: job.campaignId, variant: job.variant, channel: job.channel, provider: "none", status: "failed", error, createdAt: now, updatedAt: now })
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
  return database(d1).select().from(channelAddresses).where(and(eq(channelAddresses.channel, channel), eq(channelAddresses.address, normalizeAddress(channel, address))));
}

export async function findByProviderMessage(d1: D1Database, provider: string, providerMessageId: string): Promise<DeliveryRow | undefined> {
  const [row] = await database(d1).select().from(deliveries).where(and(eq(deliveries.provider, provider), eq(deliveries.providerMessageId, providerMessageId))).limit(1);
  return row;
}
