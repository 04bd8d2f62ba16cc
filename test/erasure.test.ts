import { env } from "cloudflare:workers";
import { userObject } from "./helpers/objects";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { applyIndexUpdates } from "../src/jobs/index-consumer";
import { admin, createTestApp, sdk, type TestApp } from "./helpers/api";
import { launchCampaign } from "./helpers/campaigns";
import { eventually } from "./helpers/wait";
import { indexFirst } from "./helpers/index-shards";

const USER = "erase-me-7f3a";
const VISITOR = "anon-erase-91c2";
const EMAIL = "erase.me.7f3a@example.com";
const PHONE = "+14155557733";
const NEEDLES = [USER, VISITOR, EMAIL, PHONE];

/** Every row of every D1 table (listed from sqlite_master, so a table added later is covered), as text. */
/** Every table of every D1 database (config and both index shards), rows as text, by table name. */
async function d1Dump(): Promise<Record<string, string>> {
  const dump: Record<string, string> = {};
  for (const binding of ["DB", "INDEX_SHARD_1"]) {
    const db = (env as unknown as Record<string, D1Database>)[binding]!;
    const tables = await db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations'`,
      )
      .all<{ name: string }>();
    for (const { name } of tables.results)
      dump[name] = (dump[name] ?? "") + JSON.stringify((await db.prepare(`SELECT * FROM "${name}"`).all()).results);
  }
  return dump;
}

const mentions = (dump: Record<string, string>) =>
  Object.entries(dump)
    .filter(([, rows]) => NEEDLES.some((n) => rows.includes(n)))
    .map(([t]) => t);

async function personWithHistory(app: TestApp): Promise<void> {
  await launchCampaign(app, {
    name: "Receipt",
    transactional: true,
    trigger: { type: "event", event: "Order Completed" },
    steps: [
      {
        type: "message",
        id: "receipt",
        channels: ["email"],
        content: { email: { subject: "Receipt", text: "Thanks" } },
      },
    ],
  });
  await sdk(app, "/v1/track", { anonymousId: VISITOR, event: "Product Viewed", messageId: "v1" });
  await sdk(app, "/v1/identify", { userId: USER, anonymousId: VISITOR, traits: { name: "Erase Me" }, messageId: "i1" });
  await sdk(app, "/v1/devices", {
    userId: USER,
    email: EMAIL,
    phone: PHONE,
    consent: { email: "opted_in", sms: "opted_in" },
  });
  await sdk(app, "/v1/track", { userId: USER, event: "Order Completed", messageId: "o1", properties: { revenue: 30 } });
  await eventually(
    async () =>
      (
        (await (await admin(app, `/admin/sends?userId=${USER}`)).json()) as { sends: Array<{ status: string }> }
      ).sends.some((s) => s.status === "sent"),
    15_000,
    "the send",
  );
  await eventually(
    async () => (await indexFirst(`SELECT 1 FROM users WHERE app_id = ? AND user_id = ?`, app.appId, USER)) !== null,
    15_000,
    "the index row",
  );
  // Rows other paths write (the nightly RFM job, a dead letter), so the sweep covers them too.
  await env.DB.prepare(`INSERT INTO rfm_memberships (app_id, user_id, segment, since) VALUES (?, ?, 'champions', 1)`)
    .bind(app.appId, USER)
    .run();
  await env.DB.prepare(
    `INSERT INTO dead_letters (message_id, idempotency_key, app_id, user_id, campaign_id, channel, job, attempts, created_at) VALUES ('dl-erase', 'k', ?, ?, 'c', 'email', ?, 1, 1)`,
  )
    .bind(app.appId, USER, JSON.stringify({ to: { email: EMAIL } }))
    .run();
}

