import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import { database } from "../stores/d1/client";
import { deliveries, deliveryEvents } from "../stores/d1/schema";
import type { Env } from "../env";
import type { ConsentChannel } from "../domain/delivery/channel";
import type { Feedback, ProviderName } from "./channels/types";
import { type DeliveryRow, FEEDBACK_PROVIDER, findByProviderMessage } from "./delivery-store";
import { countStats, reportStatus, setConsent } from "./feedback";
import { type DeliveryFact, type DeliveryStatus, transition } from "./status";

/** One thing a provider reported about one message (from a webhook). */
export interface ProviderEvent {
  /** Unique per report (Svix id, sg_event_id, Twilio SID + status…): a replayed webhook is a no-op. */
  eventId: string;
  provider: ProviderName;
  providerMessageId: string;
  /** The status fact, or null for events that only carry feedback (a spam complaint). */
  fact: DeliveryFact | null;
  at: number;
  /** The person asked not to be contacted on this channel again (hard bounce, complaint, Twilio 21610…). */
  optOut?: { channel: ConsentChannel; source: string };
  detail?: string;
}

interface StoredDetail {
  optOut?: ProviderEvent["optOut"];
  detail?: string;
}

export type EventResult = "duplicate" | "pending" | "applied";

/**
 * Stores the event, then applies it if its send is recorded. An event for a message id not yet
 * recorded (the webhook beat the consumer's write) stays pending; the consumer applies it when
 * it records the provider message id (`applyPendingEvents`).
 *
 * The event is marked applied only after its effects (status, stats, consent) succeeded. If
 * applying throws, the request fails, the event stays unapplied, and the provider's retry of the
 * same event applies it instead of being taken for a duplicate. Effects are idempotent (status
 * compare-and-set, stats deduped per send and kind, consent set to the same value), so a retry
 * racing another applier counts nothing twice.
 */
export async function receiveProviderEvent(env: Env, ev: ProviderEvent, now: number): Promise<EventResult> {
  const db = database(env.DB);
  const detail: StoredDetail = {
    ...(ev.optOut ? { optOut: ev.optOut } : {}),
    ...(ev.detail ? { detail: ev.detail.slice(0, 500) } : {}),
  };
  const inserted = await db
    .insert(deliveryEvents)
    .values({
      eventId: ev.eventId,
      provider: ev.provider,
      providerMessageId: ev.providerMessageId,
      status: ev.fact ?? "feedback",
      detail: JSON.stringify(detail),
      at: ev.at,
      receivedAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: deliveryEvents.eventId });
  const fresh = inserted.length > 0;
  // Seen before: a replay, unless an earlier delivery of it failed before it was applied.
  if (!fresh && !(await isUnapplied(env.DB, ev.eventId))) return "duplicate";
  const row = await findByProviderMessage(env.DB, ev.provider, ev.providerMessageId);
  if (!row) return fresh ? "pending" : "duplicate";
  await applyToRow(env, row, ev);
  await markApplied(env.DB, ev.eventId, now);
  return "applied";
}

/** Applies events that arrived before their send was recorded. Throws (leaving the rest pending) if one cannot be applied. */
export async function applyPendingEvents(
  env: Env,
  provider: ProviderName,
  providerMessageId: string,
  now: number,
): Promise<number> {
  const db = database(env.DB);
  const pending = await db
    .select()
    .from(deliveryEvents)
    .where(
      and(
        eq(deliveryEvents.provider, provider),
        eq(deliveryEvents.providerMessageId, providerMessageId),
        isNull(deliveryEvents.appliedAt),
      ),
    )
    .orderBy(asc(deliveryEvents.at));
  if (pending.length === 0) return 0;
  let applied = 0;
  for (const e of pending) {
    const row = await findByProviderMessage(env.DB, provider, providerMessageId);
    if (!row) continue;
    const stored = JSON.parse(e.detail ?? "{}") as StoredDetail;
    await applyToRow(env, row, {
      eventId: e.eventId,
      provider,
      providerMessageId,
      fact: e.status === "feedback" ? null : (e.status as DeliveryFact),
      at: e.at,
      ...stored,
    });
    if (await markApplied(env.DB, e.eventId, now)) applied++;
  }
  return applied;
}

async function isUnapplied(d1: D1Database, eventId: string): Promise<boolean> {
  const [row] = await database(d1)
    .select({ appliedAt: deliveryEvents.appliedAt })
    .from(deliveryEvents)
    .where(eq(deliveryEvents.eventId, eventId));
  return !!row && row.appliedAt === null;
}

