import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../workers/edge";
import type { Env } from "../src/env";
import { DAY } from "../src/kernel/clock";
import { homeShard, parseIndexLayout } from "../src/domain/scale/index-layout";
import { RFM_SEGMENTS } from "../src/domain/segments/rfm";
import { recomputeApp } from "../src/jobs/nightly-job";
import { PAGE_SIZE, pageBroadcast, startBroadcast } from "../src/jobs/broadcast/broadcast";
import { CampaignStore } from "../src/stores/campaigns/campaign-store";
import type { IndexUpdate } from "../src/domain/messages/index-update";
import { BASE, createTestApp, sdk, type TestApp } from "./helpers/api";
import { launchCampaign } from "./helpers/campaigns";
import { indexSum, peoplePerShard } from "./helpers/index-shards";
import { eventually } from "./helpers/wait";

/**
 * Issue 18: the suite runs with two index shards (vitest.config.ts). Here one synthetic population is
 * written twice — spread over the two shards as the people's objects would place them, and whole into
 * a third database — and every cross-person reader (segment counts and previews, lifecycle and consent
 * counts, search, RFM and churn reports, audience estimates, the nightly RFM cut points, BG/NBD fit
 * and snapshot, broadcast fan-out) must answer the same through the two shards as through the one.
 */
const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const PEOPLE = 2_600; // more than two broadcast pages in total, so the page chain is walked
const TWO: Env = env as unknown as Env;
const ONE: Env = { ...(env as unknown as Env), INDEX_SHARDS: "INDEX_ONE" };
const d1 = (name: string) => (env as unknown as Record<string, D1Database>)[name]!;

