import * as z from "zod";
import { simulateReceipts } from "./sandbox-receipts";
import type { Env } from "../env";
import type { ProviderName, SendContext, SendOutcome } from "./channels/types";
import { applyPendingEvents, markApplied, type OwedFeedback, owedFeedback } from "./delivery-events";
import { deliveryEnv } from "./delivery-env";
import {
  claimAll,
  type DeliveryRow,
  feedbackEventId,
  isSettled,
  LEASE_MS,
  loadDeliveries,
  recordAll,
  recordUndeliverable,
} from "./delivery-store";
import { recordDeadLetter } from "./dead-letters";
import { applyFeedback, countStats, reportStatus } from "./feedback";
import { ProviderDirectory, targetsOf } from "./providers";
import { backoffSeconds } from "./retry";
import type { SendJob } from "../domain/delivery/send-job";
import { unsubscribeUrl } from "./unsubscribe";
import { consentWithdrawn, needsConsentRecheck } from "./consent-recheck";
import { CHANNELS } from "../domain/delivery/channel";
import { mapBounded } from "../kernel/concurrency";
import { defer, grantByAccount } from "./rate-limit-grant";
import type { ConsumerDeps, PlannedSend } from "./planned-send";
import { failUndeliverable, settleFailed, settleUnknown } from "./settlement";

/** Enough of a SendJob to act on safely; anything else a producer adds passes through. */
const SendJobShape = z.looseObject({
  idempotencyKey: z.string().min(1).max(512),
  appId: z.string().min(1),
  userId: z.string().min(1),
  userObject: z.string().min(1),
  campaignId: z.string(),
  variant: z.string(),
  channel: z.enum(CHANNELS),
  to: z.looseObject({ kind: z.string() }),
  content: z.looseObject({}),
  category: z.enum(["marketing", "transactional"]),
});

const DEFAULT_TIMEOUT_MS = 10_000;
/** Provider calls in flight per batch: enough to hide provider latency (rate limits apply before). */
const SEND_CONCURRENCY = 25;
/** Per-job follow-ups (UserObject feedback RPCs) in flight. */
const CONCURRENCY = 10;

const directories = new WeakMap<object, ProviderDirectory>();
function directoryFor(env: Env): ProviderDirectory {
  let d = directories.get(env);
  if (!d) directories.set(env, (d = new ProviderDirectory(deliveryEnv(env))));
  return d;
}

/**
 * SENDS queue consumer. For each job: skip targets already recorded (exactly-once effect),
 * take rate-limit tokens per provider account, claim each target, call the provider, record
 * the answer, feed back to the person's UserObject and the campaign stats; then ack, or retry
 * with backoff. Messages are acknowledged one by one.
 */
