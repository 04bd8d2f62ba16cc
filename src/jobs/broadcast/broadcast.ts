import { and, eq, gt, inArray, sql } from "drizzle-orm";
import { DAY, HOUR, MINUTE } from "../../kernel/clock";
import { database } from "../../stores/d1/client";
import { indexShards } from "../../stores/d1/index-shards";
import { apps, broadcastRuns, campaigns, users } from "../../stores/d1/schema";
import type { Env } from "../../env";
import type { BroadcastPage, IndexUpdate } from "../../domain/messages/index-update";
import type { CampaignRecord } from "../../stores/campaigns/campaign-store";
import { Campaign } from "../../domain/campaigns/model";

/** Users per fan-out message on the INDEX queue (each message enters them into the campaign). */
export const FANOUT_CHUNK = 50;
/** Users one page message reads from its shard before handing on to the next page message. */
export const PAGE_SIZE = 1000;
/** A running occurrence with no page progress for this long is resumed by the cron from its saved cursors. */
const STALLED_AFTER = 10 * MINUTE;
/** Local-time broadcasts start fanning out this early, so the easternmost zones (UTC+14) are reached in time. */
const LOCAL_TIME_LEAD = 14 * HOUR;

type BroadcastTrigger = Extract<Campaign["trigger"], { type: "broadcast" }>;

/**
 * Which occurrence of a broadcast is due at `now`, if any: a one-off at `at` (or, with
 * `localTime`, on the date of `at` at that local time for each user), or a recurring
 * one per UTC day / ISO week.
 */
export function dueOccurrence(t: BroadcastTrigger, now: number): { occurrence: string; localDate?: string } | null {
  if (t.at) {
    const at = Date.parse(t.at);
    const date = new Date(at).toISOString().slice(0, 10);
    if (t.localTime)
      return now >= Date.parse(`${date}T00:00:00Z`) - LOCAL_TIME_LEAD ? { occurrence: date, localDate: date } : null;
    return now >= at ? { occurrence: new Date(at).toISOString() } : null;
  }
  if (t.every === "day") return { occurrence: new Date(now).toISOString().slice(0, 10) };
  const d = new Date(now);
  const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7)));
  return { occurrence: `week-of-${monday.toISOString().slice(0, 10)}` };
}

/**
 * An occurrence's progress in `broadcast_runs.cursor`: per index shard, the last user id handed on
 * and whether the shard is walked through. A run saved before sharding kept one plain user id: shard 0's.
 */
interface RunProgress {
  after: string[];
  done: boolean[];
  /** People handed on per shard so far. */
  n: number[];
  /** Wall-clock time of the last page (ms), to tell a stalled walk from a running one. */
  at: number;
}

function progressOf(cursor: string | null, shards: number, at: number): RunProgress {
  const fresh = {
    after: Array<string>(shards).fill(""),
    done: Array<boolean>(shards).fill(false),
    n: Array<number>(shards).fill(0),
    at,
  };
  if (!cursor) return fresh;
  try {
    const p = JSON.parse(cursor) as RunProgress;
    if (Array.isArray(p.after) && Array.isArray(p.done))
      return {
        after: fresh.after.map((x, i) => p.after[i] ?? x),
        done: fresh.done.map((x, i) => p.done[i] ?? x),
        n: fresh.n.map((x, i) => p.n?.[i] ?? x),
        at: p.at ?? 0,
      };
  } catch {
    // a plain user id, below
  }
  fresh.after[0] = cursor;
  fresh.at = 0;
  return fresh;
}

/**
 * Fans a broadcast occurrence out to its audience. The `broadcast_runs` row makes each occurrence
 * start once, however often cron fires. Every index shard is walked at once, in user-id order, by a
 * chain of page messages on the INDEX queue (`pageBroadcast`): each reads one page, enqueues the
 * entry chunks and then the next page — so the walk runs at queue speed, not one page per cron tick.
 * The first page of each shard runs here, so a small audience is handed on before this answers.
 */
