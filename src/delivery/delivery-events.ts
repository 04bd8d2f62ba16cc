import { and, asc, eq, isNull } from "drizzle-orm";
import { database } from "../db/client";
import { deliveries, deliveryEvents } from "../db/schema";
import type { Env } from "../env";
import type { ConsentChannel } from "./channel";
import type { ProviderName } from "./channels/types";
import { type DeliveryRow, findByProviderMessage } from "./delivery-store";
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
 */
export async function receiveProviderEvent(env: Env, ev: ProviderEvent, now: number): Promise<EventResult> {
  const db = database(env.DB);
  const detail: StoredDetail = { ...(ev.optOut ? { optOut: ev.optOut } : {}), ...(ev.detail ? { detail: ev.detail.slice(0, 500) } : {}) };
  const inserted = await db
    .insert(deliveryEvents)
    .values({ eventId: ev.eventId, provider: ev.provider, providerMessageId: ev.providerMessageId, status: ev.fact ?? "feedback", detail: JSON.stringify(detail), at: ev.at, receivedAt: now })
    .onConflictDoNothing()
    .returning({ id: deliveryEvents.eventId });
  if (inserted.length === 0) return "duplicate";
  const row = await findByProviderMessage(env.DB, ev.provider, ev.providerMessageId);
  if (!row) return "pending";
  if (await claimEvent(env.DB, ev.eventId, now)) await applyToRow(env, row, ev);
  return "applied";
}

/** Applies events that arrived before their send was recorded. */
export async function applyPendingEvents(env: Env, provider: ProviderName, providerMessageId: string, now: number): Promise<number> {
  const db = database(env.DB);
  const pending = await db
    .select()
    .from(deliveryEvents)
    .where(and(eq(deliveryEvents.provider, provider), eq(deliveryEvents.providerMessageId, providerMessageId), isNull(deliveryEvents.appliedAt)))
    .orderBy(asc(deliveryEvents.at));
  if (pending.length === 0) return 0;
  let applied = 0;
  for (const e of pending) {
    const row = await findByProviderMessage(env.DB, provider, providerMessageId);
    if (!row || !(await claimEvent(env.DB, e.eventId, now))) continue;
    const stored = JSON.parse(e.detail ?? "{}") as StoredDetail;
    await applyToRow(env, row, { eventId: e.eventId, provider, providerMessageId, fact: e.status === "feedback" ? null : (e.status as DeliveryFact), at: e.at, ...stored });
    applied++;
  }
  return applied;
}

/** Whoever marks the event applied first applies it: a webhook and the consumer never both do. */
async function claimEvent(d1: D1Database, eventId: string, now: number): Promise<boolean> {
  const rows = await database(d1)
    .update(deliveryEvents)
    .set({ appliedAt: now })
    .where(and(eq(deliveryEvents.eventId, eventId), isNull(deliveryEvents.appliedAt)))
    .returning({ id: deliveryEvents.eventId });
  return rows.length > 0;
}

const FACT_TIME: Partial<Record<DeliveryStatus, "deliveredAt" | "openedAt" | "clickedAt">> = { delivered: "deliveredAt", opened: "openedAt", clicked: "clickedAt" };

/** Moves the row forward (compare-and-set on the status it read), counts the stats, tells the person's object. */
export async function applyFact(env: Env, row: DeliveryRow, fact: DeliveryFact, at: number, detail?: string): Promise<DeliveryStatus | null> {
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
      .set({ status: t.status, updatedAt: Date.now(), ...(timeColumn ? { [timeColumn]: at } : {}), ...(t.status === "failed" || t.status === "bounced" ? { error: (detail ?? t.status).slice(0, 1000) } : {}) })
      .where(and(eq(deliveries.idempotencyKey, current.idempotencyKey), eq(deliveries.target, current.target), eq(deliveries.status, current.status)))
      .returning();
    if (updated.length > 0) {
      await countStats(env, current, t.stats, at);
      await reportStatus(env, current, t.status, at, t.status === "failed" || t.status === "bounced" ? detail : undefined);
      return t.status;
    }
    // Someone else moved it meanwhile: re-read and decide again.
    const [fresh] = await db.select().from(deliveries).where(and(eq(deliveries.idempotencyKey, current.idempotencyKey), eq(deliveries.target, current.target)));
    if (!fresh) return null;
    current = fresh;
  }
  return null;
}

async function applyToRow(env: Env, row: DeliveryRow, ev: ProviderEvent): Promise<void> {
  if (ev.fact) await applyFact(env, row, ev.fact, ev.at, ev.detail);
  if (ev.optOut) await setConsent(env, row, ev.optOut.channel, "opted_out", ev.optOut.source, ev.at);
}
