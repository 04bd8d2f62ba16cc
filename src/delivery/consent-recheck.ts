import type { Env } from "../env";
import { userStub } from "../engine/user-stub";
import { CONSENT_CHANNELS, type ConsentChannel } from "../domain/delivery/channel";
import type { SendJob } from "../domain/delivery/send-job";

/**
 * Consent is checked at send time (DESIGN invariant 6). The UserObject checked it when it
 * enqueued the job, so a job sent within a minute needs no second look; one that waited (retries,
 * rate-limit deferrals, a replayed dead letter) asks the person's object again, because a STOP or
 * an unsubscribe may have arrived meanwhile.
 */
export const RECHECK_AFTER_MS = 60_000;

export function needsConsentRecheck(job: SendJob, queueAttempts: number, now: number): boolean {
  if (!(CONSENT_CHANNELS as readonly string[]).includes(job.channel)) return false;
  return queueAttempts > 1 || now - job.createdAt > RECHECK_AFTER_MS;
}

/** Whether the person withdrew consent for this job's channel. Transactional email ignores marketing unsubscribes. */
export async function consentWithdrawn(env: Env, job: SendJob): Promise<boolean> {
  if (job.channel === "email" && job.category === "transactional") return false;
  const view = await userStub(env.USER, job.userObject).getProfile();
  return view?.profile.consent[job.channel as ConsentChannel]?.status === "opted_out";
}
