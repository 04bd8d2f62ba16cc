import { HOUR } from "../kernel/clock";
import type { AnalyticsMessage } from "../domain/analytics/counters";
import { EXPORT_PREFIXES, type EventRow } from "../domain/analytics/export";
import { liveFunnel } from "../domain/analytics/funnel";
import {
  type BackfillState,
  backfillBatchKey,
  cursorOf,
  emptyBackfillState,
  type FunnelBackfillMessage,
  nextDay,
  parseCursor,
  replayHour,
} from "../domain/analytics/funnel-backfill";
import type { Env } from "../env";
import { applyAnalyticsCounts } from "../stores/analytics/analytics-store";
import { advanceBackfillRun, type BackfillRun, getBackfillRun } from "../stores/analytics/backfill-store";
import { deleteFunnel, getFunnel } from "../stores/analytics/funnel-store";
import { readExportFile } from "./export-writer";

/**
 * The funnel backfill's worker side (docs/analytics.md "Funnel backfill"): one INDEX-queue message replays
 * a run from its cursor over whole UTC hour partitions of `events/<app>/date=…/hour=…/`, as many as fit in
 * MAX_FILES_PER_MESSAGE files and MAX_DAYS_PER_MESSAGE days (at least one hour), then hands on to the next
 * message. A chain, not a fan-out: a person's entries run across hours, so each chunk starts from the open
 * entries the one before left (a checkpoint object in the export bucket, beside the files).
 *
 * Exactly once: each hour's increments go through `applyAnalyticsCounts` under the key
 * `backfill:<run>:<hour>`, so a chunk replayed after a crash adds nothing twice; the run's cursor moves
 * only forward (a conditional UPDATE), so a duplicate message finds its chunk done and stops. The next
 * message is enqueued before the cursor moves: a crash in between replays the chunk (refused by its keys)
 * and enqueues again, never leaves the run without a message.
 */
export const MAX_FILES_PER_MESSAGE = 500;
export const MAX_DAYS_PER_MESSAGE = 31;
/** Files read at once. */
const READ_CONCURRENCY = 6;

type BackfillEnv = Pick<Env, "DB" | "EXPORTS" | "INDEX">;
/** Files and days one message may read (at least one hour partition, however many files it has). */
export interface ChunkLimits {
  files: number;
  days: number;
}

export type BackfillOutcome = "continued" | "done" | "stale" | "gone";

/** Where a run keeps the open entries a chunk starts from (in the export bucket, outside the export's prefixes). */
const checkpointKey = (m: Pick<FunnelBackfillMessage, "appId" | "funnelId" | "runId">, cursor: string) =>
  `backfill/${m.appId}/${m.funnelId}/${m.runId}/${cursor.replace("/", "T")}.json.gz`;

async function gzipJson(value: unknown): Promise<ArrayBuffer> {
  const stream = new Blob([JSON.stringify(value)]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

async function readCheckpoint(bucket: R2Bucket, key: string): Promise<BackfillState | null> {
  const object = await bucket.get(key);
  if (!object) return null;
  const text = await new Response(object.body.pipeThrough(new DecompressionStream("gzip"))).text();
  return JSON.parse(text) as BackfillState;
}

/** A day's event files by hour, in key order. */
async function dayFiles(bucket: R2Bucket, appId: string, day: string): Promise<Map<number, string[]>> {
  const prefix = `${EXPORT_PREFIXES.event}/${appId}/date=${day}/`;
  const byHour = new Map<number, string[]>();
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, limit: 1000, ...(cursor ? { cursor } : {}) });
    for (const o of page.objects) {
      const m = /\/hour=(\d{2})\//.exec(o.key);
      if (!m) continue;
      const hour = Number(m[1]);
      byHour.set(hour, [...(byHour.get(hour) ?? []), o.key]);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return byHour;
}

async function readRows(bucket: R2Bucket, keys: readonly string[]): Promise<EventRow[]> {
  const parts: EventRow[][] = new Array(keys.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(READ_CONCURRENCY, keys.length) }, async () => {
      while (next < keys.length) {
        const i = next++;
        const object = await bucket.get(keys[i]!);
        // A file listed a moment ago and gone now was removed by an operator: nothing to replay in it.
        parts[i] = object
          ? ((await readExportFile(keys[i]!, await object.arrayBuffer())).filter(
              (r) => r.type === "event",
            ) as EventRow[])
          : [];
      }
    }),
  );
  return parts.flat();
}

