import { and, eq, gt, inArray, sql } from "drizzle-orm";
import { DAY, HOUR } from "../../kernel/clock";
import { database } from "../../stores/d1/client";
import { apps, broadcastRuns, campaigns, users } from "../../stores/d1/schema";
import type { Env } from "../../env";
import type { IndexUpdate } from "../../domain/messages/index-update";
import type { CampaignRecord } from "../../stores/campaigns/campaign-store";
import { Campaign } from "../../domain/campaigns/model";

/** Users per fan-out message on the INDEX queue (each message enters them into the campaign). */
export const FANOUT_CHUNK = 50;
/** The most users one fan-out call pages through; a larger audience continues on the next cron tick. */
const MAX_USERS_PER_RUN = 200_000;
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
 * Fans a broadcast occurrence out to its audience: pages the D1 users index and
 * enqueues entry work on the INDEX queue (the cross-user work queue). The
 * broadcast_runs row makes each occurrence start once, however often cron fires.
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
  const claimed = await db
    .insert(broadcastRuns)
    .values({ campaignId: campaign.id, occurrence: due.occurrence, status: "running", startedAt: now })
    .onConflictDoNothing()
    .returning({ c: broadcastRuns.campaignId });
  const runKey = and(eq(broadcastRuns.campaignId, campaign.id), eq(broadcastRuns.occurrence, due.occurrence));
  let cursor = "";
  let total = 0;
  if (claimed.length === 0) {
    // Already started: finished, or interrupted / larger than one run — then continue where it stopped.
    // (Entries are idempotent per occurrence, so an overlapping run only costs queue traffic.)
    const [run] = await db.select().from(broadcastRuns).where(runKey);
    if (!run || run.status === "fanned-out") return { occurrence: due.occurrence, started: false, users: 0 };
    cursor = run.cursor ?? "";
    total = run.users;
  }

  const [app] = await db.select({ configVersion: apps.configVersion }).from(apps).where(eq(apps.id, campaign.appId));
  const audience = campaign.definition.broadcastAudience ?? {};
  let finished = false;
  let paged = 0;
  for (;;) {
    const conditions = [eq(users.appId, campaign.appId), gt(users.userId, cursor)];
    if (audience.lifecycle?.length) conditions.push(inArray(users.lifecycle, audience.lifecycle));
    if (audience.segmentId)
      conditions.push(
        sql`EXISTS (SELECT 1 FROM json_each(${users.attrs}, '$.segments') WHERE json_each.value = ${audience.segmentId})`,
      );
    const page = await db
      .select({ userId: users.userId, attrs: users.attrs })
      .from(users)
      .where(and(...conditions))
      .orderBy(users.userId)
      .limit(1000);
    if (page.length === 0) {
      finished = true;
      break;
    }
    const messages: Array<{ body: IndexUpdate }> = [];
    for (let i = 0; i < page.length; i += FANOUT_CHUNK) {
      const chunk = page.slice(i, i + FANOUT_CHUNK);
      messages.push({
        body: {
          op: "broadcast",
          appId: campaign.appId,
          campaignId: campaign.id,
          occurrence: due.occurrence,
          configVersion: app?.configVersion ?? 0,
          now,
          virtualClock: opts.virtualClock ?? false,
          ...(due.localDate ? { localDate: due.localDate } : {}),
          users: chunk.map((u) => ({ userId: u.userId, anonymous: JSON.parse(u.attrs).anonymous === true })),
        },
      });
    }
    for (let i = 0; i < messages.length; i += 100) await env.INDEX.sendBatch(messages.slice(i, i + 100));
    total += page.length;
    paged += page.length;
    cursor = page[page.length - 1]!.userId;
    // Progress is saved per page, so a failure resumes here on the next cron tick.
    await db.update(broadcastRuns).set({ users: total, cursor }).where(runKey);
    if (page.length < 1000) {
      finished = true;
      break;
    }
    if (paged >= MAX_USERS_PER_RUN) break;
  }
  if (finished)
    await db
      .update(broadcastRuns)
      .set({ status: "fanned-out", users: total, cursor, finishedAt: Date.now() })
      .where(runKey);
  return { occurrence: due.occurrence, started: claimed.length > 0, users: paged };
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