describe("erasure", () => {
  it("DELETE /admin/users/:id leaves nothing naming the person in any D1 table or object, and keeps aggregate counts", async () => {
    const app = await createTestApp();
    await personWithHistory(app);
    const before = mentions(await d1Dump());
    expect(before).toEqual(
      expect.arrayContaining([
        "users",
        "deliveries",
        "campaign_stats",
        "channel_addresses",
        "rfm_memberships",
        "dead_letters",
      ]),
    );
    const counted = await env.DB.prepare(`SELECT count(*) AS n FROM campaign_stats WHERE app_id = ?`)
      .bind(app.appId)
      .first<{ n: number }>();

    const res = await admin(app, `/admin/users/${USER}`, { method: "DELETE" });
    expect(await res.json()).toEqual({ deleted: true });

    expect(mentions(await d1Dump())).toEqual([]);
    expect(
      await env.DB.prepare(`SELECT count(*) AS n FROM campaign_stats WHERE app_id = ?`)
        .bind(app.appId)
        .first<{ n: number }>(),
    ).toEqual(counted);
    expect(((await (await admin(app, `/admin/sends?userId=${USER}`)).json()) as { sends: unknown[] }).sends).toEqual(
      [],
    );
    for (const name of [`${app.appId}/u/${USER}`, `${app.appId}/a/${VISITOR}`]) {
      const stored = await runInDurableObject(userObject(name), (_o, state) => {
        const tables = state.storage.sql
          .exec<{ name: string }>(
            `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name NOT LIKE '_cf_%'`,
          )
          .toArray();
        return tables
          .map((t) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${t.name}"`).toArray()))
          .join("\n");
      });
      expect(
        NEEDLES.filter((n) => stored.includes(n)),
        name,
      ).toEqual([]);
    }
    expect((await admin(app, `/admin/users/${USER}`)).status).toBe(404);
    expect((await admin(app, `/admin/users/${VISITOR}?anonymous=true`)).status).toBe(404);
  });

  it("an index update or campaign fact still on the queue does not bring an erased person back; a later return does", async () => {
    const app = await createTestApp();
    const at = Date.now();
    await sdk(app, "/v1/identify", { userId: USER, traits: { plan: "pro" }, messageId: "i1" }, { clock: at });
    await eventually(
      async () => (await indexFirst(`SELECT 1 FROM users WHERE app_id = ? AND user_id = ?`, app.appId, USER)) !== null,
      15_000,
      "the index row",
    );
    expect((await admin(app, `/admin/users/${USER}`, { method: "DELETE", clock: at + 1000 })).status).toBe(200);

    // What was on the INDEX queue at the time of the erase arrives afterwards.
    const late = {
      op: "upsert" as const,
      appId: app.appId,
      userId: USER,
      version: at + 500,
      lifecycle: "new",
      loyal: false,
      firstSeen: at,
      lastSeen: at,
      sessions: 1,
      purchases: 0,
      revenue: 0,
      purchaseDays: 0,
      firstPurchase: null,
      lastPurchase: null,
      timezone: null,
      attrs: {},
    };
    await applyIndexUpdates(env, [
      late,
      {
        op: "stats",
        stats: [
          {
            dedupeKey: "late:sent",
            appId: app.appId,
            campaignId: "c-late",
            variant: "a",
            kind: "sent",
            userId: USER,
            at: at + 500,
          },
        ],
      },
    ]);
    expect(await indexFirst(`SELECT 1 FROM users WHERE app_id = ? AND user_id = ?`, app.appId, USER)).toBeNull();
    const fact = await env.DB.prepare(`SELECT user_id FROM campaign_stats WHERE dedupe_key = 'late:sent'`).first<{
      user_id: string;
    }>();
    expect(fact?.user_id).toMatch(/^erased:/);

    // The same id coming back later is a new person, indexed as usual.
    await sdk(app, "/v1/identify", { userId: USER, traits: { plan: "free" }, messageId: "i2" }, { clock: at + 60_000 });
    await eventually(
      async () => (await indexFirst(`SELECT 1 FROM users WHERE app_id = ? AND user_id = ?`, app.appId, USER)) !== null,
      15_000,
      "the new index row",
    );
  });
});