/** Records that an event's effects are done. Returns whether this call marked it (false: someone else did first). */
export async function markApplied(d1: D1Database, eventId: string, now: number): Promise<boolean> {
  const rows = await database(d1)
    .update(deliveryEvents)
    .set({ appliedAt: now })
    .where(and(eq(deliveryEvents.eventId, eventId), isNull(deliveryEvents.appliedAt)))
    .returning({ id: deliveryEvents.eventId });
  return rows.length > 0;
}

/**
 * What a permanent send failure owes the person's UserObject (remove a dead token, record a
 * Twilio 21610 opt-out) is stored with the failed record, as a `delivery_events` row of the
 * pseudo-provider `feedback` keyed by the send's idempotency key, and marked applied once the
 * UserObject took it. A redelivered message finds it unapplied and applies it, without calling
 * the provider again.
 */
export interface OwedFeedback {
  eventId: string;
  idempotencyKey: string;
  feedback: Feedback;
}

/** Unapplied feedback of these sends (one query per 90 keys). */
export async function owedFeedback(d1: D1Database, idempotencyKeys: string[]): Promise<Map<string, OwedFeedback[]>> {
  const byKey = new Map<string, OwedFeedback[]>();
  const unique = [...new Set(idempotencyKeys)];
  for (let i = 0; i < unique.length; i += 90) {
    const rows = await database(d1)
      .select()
      .from(deliveryEvents)
      .where(
        and(
          eq(deliveryEvents.provider, FEEDBACK_PROVIDER),
          inArray(deliveryEvents.providerMessageId, unique.slice(i, i + 90)),
          isNull(deliveryEvents.appliedAt),
        ),
      );
    for (const r of rows) {
      const feedback = (JSON.parse(r.detail ?? "{}") as { feedback?: Feedback }).feedback;
      if (feedback)
        byKey.set(r.providerMessageId, [
          ...(byKey.get(r.providerMessageId) ?? []),
          { eventId: r.eventId, idempotencyKey: r.providerMessageId, feedback },
        ]);
    }
  }
  return byKey;
}

const FACT_TIME: Partial<Record<DeliveryStatus, "deliveredAt" | "openedAt" | "clickedAt">> = {
  delivered: "deliveredAt",
  opened: "openedAt",
  clicked: "clickedAt",
};

/** Moves the row forward (compare-and-set on the status it read), counts the stats, tells the person's object. */
export async function applyFact(
  env: Env,
  row: DeliveryRow,
  fact: DeliveryFact,
  at: number,
  detail?: string,
): Promise<DeliveryStatus | null> {
  const db = database(env.DB);
  let current = row;
  for (let attempt = 0; attempt < 5; attempt++) {
    const t = transition(current.status as DeliveryStatus, fact);
    if (!t.status) {
      if (t.stats.length > 0) await countStats(env, current, t.stats, at);
      return null;
    }
    const timeColumn = FACT_TIME[t.status];
    const updated = await db
      .update(deliveries)
      .set({
        status: t.status,
        updatedAt: Date.now(),
        ...(timeColumn ? { [timeColumn]: at } : {}),
        ...(t.status === "failed" || t.status === "bounced" ? { error: (detail ?? t.status).slice(0, 1000) } : {}),
      })
      .where(
        and(
          eq(deliveries.idempotencyKey, current.idempotencyKey),
          eq(deliveries.target, current.target),
          eq(deliveries.status, current.status),
        ),
      )
      .returning();
    if (updated.length > 0) {
      await countStats(env, current, t.stats, at);
      await reportStatus(
        env,
        current,
        t.status,
        at,
        t.status === "failed" || t.status === "bounced" ? detail : undefined,
      );
      return t.status;
    }
    // Someone else moved it meanwhile: re-read and decide again.
    const [fresh] = await db
      .select()
      .from(deliveries)
      .where(and(eq(deliveries.idempotencyKey, current.idempotencyKey), eq(deliveries.target, current.target)));
    if (!fresh) return null;
    current = fresh;
  }
  return null;
}

async function applyToRow(env: Env, row: DeliveryRow, ev: ProviderEvent): Promise<void> {
  if (ev.fact) await applyFact(env, row, ev.fact, ev.at, ev.detail);
  if (ev.optOut) await setConsent(env, row, ev.optOut.channel, "opted_out", ev.optOut.source, ev.at);
}