/** The hours this message replays from `start`, and the cursor after them (null: past the run's last day). */
async function planChunk(
  bucket: R2Bucket,
  run: BackfillRun,
  start: string,
  limits: ChunkLimits,
): Promise<{ hours: Array<{ cursor: string; keys: string[] }>; next: string | null; files: number }> {
  const hours: Array<{ cursor: string; keys: string[] }> = [];
  let files = 0;
  let { day, hour } = parseCursor(start);
  for (let days = 0; day <= run.to && days < limits.days; days++) {
    const byHour = await dayFiles(bucket, run.appId, day);
    for (const h of [...byHour.keys()].sort((a, b) => a - b)) {
      if (h < hour) continue;
      const keys = byHour.get(h)!;
      if (hours.length > 0 && files + keys.length > limits.files) return { hours, next: cursorOf(day, h), files };
      hours.push({ cursor: cursorOf(day, h), keys });
      files += keys.length;
    }
    day = nextDay(day);
    hour = 0;
  }
  return { hours, next: day <= run.to ? cursorOf(day, 0) : null, files };
}

/** Replays one chunk of a run (the INDEX consumer's `funnel-backfill` message). Throws to be retried. */
export async function runFunnelBackfill(
  env: BackfillEnv,
  m: FunnelBackfillMessage,
  now = Date.now(),
  limits: ChunkLimits = { files: MAX_FILES_PER_MESSAGE, days: MAX_DAYS_PER_MESSAGE },
): Promise<BackfillOutcome> {
  const run = await getBackfillRun(env.DB, m.runId);
  const funnel = run ? await getFunnel(env.DB, run.appId, run.funnelId) : null;
  if (!run || !funnel) {
    // The funnel (and its runs) was deleted: the chain stops here, and its checkpoint goes.
    await env.EXPORTS?.delete(checkpointKey(m, m.cursor));
    return "gone";
  }
  if (run.cursor === null || run.cursor > m.cursor) return "stale"; // a duplicate of a chunk already replayed
  if (run.cursor < m.cursor) throw new Error(`backfill ${run.id}: chunk ${m.cursor} before ${run.cursor} is recorded`);
  const bucket = env.EXPORTS;
  if (!bucket) throw new Error("backfill: the EXPORTS bucket is not bound");

  const first = m.cursor === cursorOf(run.from, 0);
  let state = first ? emptyBackfillState() : await readCheckpoint(bucket, checkpointKey(m, m.cursor));
  if (!state) throw new Error(`backfill ${run.id}: no checkpoint for ${m.cursor}`);
  const live = liveFunnel(funnel.id, funnel.definition);
  const plan = await planChunk(bucket, run, m.cursor, limits);
  const batches: AnalyticsMessage[] = [];
  let events = 0;
  let entries = 0;
  for (const h of plan.hours) {
    const rows = await readRows(bucket, h.keys);
    const replayed = replayHour(live, state, rows, run.until, parseCursor(h.cursor).start + HOUR);
    state = replayed.state;
    events += replayed.events;
    entries += replayed.entries;
    if (replayed.counts.length > 0)
      batches.push({
        op: "analytics",
        key: backfillBatchKey(run.id, h.cursor),
        appId: run.appId,
        at: now,
        counts: replayed.counts,
      });
  }
  await applyAnalyticsCounts(env.DB, batches, now);

  if (plan.next !== null) {
    await bucket.put(checkpointKey(m, plan.next), await gzipJson(state));
    await env.INDEX.send({ ...m, cursor: plan.next });
  }
  await advanceBackfillRun(env.DB, run.id, m.cursor, plan.next, { files: plan.files, events, entries }, now);
  if (!first) await bucket.delete(checkpointKey(m, m.cursor));
  // Deleted while this chunk ran: its counts go with the funnel's.
  if (!(await getBackfillRun(env.DB, run.id))) await deleteFunnel(env.DB, run.appId, run.funnelId);
  return plan.next === null ? "done" : "continued";
}
