import { MINUTE, type Millis } from "../kernel/clock";
import { homeShard } from "../domain/scale/index-layout";
import { parseSendQueues, sendQueueOf as pickSendQueue } from "../domain/scale/send-queues";
import type { UserProfile } from "../domain/profile/profile";
import { indexShards, type ShardEnv } from "../stores/d1/index-shards";

/**
 * Where a person's cross-person work goes (docs/scale.md): their users-index shard, their send
 * queue, and how often their counters may reach the index.
 */

/**
 * Counters (last seen, sessions, purchases) reach the users index at most this often per person;
 * state changes go at once. The index write budget: one row write per state change plus one per
 * interval while the person is active. `INDEX_COUNTER_INTERVAL_S` lengthens it for large apps.
 */
export const INDEX_DEBOUNCE = 1 * MINUTE;

export function counterInterval(env: { INDEX_COUNTER_INTERVAL_S?: string }): Millis {
  const s = Number(env.INDEX_COUNTER_INTERVAL_S);
  return Number.isFinite(s) && s >= 1 ? s * 1000 : INDEX_DEBOUNCE;
}

/**
 * This person's index shard (src/domain/scale/index-layout.ts), stamped on their INDEX messages.
 * Chosen once from the layout and their first-seen time and kept, so a shard added later never moves
 * them. One shard: always 0, nothing kept (a shard added later opens after they were first seen, so
 * the layout still puts them in shard 0). Null before there is a profile.
 */
export function indexShardOf(
  env: ShardEnv,
  profile: UserProfile | null,
  kept: { get(): string | undefined; set(value: string): void },
): number | null {
  const layout = indexShards(env).layout;
  if (layout.length === 1) return 0;
  const stored = kept.get();
  if (stored !== undefined) return Number(stored);
  if (!profile) return null;
  const shard = homeShard(layout, profile.appId, profile.userId, profile.firstSeen);
  kept.set(String(shard));
  return shard;
}

/** The person's send queue: `SENDS`, or one of `SEND_QUEUES` by a stable hash of their object's id. */
export function sendQueueOf(env: { SENDS: Queue<unknown>; SEND_QUEUES?: string }, objectId: string): Queue<unknown> {
  const queues = parseSendQueues(env.SEND_QUEUES);
  if (queues.length === 1 && queues[0] === "SENDS") return env.SENDS;
  const name = pickSendQueue(queues, objectId);
  const binding = (env as unknown as Record<string, Queue<unknown> | undefined>)[name];
  if (!binding) throw new Error(`SEND_QUEUES names ${name}, which is not a queue producer binding`);
  return binding;
}
