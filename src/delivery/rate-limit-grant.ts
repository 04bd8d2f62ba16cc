import type { Env } from "../env";
import type { ProviderAdapter } from "./channels/types";
import type { ConsumerDeps } from "./planned-send";
import { type DeliveryBindings, deliveryEnv } from "./delivery-env";
import type { PlannedSend } from "./planned-send";
import { acquire } from "./rate-limiter";

/** Rate-limit tokens for a batch, one request per provider account; what is left waits for the bucket. */
export async function grantByAccount(env: Env, plans: PlannedSend[], now: number): Promise<Map<PlannedSend, number>> {
  const groups = new Map<string, { adapter: ProviderAdapter; plans: PlannedSend[]; count: number }>();
  for (const p of plans) {
    for (const a of p.attempts) {
      if (a.adapter.configurationError) continue; // calls nobody: needs no tokens
      const key = `${a.adapter.provider}:${a.adapter.account}`;
      const g = groups.get(key) ?? { adapter: a.adapter, plans: [], count: 0 };
      if (!g.plans.includes(p)) g.plans.push(p);
      g.count++;
      groups.set(key, g);
    }
  }
  const waiting = new Map<PlannedSend, number>();
  const ns = (env as unknown as DeliveryBindings).RATE_LIMITER;
  await Promise.all(
    [...groups.values()].map(async (g) => {
      const { granted, retryAfterMs } = await acquire(
        ns,
        deliveryEnv(env),
        g.adapter.provider,
        g.adapter.account,
        g.count,
        now,
      );
      if (granted >= g.count) return;
      // Grant whole messages in queue order; the rest wait for the bucket to refill.
      let left = granted;
      for (const p of g.plans) {
        const need = p.attempts.filter((a) => a.adapter === g.adapter).length;
        if (need <= left) left -= need;
        else waiting.set(p, Math.max(waiting.get(p) ?? 0, Math.ceil(retryAfterMs / 1000)));
      }
    }),
  );
  return waiting;
}

/**
 * Over the rate limit: put the job back on the queue with a delay and ack this message, so
 * waiting for the bucket does not use up the message's retries (which are for provider failures).
 */
export async function defer(env: Env, p: PlannedSend, seconds: number, deps: ConsumerDeps): Promise<void> {
  const spread = Math.ceil(seconds + (deps.random ?? Math.random)() * Math.max(1, seconds));
  try {
    const delaySeconds = Math.min(43_200, Math.max(1, spread));
    if (deps.requeue) await deps.requeue(p.job, delaySeconds);
    else await env.SENDS.send(p.job, { delaySeconds, contentType: "json" });
    p.message.ack();
  } catch (err) {
    console.error("could not defer a rate-limited send", err);
    p.message.retry({ delaySeconds: Math.max(1, spread) });
  }
}