export async function startBroadcast(
  env: Env,
  campaign: CampaignRecord,
  now: number,
  opts: { force?: boolean; virtualClock?: boolean } = {},
): Promise<{ occurrence: string; started: boolean; users: number }> {
  const trigger = campaign.definition.trigger as BroadcastTrigger;
  const due =
    dueOccurrence(
      trigger,
      opts.force && trigger.at && !trigger.localTime ? Math.max(now, Date.parse(trigger.at)) : now,
    ) ?? (opts.force ? { occurrence: new Date(now).toISOString() } : null);
  if (!due) return { occurrence: "", started: false, users: 0 };
  const db = database(env.DB);
  const shardCount = indexShards(env).count;
  const fresh = progressOf(null, shardCount, Date.now());
  const claimed = await db
    .insert(broadcastRuns)
    .values({
      campaignId: campaign.id,
      occurrence: due.occurrence,
      status: "running",
      startedAt: now,
      cursor: JSON.stringify(fresh),
    })
    .onConflictDoNothing()
    .returning({ c: broadcastRuns.campaignId });
  let progress = fresh;
  if (claimed.length === 0) {
    // Already started: finished, running, or stalled (a page message lost after its retries) — only then resume.
    const [run] = await db
      .select()
      .from(broadcastRuns)
      .where(and(eq(broadcastRuns.campaignId, campaign.id), eq(broadcastRuns.occurrence, due.occurrence)));
    if (!run || run.status === "fanned-out") return { occurrence: due.occurrence, started: false, users: 0 };
    progress = progressOf(run.cursor, shardCount, 0);
    if (Date.now() - progress.at < STALLED_AFTER) return { occurrence: due.occurrence, started: false, users: 0 };
    // Resuming: the progress in the current shape, stamped now, so a second cron tick does not resume it again.
    progress = { ...progress, at: Date.now() };
    await db
      .update(broadcastRuns)
      .set({ cursor: JSON.stringify(progress) })
      .where(and(eq(broadcastRuns.campaignId, campaign.id), eq(broadcastRuns.occurrence, due.occurrence)));
  }
  const [app] = await db.select({ configVersion: apps.configVersion }).from(apps).where(eq(apps.id, campaign.appId));
  const audience = campaign.definition.broadcastAudience ?? {};
  const pages = progress.after.flatMap((after, shard): BroadcastPage[] =>
    progress.done[shard]
      ? []
      : [
          {
            op: "broadcast-page",
            appId: campaign.appId,
            campaignId: campaign.id,
            occurrence: due.occurrence,
            configVersion: app?.configVersion ?? 0,
            now,
            virtualClock: opts.virtualClock ?? false,
            ...(due.localDate ? { localDate: due.localDate } : {}),
            audience: {
              ...(audience.lifecycle?.length ? { lifecycle: audience.lifecycle } : {}),
              ...(audience.segmentId ? { segmentId: audience.segmentId } : {}),
            },
            shard,
            after,
            handed: progress.n[shard] ?? 0,
          },
        ],
  );
  const handed = await Promise.all(pages.map((p) => pageBroadcast(env, p)));
  return { occurrence: due.occurrence, started: claimed.length > 0, users: handed.reduce((a, n) => a + n, 0) };
}

/**
 * One page of one shard: the next `PAGE_SIZE` people of the audience after `page.after`, handed on in
 * entry chunks, then the next page message (or the shard marked done). A retried page re-sends its chunks;
 * entering is idempotent per occurrence, so nobody is entered twice. Returns how many people it handed on.
 */
