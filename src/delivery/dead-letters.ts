import { and, desc, eq, isNull, like, lt, sql } from "drizzle-orm";
import { database } from "../stores/d1/client";
import { campaignStats, deadLetters, deliveries } from "../stores/d1/schema";
import type { Env } from "../env";
import { failUnsent, loadDeliveries } from "./delivery-store";
import { countStats, reportStatus } from "./feedback";
import type { SendJob } from "../domain/delivery/send-job";

/**
 * Send jobs that exhausted their retries. The SENDS dead-letter queue lands here: each is
 * recorded once (by queue message id), its unsent targets are marked failed, and the campaign
 * counts one `failed`. An operator can list them and replay one after fixing the cause.
 */
export type DeadLetterRow = typeof deadLetters.$inferSelect;

/** Error prefix of targets failed by the dead-letter consumer: the only failures a replay re-queues. */
const DEAD_LETTERED = "dead-lettered: ";

export async function recordDeadLetter(
  env: Env,
  messageId: string,
  body: unknown,
  error: string | null,
  attempts: number,
  now: number,
): Promise<boolean> {
  const job = (body ?? {}) as Partial<SendJob>;
  const rows = await database(env.DB)
    .insert(deadLetters)
    .values({
      messageId,
      idempotencyKey: String(job.idempotencyKey ?? `malformed:${messageId}`),
      appId: String(job.appId ?? ""),
      userId: String(job.userId ?? ""),
      campaignId: String(job.campaignId ?? ""),
      channel: String(job.channel ?? ""),
      job: JSON.stringify(body ?? null).slice(0, 100_000),
      error: error?.slice(0, 1000) ?? null,
      attempts,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: deadLetters.id });
  return rows.length > 0;
}

export async function failDeadLetteredJob(
  env: Env,
  messageId: string,
  job: SendJob,
  queueAttempts: number,
  now: number,
): Promise<void> {
  const rows = job?.idempotencyKey
    ? ((await loadDeliveries(env.DB, [job.idempotencyKey])).get(job.idempotencyKey) ?? [])
    : [];
  // The reason it ran out of retries: an unsent target's last error (not a sibling's permanent failure).
  const unsent = rows.filter((r) => r.status === "queued" || r.status === "sending");
  const lastError =
    unsent.map((r) => r.error).find((e) => e) ?? rows.map((r) => r.error).find((e) => e) ?? "retries exhausted";
  const attempts = Math.max(queueAttempts, ...rows.map((r) => r.attempts));
  if (job?.idempotencyKey) {
    const changed = await failUnsent(env.DB, job.idempotencyKey, `${DEAD_LETTERED}${lastError}`, now);
    if (changed && !rows.some((r) => r.sentAt !== null)) {
      await countStats(env, job, ["failed"], now);
      await reportStatus(env, job, "failed", now, `dead-lettered: ${lastError}`);
    }
  }
  await recordDeadLetter(env, messageId, job, lastError, attempts, now);
}

export async function listDeadLetters(
  d1: D1Database,
  appId: string,
  opts: { limit: number; before?: number; pending?: boolean },
): Promise<DeadLetterRow[]> {
  return database(d1)
    .select()
    .from(deadLetters)
    .where(
      and(
        eq(deadLetters.appId, appId),
        opts.before ? lt(deadLetters.id, opts.before) : undefined,
        opts.pending ? isNull(deadLetters.replayedAt) : undefined,
      ),
    )
    .orderBy(desc(deadLetters.id))
    .limit(opts.limit);
}

/**
 * Puts a dead-lettered job back on the SENDS queue. Targets already sent stay sent (the
 * consumer skips them). Only targets the dead-letter consumer failed (`dead-lettered: …`: they
 * ran out of retries on a retryable or configuration error) become `queued` again; permanent
 * failures (an UNREGISTERED token, a 21610 opt-out, a suppressed send) stay failed and are not
 * sent again. When some target is re-queued, the `failed` count is withdrawn so the retry is
 * counted by its new outcome.
 */
export async function replayDeadLetter(
  env: Env,
  appId: string,
  id: number,
  now: number,
): Promise<DeadLetterRow | null> {
  const db = database(env.DB);
  const [row] = await db
    .select()
    .from(deadLetters)
    .where(and(eq(deadLetters.id, id), eq(deadLetters.appId, appId)));
  if (!row) return null;
  const job = JSON.parse(row.job) as SendJob;
  const requeued = await db
    .update(deliveries)
    .set({ status: "queued", error: null, updatedAt: now })
    .where(
      and(
        eq(deliveries.idempotencyKey, row.idempotencyKey),
        eq(deliveries.status, "failed"),
        isNull(deliveries.sentAt),
        like(deliveries.error, `${DEAD_LETTERED}%`),
      ),
    )
    .returning({ target: deliveries.target });
  await db.batch([
    db.update(deadLetters).set({ replayedAt: now }).where(eq(deadLetters.id, id)),
    ...(requeued.length > 0
      ? [db.delete(campaignStats).where(eq(campaignStats.dedupeKey, `${row.idempotencyKey}:failed`))]
      : []),
  ]);
  await env.SENDS.send({ ...job, attempt: 0 }, { contentType: "json" });
  const [updated] = await db.select().from(deadLetters).where(eq(deadLetters.id, id));
  return updated ?? null;
}

export const deadLetterCount = (d1: D1Database, appId: string) =>
  database(d1)
    .select({ n: sql<number>`count(*)` })
    .from(deadLetters)
    .where(and(eq(deadLetters.appId, appId), isNull(deadLetters.replayedAt)));
