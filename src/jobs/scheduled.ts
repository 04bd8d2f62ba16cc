import type { Env } from "../env";

/** A cron job: `cron` is the schedule that fired (wrangler.toml [triggers]). */
export type ScheduledJob = (env: Env, cron: string, now: number) => Promise<void>;

/** Every scheduled job, run on each cron tick; each decides from `cron` whether it is due. */
const jobs: Array<{ name: string; run: ScheduledJob }> = [];

export function registerScheduledJob(name: string, run: ScheduledJob): void {
  if (!jobs.some((j) => j.name === name)) jobs.push({ name, run });
}

export async function runScheduled(env: Env, cron: string, now: number): Promise<void> {
  const results = await Promise.allSettled(jobs.map((j) => j.run(env, cron, now)));
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error(`scheduled job ${jobs[i]!.name} failed`, r.reason);
  });
}

/** The nightly cron of wrangler.toml. */
export const NIGHTLY_CRON = "0 3 * * *";