export async function pageBroadcast(env: Env, page: BroadcastPage): Promise<number> {
  const { shard } = page;
  const run = await env.DB.prepare(
    `SELECT json_extract(cursor, '$.after[${shard}]') AS after, json_extract(cursor, '$.done[${shard}]') AS done
     FROM broadcast_runs WHERE campaign_id = ?1 AND occurrence = ?2`,
  )
    .bind(page.campaignId, page.occurrence)
    .first<{ after: string | null; done: number | null }>();
  // A redelivered page whose successor is already recorded has done its work: its chain goes on elsewhere.
  if (!run || run.done === 1 || (run.after ?? "") > page.after) return 0;
  const conditions = [eq(users.appId, page.appId), gt(users.userId, page.after)];
  if (page.audience.lifecycle?.length) conditions.push(inArray(users.lifecycle, page.audience.lifecycle));
  if (page.audience.segmentId)
    conditions.push(
      sql`EXISTS (SELECT 1 FROM json_each(${users.attrs}, '$.segments') WHERE json_each.value = ${page.audience.segmentId})`,
    );
  const rows = await database(indexShards(env).db(shard))
    .select({ userId: users.userId, attrs: users.attrs })
    .from(users)
    .where(and(...conditions))
    .orderBy(users.userId)
    .limit(PAGE_SIZE);
  const { op: _op, audience: _audience, shard: _shard, after: _after, handed: _handed, ...entry } = page;
  const messages: Array<{ body: IndexUpdate }> = [];
  for (let i = 0; i < rows.length; i += FANOUT_CHUNK)
    messages.push({
      body: {
        ...entry,
        op: "broadcast",
        users: rows
          .slice(i, i + FANOUT_CHUNK)
          .map((u) => ({ userId: u.userId, anonymous: JSON.parse(u.attrs).anonymous === true })),
      },
    });
  const handed = page.handed + rows.length;
  const last = rows.length === PAGE_SIZE ? rows[rows.length - 1]!.userId : null;
  if (last !== null) messages.push({ body: { ...page, after: last, handed } });
  for (let i = 0; i < messages.length; i += 100) await env.INDEX.sendBatch(messages.slice(i, i + 100));
  // Progress of this shard, set (not added) in place, so a retried page cannot count twice; pages of
  // different shards land concurrently, each touching only its own entries.
  const key = [page.campaignId, page.occurrence] as const;
  await env.DB.batch([
    env.DB.prepare(
      `UPDATE broadcast_runs SET cursor = json_set(cursor,
         '$.after[${shard}]', ?3, '$.done[${shard}]', json(?4), '$.n[${shard}]', ?5, '$.at', ?6)
       WHERE campaign_id = ?1 AND occurrence = ?2`,
    ).bind(...key, last ?? page.after, last === null ? "true" : "false", handed, Date.now()),
    // The total, and the run finished once every shard is walked through.
    env.DB.prepare(
      `UPDATE broadcast_runs SET users = (SELECT COALESCE(SUM(value), 0) FROM json_each(cursor, '$.n')),
         status = CASE WHEN EXISTS (SELECT 1 FROM json_each(cursor, '$.done') WHERE value = 0) THEN status ELSE 'fanned-out' END,
         finished_at = CASE WHEN EXISTS (SELECT 1 FROM json_each(cursor, '$.done') WHERE value = 0) THEN finished_at ELSE ?3 END
       WHERE campaign_id = ?1 AND occurrence = ?2 AND status = 'running'`,
    ).bind(...key, Date.now()),
  ]);
  return rows.length;
}

/** Cron: every active broadcast whose occurrence is due. */
export async function runDueBroadcasts(env: Env, now: number): Promise<void> {
  const rows = await database(env.DB)
    .select()
    .from(campaigns)
    .where(
      and(eq(campaigns.status, "active"), sql`json_extract(${campaigns.definition}, '$.trigger.type') = 'broadcast'`),
    );
  for (const row of rows) {
    const record: CampaignRecord = { ...row, status: "active", definition: Campaign.parse(JSON.parse(row.definition)) };
    const def = record.definition;
    if (def.endAt && now >= Date.parse(def.endAt)) continue;
    if (def.startAt && now < Date.parse(def.startAt) - DAY) continue;
    await startBroadcast(env, record, now);
  }
}