export async function consumeSends(batch: MessageBatch<SendJob>, env: Env, deps: ConsumerDeps = {}): Promise<void> {
  const now = deps.now?.() ?? Date.now();
  const denv = deliveryEnv(env);
  const directory = directoryFor(env);

  const valid: Array<{ message: Message<SendJob>; job: SendJob }> = [];
  for (const message of batch.messages) {
    const parsed = SendJobShape.safeParse(message.body);
    if (parsed.success) valid.push({ message, job: message.body });
    else {
      // A malformed job can never succeed: keep it visible in the dead letters instead of retrying.
      console.error("malformed send job", parsed.error.issues);
      await recordDeadLetter(
        env,
        message.id,
        message.body,
        `malformed job: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        message.attempts,
        now,
      ).catch((err) => console.error(err));
      message.ack();
    }
  }

  let existing: Map<string, DeliveryRow[]>;
  let owed: Map<string, OwedFeedback[]>;
  try {
    existing = await loadDeliveries(
      env.DB,
      valid.map((v) => v.job.idempotencyKey),
    );
    // Only a redelivery can owe feedback: a failed target whose feedback did not reach the person's object.
    const withFailures = valid
      .filter((v) => existing.get(v.job.idempotencyKey)?.some((r) => r.status === "failed"))
      .map((v) => v.job.idempotencyKey);
    owed = withFailures.length ? await owedFeedback(env.DB, withFailures) : new Map();
  } catch (err) {
    console.error("deliveries unavailable; retrying batch", err);
    for (const v of valid)
      v.message.retry({ delaySeconds: backoffSeconds(v.message.attempts, undefined, deps.random) });
    return;
  }

  // Plan: which targets still need a provider call, and through which account.
  const plans: PlannedSend[] = [];
  for (const { message, job } of valid) {
    const rows = existing.get(job.idempotencyKey) ?? [];
    const owedHere = owed.get(job.idempotencyKey) ?? [];
    const followUpsDone =
      owedHere.length > 0 || (message.attempts > 1 && rows.some((r) => r.sentAt !== null))
        ? await finishFollowUps(env, job, rows, owedHere, message.attempts > 1, now)
        : true;
    /** Ack, unless an earlier delivery's follow-up is still unfinished: then retry (nothing is sent again). */
    const done = () =>
      followUpsDone
        ? message.ack()
        : message.retry({ delaySeconds: backoffSeconds(message.attempts, undefined, deps.random) });
    const targets = targetsOf(job);
    if (targets.length === 0) {
      await failUndeliverable(env, job, `no address for channel ${job.channel}`, now);
      message.ack();
      continue;
    }
    const attempts: PlannedSend["attempts"] = [];
    let error: string | null = null;
    for (const target of targets) {
      const row = rows.find((r) => r.target === target.key);
      if (isSettled(row)) continue;
      const adapter = directory.adapterFor(job, target);
      if ("error" in adapter) error = adapter.error;
      // A call cut off mid-way (its consumer died while `sending`): call again only where that cannot deliver twice.
      else if (row?.status === "sending" && (row.leaseUntil ?? 0) < now && !adapter.idempotent)
        await settleUnknown(env, job, target.key, now);
      else attempts.push({ target, adapter });
    }
    if (error) {
      await failUndeliverable(env, job, error, now);
      message.ack();
      continue;
    }
    if (attempts.length === 0) {
      // A redelivered message whose send is already recorded. If the person's outbox re-sent it, it never
      // heard how the send went: say so, or it keeps re-sending.
      if (job.resend)
        await reportStatus(
          env,
          job,
          rows.some((r) => r.sentAt !== null)
            ? "sent"
            : (rows.find((r) => r.status !== "sending")?.status ?? "unknown"),
          now,
        );
      done();
      continue;
    }
    if (needsConsentRecheck(job, message.attempts, now)) {
      let withdrawn: boolean;
      try {
        withdrawn = await consentWithdrawn(env, job);
      } catch (err) {
        // Unsure whether the person still agrees: do not send now.
        console.error(`consent recheck for ${job.idempotencyKey} failed; retrying`, err);
        message.retry({ delaySeconds: backoffSeconds(message.attempts, undefined, deps.random) });
        continue;
      }
      if (withdrawn) {
        if (
          await recordUndeliverable(env.DB, job, `suppressed: ${job.channel} consent withdrawn before the send`, now)
        ) {
          await countStats(env, job, ["suppressed"], now);
          await reportStatus(env, job, "suppressed", now, `${job.channel} consent withdrawn before the send`);
        }
        done();
        continue;
      }
    }
    plans.push({
      message,
      job,
      attempts,
      alreadySent: rows.some((r) => r.sentAt !== null),
      ...(followUpsDone ? {} : { followUpFailed: true }),
    });
  }

  // Rate limits: one token request per provider account for the whole batch.
  const granted = await grantByAccount(env, plans, now);
  const ready: PlannedSend[] = [];
  for (const p of plans) {
    const wait = granted.get(p);
    if (wait === undefined) ready.push(p);
    else await defer(env, p, wait, deps);
  }

  // Wrapped: workerd's fetch must not be called as a method of another object.
  const ctxBase = {
    fetch: deps.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init)),
    now,
    timeoutMs: Number(denv.DELIVERY_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS,
    publicUrl: denv.PUBLIC_URL ?? "http://localhost:8787",
  };
  try {
    await processReady(env, ready, ctxBase, deps);
  } catch (err) {
    // D1 unavailable mid-batch: whatever was not acknowledged yet is retried (claims expire with their lease).
    console.error("send batch failed unexpectedly; retrying unsettled messages", err);
    for (const p of ready)
      if (!p.settled) p.message.retry({ delaySeconds: backoffSeconds(p.message.attempts, undefined, deps.random) });
  }
}

/**
 * What an earlier delivery of this message recorded but could not finish: feedback owed to the
 * person's object (a dead token, an opt-out) and, on a retry, provider callbacks that were
 * waiting for the send's record. Returns false while some of it still fails.
 */
async function finishFollowUps(
  env: Env,
  job: SendJob,
  rows: DeliveryRow[],
  owed: OwedFeedback[],
  retried: boolean,
  now: number,
): Promise<boolean> {
  let ok = true;
  for (const o of owed) {
    try {
      await applyFeedback(env, job, o.feedback, now);
      await markApplied(env.DB, o.eventId, now);
    } catch {
      ok = false; // logged by applyFeedback (or D1's error surfaces on the retry)
    }
  }
  if (retried) {
    for (const r of rows) {
      if (r.sentAt === null || !r.providerMessageId) continue;
      try {
        await applyPendingEvents(env, r.provider as ProviderName, r.providerMessageId, now);
      } catch (err) {
        console.error(`callbacks waiting for ${job.idempotencyKey} could not be applied; retrying`, err);
        ok = false;
      }
    }
  }
  return ok;
}

/** Asks each account's bucket; returns, for messages that must wait, how long (seconds). */
type TargetOutcome = SendOutcome | "busy" | "settled";

/**
 * The ready jobs of a batch: claim every target (one D1 round trip), call the providers
 * concurrently, record every answer (one round trip), then per job feed back and ack/retry.
 */
async function processReady(
  env: Env,
  ready: PlannedSend[],
  base: Omit<SendContext, "unsubscribeUrl">,
  deps: ConsumerDeps,
): Promise<void> {
  if (ready.length === 0) return;
  const denv = deliveryEnv(env);
  const items = ready.flatMap((p) =>
    p.attempts.map((a) => ({
      p,
      job: p.job,
      target: a.target,
      adapter: a.adapter,
      provider: a.adapter.provider,
      outcome: "settled" as TargetOutcome,
    })),
  );
  const claims = await claimAll(env.DB, items, base.now);

  // Unclaimed: settled meanwhile (nothing to do) or held by another consumer (look again later).
  const unclaimedKeys = items.filter((_, i) => claims[i] === null).map((it) => it.job.idempotencyKey);
  const current = unclaimedKeys.length ? await loadDeliveries(env.DB, unclaimedKeys) : new Map<string, DeliveryRow[]>();

  const contexts = new Map<PlannedSend, SendContext>();
  for (const p of ready) {
    const ctx: SendContext = { ...base };
    if (p.job.channel === "email" && p.job.category === "marketing" && denv.UNSUBSCRIBE_SECRET) {
      ctx.unsubscribeUrl = await unsubscribeUrl(ctx.publicUrl, denv.UNSUBSCRIBE_SECRET, {
        appId: p.job.appId,
        userObject: p.job.userObject,
        idempotencyKey: p.job.idempotencyKey,
      });
    }
    contexts.set(p, ctx);
  }

  await mapBounded(
    items.map((it, i) => ({ it, claimed: claims[i] !== null })),
    SEND_CONCURRENCY,
    async ({ it, claimed }) => {
      if (!claimed) {
        const row = current.get(it.job.idempotencyKey)?.find((r) => r.target === it.target.key);
        it.outcome = isSettled(row) ? "settled" : "busy";
        return;
      }
      try {
        it.outcome = await it.adapter.send(it.job, it.target, contexts.get(it.p)!);
      } catch (err) {
        it.outcome = { kind: "retry", error: `${it.provider}: ${String((err as Error).message ?? err)}` };
      }
    },
  );

  const attempted = items.filter((it): it is typeof it & { outcome: SendOutcome } => typeof it.outcome === "object");
  const pending = await recordAll(env.DB, attempted, base.now);
  const pendingOf = new Map(attempted.map((it, i) => [it, pending[i]] as const));

  // Per job: late-arriving callbacks, feedback to the person, the job's outcome, ack or retry.
  await mapBounded(ready, CONCURRENCY, async (p) => {
    const mine = items.filter((it) => it.p === p);
    for (const it of mine) {
      if (typeof it.outcome !== "object") continue;
      const o = it.outcome;
      try {
        if (o.kind === "sent" && pendingOf.get(it as (typeof attempted)[number]))
          await applyPendingEvents(env, it.provider, o.providerMessageId, base.now);
        if (o.kind === "sent" && it.provider === "sandbox") await simulateReceipts(env, o.providerMessageId, base.now);
        if (o.kind === "failed" && o.feedback) {
          await applyFeedback(env, p.job, o.feedback, base.now);
          await markApplied(env.DB, feedbackEventId(p.job.idempotencyKey, it.target.key), base.now);
        }
      } catch (err) {
        // Not lost and not acked: the failure (and its feedback) or the send is recorded, so the
        // redelivery applies what is missing without calling the provider again.
        console.error(`follow-up for ${p.job.idempotencyKey} failed; retrying the message`, err);
        p.followUpFailed = true;
      }
    }
    await settle(
      env,
      p,
      mine.map((it) => it.outcome),
      base.now,
      deps,
    );
  });
}

async function settle(
  env: Env,
  p: PlannedSend,
  outcomes: TargetOutcome[],
  now: number,
  deps: ConsumerDeps,
): Promise<void> {
  const { job, message } = p;
  const sentNow = outcomes.some((o) => typeof o === "object" && o.kind === "sent");
  const retries = outcomes.flatMap((o) => (typeof o === "object" && o.kind === "retry" ? [o] : []));
  const busy = outcomes.includes("busy");
  const failedNow = outcomes.some((o) => typeof o === "object" && o.kind === "failed");

  if (sentNow) {
    // The `sent` stat was counted with the record; the person's object hears about it once (again if its outbox re-sent the job).
    if (!p.alreadySent || job.resend) await reportStatus(env, job, "sent", now);
  } else if (failedNow && retries.length === 0 && !busy && !p.alreadySent) {
    // Every target is settled and none went out: the send failed.
    const rows = (await loadDeliveries(env.DB, [job.idempotencyKey])).get(job.idempotencyKey) ?? [];
    if (!rows.some((r) => r.sentAt !== null))
      await settleFailed(env, job, now, rows.map((r) => r.error).find((e) => e) ?? undefined);
  }

  p.settled = true;
  if (retries.length > 0) {
    const retryAfter = Math.max(...retries.map((r) => r.retryAfterSeconds ?? -1));
    message.retry({
      delaySeconds: backoffSeconds(message.attempts, retryAfter >= 0 ? retryAfter : undefined, deps.random),
    });
  } else if (busy) {
    // Another consumer is mid-call for this job (a duplicate delivery): look again after its lease.
    message.retry({ delaySeconds: Math.ceil(LEASE_MS / 1000) });
  } else if (p.followUpFailed) {
    message.retry({ delaySeconds: backoffSeconds(message.attempts, undefined, deps.random) });
  } else {
    message.ack();
  }
}
