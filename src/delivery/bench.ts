import { database } from "../db/client";
import { deliveries } from "../db/schema";
import type { Env } from "../env";
import { consumeSends } from "./consumer";
import type { SendJob } from "./send-job";

/** An in-Worker MessageBatch: what the Queues runtime hands the consumer, minus the queue. */
function batchOf(jobs: SendJob[]): { batch: MessageBatch<SendJob>; acked: () => number } {
  let acked = 0;
  const messages = jobs.map((body, i) => ({ id: `bench-${i}`, timestamp: new Date(), attempts: 1, body, ack: () => void acked++, retry: () => undefined }));
  return { batch: { queue: "beckon-sends", messages, ackAll: () => void (acked = jobs.length), retryAll: () => undefined } as unknown as MessageBatch<SendJob>, acked: () => acked };
}

let run = 0;
export async function runSendsBench(env: Env, appId: string, mode: "consumer" | "floor", n: number): Promise<{ mode: string; jobs: number; acked: number; ms: number }> {
  const tag = `${Date.now()}-${++run}`;
  const jobs: SendJob[] = Array.from({ length: n }, (_, i) => ({
    idempotencyKey: `bench:${tag}:${i}`,
    appId,
    userId: `bench-${i % 200}`,
    userObject: `${appId}/u/bench-${i % 200}`,
    campaignId: "bench",
    campaignVersion: 1,
    stepId: "s",
    variant: "A",
    channel: "email",
    to: { kind: "email", email: `bench-${i}@example.com` },
    content: { subject: "Hello", text: "Bench" },
    category: "transactional",
    createdAt: Date.now(),
  }));
  const { batch, acked } = batchOf(jobs);
  const start = performance.now();
  if (mode === "consumer") await consumeSends(batch, env);
  else {
    // The floor: record every job in one D1 round trip, then ack each — the least an exactly-once consumer does.
    const db = database(env.DB);
    const now = Date.now();
    const inserts = jobs.map((j) => db.insert(deliveries).values({ idempotencyKey: `floor:${j.idempotencyKey}`, appId, userId: j.userId, userObject: j.userObject, campaignId: j.campaignId, variant: j.variant, channel: j.channel, provider: "sandbox", status: "sent", createdAt: now, updatedAt: now }));
    await db.batch(inserts as unknown as [(typeof inserts)[number], ...(typeof inserts)[number][]]);
    for (const m of batch.messages) m.ack();
  }
  return { mode, jobs: n, acked: acked(), ms: performance.now() - start };
}
