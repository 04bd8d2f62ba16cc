import type { Env } from "../env";
import type { SendJob } from "../domain/delivery/send-job";
import { markUnknown, recordUndeliverable } from "./delivery-store";
import { countStats, reportStatus } from "./feedback";

/** The delivery's outcome cannot be known (docs/channels.md "Delivery states"): recorded, counted and reported once. */
export async function settleUnknown(env: Env, job: SendJob, target: string, now: number): Promise<void> {
  if (!(await markUnknown(env.DB, job.idempotencyKey, target, now))) return;
  await countStats(env, job, ["unknown"], now);
  await reportStatus(
    env,
    job,
    "unknown",
    now,
    "the provider call was cut off and the provider takes no idempotency key: not sent again",
  );
}

/** A job that can never be sent: recorded and reported once (again to an outbox that re-sent it). */
export async function failUndeliverable(env: Env, job: SendJob, reason: string, now: number): Promise<void> {
  if (await recordUndeliverable(env.DB, job, reason, now)) await settleFailed(env, job, now, reason);
  else if (job.resend) await reportStatus(env, job, "failed", now, reason);
}

export async function settleFailed(env: Env, job: SendJob, now: number, reason?: string): Promise<void> {
  await countStats(env, job, ["failed"], now);
  await reportStatus(env, job, "failed", now, reason);
}
