import type { Env } from "../env";
import { userObjectName } from "../kernel/ids";
import { userStub } from "../engine/user-stub";
import { consumeSends } from "./consumer";
import type { SendJob } from "../domain/delivery/send-job";

const BENCH_USERS = 200;
const peopleReady = new Set<string>();

/** The consumer reports each send to its person's object: make them real people, as in production. */
async function ensurePeople(env: Env, appId: string): Promise<void> {
  if (peopleReady.has(appId)) return;
  const now = Date.now();
  await Promise.all(
    Array.from({ length: BENCH_USERS }, (_, i) =>
      userStub(env.USER, userObjectName(appId, { userId: `bench-${i}` }).name).ingest({
        appId,
        userId: `bench-${i}`,
        anonymous: false,
        configVersion: 0,
        now,
        virtualClock: false,
        events: [
          {
            messageId: `bench-seed-${i}`,
            type: "identify",
            name: "Identify",
            properties: {},
            traits: { email: `bench-${i}@example.com` },
            timestamp: now,
            receivedAt: now,
            userId: `bench-${i}`,
          },
        ],
      }),
    ),
  );
  peopleReady.add(appId);
}

/** An in-Worker MessageBatch: what the Queues runtime hands the consumer, minus the queue. */
function batchOf(jobs: SendJob[]): { batch: MessageBatch<SendJob>; acked: () => number } {
  let acked = 0;
  const messages = jobs.map((body, i) => ({
    id: `bench-${i}`,
    timestamp: new Date(),
    attempts: 1,
    body,
    ack: () => void acked++,
    retry: () => undefined,
  }));
  return {
    batch: {
      queue: "beckon-sends",
      messages,
      ackAll: () => void (acked = jobs.length),
      retryAll: () => undefined,
    } as unknown as MessageBatch<SendJob>,
    acked: () => acked,
  };
}

let run = 0;
export async function runSendsBench(
  env: Env,
  appId: string,
  mode: "consumer" | "floor",
  n: number,
): Promise<{ mode: string; jobs: number; acked: number; ms: number }> {
  const tag = `${Date.now()}-${++run}`;
  const jobs: SendJob[] = Array.from({ length: n }, (_, i) => ({
    idempotencyKey: `bench:${tag}:${i}`,
    appId,
    userId: `bench-${i % BENCH_USERS}`,
    userObject: userObjectName(appId, { userId: `bench-${i % BENCH_USERS}` }).name,
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
  if (mode === "consumer") await ensurePeople(env, appId);
  const start = performance.now();
  if (mode === "consumer") await consumeSends(batch, env);
  else {
    // The floor: record every job in one D1 round trip (prepared statements, as the consumer's), then
    // ack each — the least an exactly-once consumer does.
    const now = Date.now();
    const insert = env.DB.prepare(
      `INSERT INTO deliveries (idempotency_key, target, app_id, user_id, user_object, campaign_id, variant, channel, provider, status, created_at, updated_at) VALUES (?1, '', ?2, ?3, ?4, ?5, ?6, ?7, 'sandbox', 'sent', ?8, ?8)`,
    );
    await env.DB.batch(
      jobs.map((j) =>
        insert.bind(
          `floor:${j.idempotencyKey}`,
          appId,
          j.userId,
          j.userObject,
          j.campaignId,
          j.variant,
          j.channel,
          now,
        ),
      ),
    );
    for (const m of batch.messages) m.ack();
  }
  return { mode, jobs: n, acked: acked(), ms: performance.now() - start };
}