/** A deterministic pseudo-random stream (mulberry32), so the population is the same on every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATES = ["new", "active", "dormant", "churned"] as const;
const CONSENT = ["opted_in", "opted_out", undefined] as const;

async function syntheticIndex(appId: string): Promise<void> {
  const next = random(18);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const layout = parseIndexLayout(TWO.INDEX_SHARDS);
  const rows: unknown[][] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const firstSeen = NOW - Math.floor(next() * 400) * DAY;
    const lastSeen = Math.min(NOW, firstSeen + Math.floor(next() * 400) * DAY);
    const purchases = next() < 0.4 ? 0 : 1 + Math.floor(next() * 8);
    const firstPurchase = purchases ? firstSeen + DAY : null;
    const lastPurchase = purchases ? Math.max(firstPurchase!, lastSeen - Math.floor(next() * 30) * DAY) : null;
    const consent = Object.fromEntries(
      (["push", "email", "sms"] as const).flatMap((ch) => {
        const s = pick(CONSENT);
        return s ? [[ch, s]] : [];
      }),
    );
    const attrs = {
      anonymous: next() < 0.1,
      consent,
      platforms: next() < 0.6 ? [pick(["ios", "android", "web"] as const)] : [],
      addresses: next() < 0.5 ? ["email"] : [],
      rfmSegment: purchases ? pick(RFM_SEGMENTS) : null,
      churnBand: purchases ? pick(["high", "medium", "low"] as const) : null,
      segments: next() < 0.3 ? ["seg_vip"] : [],
    };
    const userId = `p${String(i).padStart(5, "0")}`;
    rows.push([
      homeShard(layout, appId, userId, firstSeen),
      appId,
      userId,
      pick(STATES),
      next() < 0.1 ? 1 : 0,
      firstSeen,
      lastSeen,
      1 + Math.floor(next() * 50),
      purchases,
      purchases ? Math.round(next() * 50000) / 100 : 0,
      purchases ? Math.min(purchases, 1 + Math.floor(next() * purchases)) : 0,
      firstPurchase,
      lastPurchase,
      JSON.stringify(attrs),
    ]);
  }
  const insert = (db: D1Database, r: unknown[]) =>
    db
      .prepare(
        "INSERT INTO users (app_id, user_id, lifecycle, loyal, first_seen, last_seen, sessions, purchases, revenue, purchase_days, first_purchase, last_purchase, attrs, version, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 1, 0)",
      )
      .bind(...r.slice(1));
  const shardDbs = [d1("DB"), d1("INDEX_SHARD_1")];
  for (let i = 0; i < rows.length; i += 200) {
    const page = rows.slice(i, i + 200);
    await d1("INDEX_ONE").batch(page.map((r) => insert(d1("INDEX_ONE"), r)));
    for (const [n, db] of shardDbs.entries()) {
      const mine = page.filter((r) => r[0] === n);
      if (mine.length) await db.batch(mine.map((r) => insert(db, r)));
    }
  }
}

/** The Worker's own fetch handler, with the given deployment's bindings. */
async function ask(deployment: Env, app: TestApp, path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${app.adminKey}`);
  headers.set("x-beckon-clock", String(NOW));
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const res = await worker.fetch(
    new Request(BASE + path, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : null }),
    deployment,
    createExecutionContext(),
  );
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A queue that records what it is given, to walk a broadcast's page chain by hand. */
function recordingQueue() {
  const sent: IndexUpdate[] = [];
  return {
    sent,
    queue: {
      send: async (body: IndexUpdate) => void sent.push(body),
      sendBatch: async (batch: Iterable<{ body: IndexUpdate }>) => {
        for (const m of batch) sent.push(m.body);
      },
    } as unknown as Queue<IndexUpdate>,
  };
}

/** Starts the broadcast on `deployment` and delivers every page message (each twice: a redelivery), returning who was handed on. */
async function fanOut(deployment: Env, app: TestApp, campaignId: string) {
  const { sent, queue } = recordingQueue();
  const withQueue = { ...deployment, INDEX: queue } as Env;
  const campaign = await new CampaignStore(env.DB).require(app.appId, campaignId);
  const started = await startBroadcast(withQueue, campaign, NOW, { force: true, virtualClock: true });
  const entered: string[] = [];
  let pages = 0;
  for (let i = 0; i < sent.length; i++) {
    const m = sent[i]!;
    if (m.op === "broadcast") entered.push(...m.users.map((u) => u.userId));
    else if (m.op === "broadcast-page") {
      pages++;
      await pageBroadcast(withQueue, m);
      // A redelivered page whose successor is recorded hands nobody on again.
      expect(await pageBroadcast(withQueue, m)).toBe(0);
    }
  }
  const run = await env.DB.prepare("SELECT status, users FROM broadcast_runs WHERE campaign_id = ?")
    .bind(campaignId)
    .first<{ status: string; users: number }>();
  return { started, entered, pages, run };
}

describe("two index shards answer as one database would", () => {
  it("people ingested through the SDK land in both shards, each in one", async () => {
    const app = await createTestApp();
    for (let i = 0; i < 24; i++)
      expect((await sdk(app, "/v1/track", { userId: `s${i}`, event: "Opened" })).status).toBe(200);
    await eventually(
      async () => (await indexSum("SELECT count(*) AS n FROM users WHERE app_id = ?", app.appId)) === 24,
      15_000,
      "24 index rows",
    );
    const perShard = await peoplePerShard(app.appId);
    expect(perShard[0]! + perShard[1]!).toBe(24);
    expect(Math.min(...perShard)).toBeGreaterThan(0);
  });

  it("segments, counts, search, reports, estimates, the nightly fit and broadcasts agree with a one-shard run", async () => {
    const app = await createTestApp();
    await syntheticIndex(app.appId);
    const perShard = await peoplePerShard(app.appId);
    expect(perShard[0]! + perShard[1]!).toBe(PEOPLE);
    expect(Math.min(...perShard)).toBeGreaterThan(PEOPLE / 4);

    const same = async (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const two = await ask(TWO, app, path, init);
      const one = await ask(ONE, app, path, init);
      expect(two, path).toEqual(one);
      return two;
    };
    const lifecycle = (await same("/admin/segments/lifecycle")) as { total: number };
    expect(lifecycle.total).toBe(PEOPLE);
    await same("/admin/stats/consent");
    await same("/admin/users?limit=50");
    await same("/admin/users?q=p012&limit=20");
    const preview = (await same("/admin/segments/preview", {
      method: "POST",
      json: {
        filter: {
          type: "and",
          filters: [
            { type: "counter", counter: "purchases", op: "gte", value: 2 },
            { type: "consent", channel: "email", status: "opted_in" },
          ],
        },
      },
    })) as { count: number; sample: unknown[] };
    expect(preview.count).toBeGreaterThan(0);
    expect(preview.sample.length).toBeGreaterThan(0);
    await same("/admin/campaigns/estimate", {
      method: "POST",
      json: {
        name: "Estimate",
        trigger: { type: "broadcast", at: "2026-06-02T09:00:00Z" },
        broadcastAudience: { lifecycle: ["active", "dormant"] },
        steps: [
          {
            type: "message",
            id: "m",
            channels: ["push", "email"],
            content: { push: { title: "Hi", body: "Hi" }, email: { subject: "Hi", text: "Hi" } },
          },
        ],
      },
    });

    // The nightly job over each deployment: the same cut points, the same fit, the same snapshot.
    const two = await recomputeApp(TWO, app.appId, NOW);
    const one = await recomputeApp(ONE, app.appId, NOW);
    expect(two.model.cutPoints).toEqual(one.model.cutPoints);
    expect(two.model.bgnbd).toEqual(one.model.bgnbd);
    expect(two.model.purchasers).toBe(one.model.purchasers);
    expect(two.snapshot).toEqual(one.snapshot);
    expect(two.transitions).toBe(one.transitions);
    expect(two.model.purchasers).toBeGreaterThan(1000);
    // Reports that read what the nightly job wrote (memberships, transitions, the snapshot).
    await same("/admin/segments/rfm");
    await same("/admin/segments/activity");
    await same("/admin/segments/lifecycle/history");

    // A broadcast to the active and dormant: everyone in the audience handed on exactly once, in both layouts.
    const audience = { lifecycle: ["active", "dormant"] };
    const ids: string[] = [];
    for (const name of ["Two shards", "One shard"])
      ids.push(
        await launchCampaign(app, {
          name,
          trigger: { type: "broadcast", at: "2026-06-01T12:00:00Z" },
          broadcastAudience: audience,
          steps: [
            {
              type: "message",
              id: "m",
              channels: ["content_card"],
              content: { content_card: { title: "Hi", body: "Hi" } },
            },
          ],
        }),
      );
    const [viaTwo, viaOne] = [await fanOut(TWO, app, ids[0]!), await fanOut(ONE, app, ids[1]!)];
    const expected = await indexSum(
      "SELECT count(*) AS n FROM users WHERE app_id = ? AND lifecycle IN ('active', 'dormant')",
      app.appId,
    );
    expect(expected).toBeGreaterThan(PAGE_SIZE);
    for (const run of [viaTwo, viaOne]) {
      expect(new Set(run.entered).size).toBe(run.entered.length);
      expect(run.entered.length).toBe(expected);
      expect(run.run).toEqual({ status: "fanned-out", users: expected });
    }
    expect([...viaTwo.entered].sort()).toEqual([...viaOne.entered].sort());
    // One chain of pages per shard, in parallel; each page hands on at most PAGE_SIZE people, the first runs inline.
    const chained = (n: number) => Math.ceil((n + 1) / PAGE_SIZE) - 1;
    const inShard = await Promise.all(
      ["DB", "INDEX_SHARD_1"].map(async (name) =>
        Number(
          (
            await d1(name)
              .prepare("SELECT count(*) AS n FROM users WHERE app_id = ? AND lifecycle IN ('active', 'dormant')")
              .bind(app.appId)
              .first<{ n: number }>()
          )?.n,
        ),
      ),
    );
    expect(viaOne.pages).toBe(chained(expected));
    expect(viaTwo.pages).toBe(chained(inShard[0]!) + chained(inShard[1]!));
    expect(viaOne.started.users).toBe(Math.min(expected, PAGE_SIZE));
    expect(viaTwo.started.users).toBe(Math.min(inShard[0]!, PAGE_SIZE) + Math.min(inShard[1]!, PAGE_SIZE));
  }, 120_000); // 2,600 people through every reader twice: ~15 s alone, ~35 s beside the rest of the suite on 2 cores
});
