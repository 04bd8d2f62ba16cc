import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { E2E_OPERATOR_TOKEN, type LocalWorker, startLocalWorker } from "./local-worker";

/**
 * Independent cross-check of the live analytics (docs/analytics.md "Cross-check with DuckDB"): part of the
 * CDNOW purchase log and a synthetic browse → add-to-cart → order stream are replayed into `wrangler dev`
 * under a virtual clock with the export on; the exported files are read back through the admin API
 * (listExportPartitions, getExportFile) and DuckDB computes, in SQL, the funnel, the weekly cohort table and
 * the monthly active counts. Beckon's figures (its analytics routes) must equal DuckDB's exactly.
 *
 * The CDNOW rows are those of the committed 1/10 sample (test/fixtures, master rows) with master id ≤ 3000:
 * 908 purchases of 291 customers, 1997-01 to 1998-06. The full master file is not in the repository.
 */
const STEPS = ["Product Viewed", "Product Added", "Order Completed"] as const;
const WINDOW_HOURS = 2;
const FUNNEL_FROM = "1998-01-01";
const FUNNEL_TO = "1998-06-30";
const NOW = Date.UTC(1998, 6, 1, 12);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let worker: LocalWorker | undefined;
let dir: string | undefined;
afterAll(async () => {
  await worker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface SdkEvent {
  type: "track";
  userId: string;
  event: string;
  messageId: string;
  timestamp: string;
  properties: Record<string, unknown>;
}

async function cdnowEvents(): Promise<SdkEvent[]> {
  const text = await readFile(join(import.meta.dirname, "../fixtures/CDNOW_sample.txt"), "utf8");
  const out: SdkEvent[] = [];
  let seq = 0;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+\d+\s+(\d{8})\s+(\d+)\s+([\d.]+)\s*$/.exec(line);
    if (!m || Number(m[1]) > 3000) continue;
    const d = m[2]!;
    const at = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), 12) + (seq % 60) * 1000;
    out.push({
      type: "track",
      userId: `cdnow-${m[1]}`,
      event: "Order Completed",
      messageId: `cdnow-${seq++}`,
      timestamp: new Date(at).toISOString(),
      properties: { revenue: Number(m[4]), quantity: Number(m[3]) },
    });
  }
  return out;
}

/** Deterministic pseudo-random numbers (mulberry32), so the stream is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Shoppers' sessions: each a short run of events (≤ 40 minutes, well inside the 2-hour window) sent as one
 * request under its last event's clock; sessions of a person are days apart. Some sessions break the funnel
 * on purpose: a second view while an entry is open, an add or an order without a view, an add 3 hours later.
 */
function shopperSessions(): SdkEvent[][] {
  const rnd = random(16);
  const sessions: SdkEvent[][] = [];
  for (let p = 0; p < 150; p++) {
    const userId = `shop-${p}`;
    let at = Date.UTC(1998, 0, 5) + Math.floor(rnd() * 140) * DAY + (8 + Math.floor(rnd() * 10)) * HOUR;
    let n = 0;
    const ev = (event: string, t: number): SdkEvent => ({
      type: "track",
      userId,
      event,
      messageId: `${userId}-${n++}`,
      timestamp: new Date(t).toISOString(),
      properties: { sku: `sku-${Math.floor(rnd() * 20)}` },
    });
    const count = 1 + Math.floor(rnd() * 4);
    for (let s = 0; s < count; s++) {
      const kind = Math.floor(rnd() * 8);
      const names =
        kind === 0
          ? [STEPS[0]]
          : kind === 1
            ? [STEPS[0], STEPS[1]]
            : kind === 2 || kind === 3
              ? [STEPS[0], STEPS[1], STEPS[2]]
              : kind === 4
                ? [STEPS[0], STEPS[0], STEPS[1], STEPS[2], STEPS[2]]
                : kind === 5
                  ? [STEPS[1], STEPS[2]]
                  : kind === 6
                    ? [STEPS[2]]
                    : [STEPS[0]];
      let t = at;
      sessions.push(names.map((name) => ev(name, (t += (1 + Math.floor(rnd() * 8)) * 60_000))));
      if (kind === 7) sessions.push([ev(STEPS[1], t + 3 * HOUR), ev(STEPS[2], t + 3 * HOUR + 60_000)]);
      at += (1 + Math.floor(rnd() * 20)) * DAY;
    }
  }
  return sessions;
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

describe("the export, read with DuckDB, gives Beckon's live figures", () => {
  it("funnel, weekly cohorts and monthly actives of a CDNOW part and a synthetic shop are equal", async () => {
    worker = await startLocalWorker({
      vars: { ALLOW_VIRTUAL_CLOCK: "true", EXPORT_EVENTS: "true", CONFIG_PROPAGATION_MS: "300" },
    });
    const base = worker.url;
    const app = (await (
      await fetch(`${base}/admin/apps`, {
        method: "POST",
        headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "duckdb", settings: { identityVerification: "off" } }),
      })
    ).json()) as { appId: string; writeKey: string; adminKey: string };
    // A second app exports Parquet (settings.exportFormat); the shop's sessions go to it as well.
    const parquetApp = (await (
      await fetch(`${base}/admin/apps`, {
        method: "POST",
        headers: { authorization: `Bearer ${E2E_OPERATOR_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "duckdb-parquet",
          settings: { identityVerification: "off", exportFormat: "parquet" },
        }),
      })
    ).json()) as { appId: string; writeKey: string; adminKey: string };
    const adminGet = async <T>(path: string, key = app.adminKey): Promise<T> => {
      const res = await fetch(base + path, {
        headers: { authorization: `Bearer ${key}`, "x-beckon-clock": String(NOW) },
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const funnel = (await (
      await fetch(`${base}/admin/funnels`, {
        method: "POST",
        headers: { authorization: `Bearer ${app.adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "shop", steps: STEPS.map((event) => ({ event })), windowHours: WINDOW_HOURS }),
      })
    ).json()) as { id: string };
    await new Promise((r) => setTimeout(r, 600)); // the funnel reaches the edge's config (CONFIG_PROPAGATION_MS)

    // Each person's events go in time order (one worker owns a person); requests carry their last event's clock.
    const cdnow = await cdnowEvents();
    const byCustomer = new Map<string, SdkEvent[]>();
    for (const e of cdnow) byCustomer.set(e.userId, [...(byCustomer.get(e.userId) ?? []), e]);
    const requests: SdkEvent[][] = [];
    for (const list of byCustomer.values())
      for (let i = 0; i < list.length; i += 20) requests.push(list.slice(i, i + 20));
    const shop = shopperSessions();
    const byShopper = new Map<string, SdkEvent[][]>();
    for (const s of shop) byShopper.set(s[0]!.userId, [...(byShopper.get(s[0]!.userId) ?? []), s]);
    const people = [
      ...[...byCustomer.keys()].map((k) => requests.filter((r) => r[0]!.userId === k)),
      ...byShopper.values(),
    ];
    let applied = 0;
    let appliedParquet = 0;
    const post = async (writeKey: string, batch: SdkEvent[]): Promise<number> => {
      const res = await fetch(`${base}/v1/batch`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`,
          "content-type": "application/json",
          "x-beckon-clock": String(Date.parse(batch[batch.length - 1]!.timestamp)),
        },
        body: JSON.stringify({ batch }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { applied: number }).applied;
    };
    await pool(people, 4, async (batches) => {
      for (const batch of batches) {
        // (Read the total after the await: `x += await …` would add to a stale value under the pool.)
        const n = await post(app.writeKey, batch);
        applied += n;
        if (!batch[0]!.userId.startsWith("shop-")) continue;
        const m = await post(parquetApp.writeKey, batch);
        appliedParquet += m;
      }
    });
    const sent = cdnow.length + shop.flat().length;
    expect(applied).toBe(sent);
    expect(appliedParquet).toBe(shop.flat().length);

    // Every exported event file, through the listing and download routes, into a local directory.
    dir = await mkdtemp(join(tmpdir(), "beckon-duckdb-"));
    const listed = async (key = app.adminKey): Promise<{ rows: number; keys: string[] }> => {
      let rows = 0;
      const keys: string[] = [];
      for (const year of ["1997", "1998"]) {
        let cursor: string | null = null;
        do {
          const page: { partitions: Array<{ rows: number; keys: string[] }>; cursor: string | null } = await adminGet(
            `/admin/analytics/exports?kind=event&date=${year}&keys=true${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
            key,
          );
          for (const p of page.partitions) {
            rows += p.rows;
            keys.push(...p.keys);
          }
          cursor = page.cursor;
        } while (cursor);
      }
      return { rows, keys };
    };
    let files = await listed();
    for (let i = 0; i < 90 && files.rows < sent; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      files = await listed();
    }
    let parquetFiles = await listed(parquetApp.adminKey);
    for (let i = 0; i < 90 && parquetFiles.rows < shop.flat().length; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      parquetFiles = await listed(parquetApp.adminKey);
    }
    const download = (adminKey: string) => async (key: string) => {
      const res = await fetch(`${base}/admin/analytics/exports/file?key=${encodeURIComponent(key)}`, {
        headers: { authorization: `Bearer ${adminKey}` },
      });
      expect(res.status).toBe(200);
      const path = join(dir!, key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, Buffer.from(await res.arrayBuffer()));
    };
    await pool(files.keys, 8, download(app.adminKey));
    await pool(parquetFiles.keys, 8, download(parquetApp.adminKey));
    expect(parquetFiles.keys.every((k) => k.endsWith(".parquet"))).toBe(true);

    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const rows = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson();
    await db.run("SET TimeZone = 'UTC'");
    await db.run(`
      CREATE TABLE events AS
      SELECT userId, name, messageId, CAST("timestamp" AS TIMESTAMP) AS ts
      FROM read_json('${join(dir, "events", app.appId)}/**/*.ndjson.gz', format = 'newline_delimited')`);
    // The export holds each applied event once.
    expect(await rows("SELECT count(*)::INTEGER AS n, count(DISTINCT messageId)::INTEGER AS d FROM events")).toEqual([
      { n: sent, d: sent },
    ]);

    // The Parquet app's files (read_parquet) hold the same shop rows as the NDJSON app's (read_json).
    const fields = `userId, name, messageId, callType, anonymous, epoch_ms("timestamp") AS t, epoch_ms(receivedAt) AS r, properties::VARCHAR AS p`;
    await db.run(`
      CREATE TABLE nd AS SELECT ${fields} FROM read_json('${join(dir, "events", app.appId)}/**/*.ndjson.gz',
        format = 'newline_delimited', columns = {userId: 'VARCHAR', name: 'VARCHAR', messageId: 'VARCHAR', callType: 'VARCHAR',
        anonymous: 'BOOLEAN', "timestamp": 'TIMESTAMP', receivedAt: 'TIMESTAMP', properties: 'JSON'})
      WHERE userId LIKE 'shop-%'`);
    await db.run(`
      CREATE TABLE pq AS SELECT ${fields}, rowId FROM read_parquet('${join(dir, "events", parquetApp.appId)}/**/*.parquet')`);
    expect(
      await rows(`SELECT
        (SELECT count(*) FROM pq)::INTEGER AS parquet,
        (SELECT count(DISTINCT rowId) FROM pq)::INTEGER AS rowIds,
        (SELECT count(*) FROM nd)::INTEGER AS ndjson,
        (SELECT count(*) FROM (SELECT * EXCLUDE (rowId) FROM pq EXCEPT ALL SELECT * FROM nd))::INTEGER AS onlyParquet,
        (SELECT count(*) FROM (SELECT * FROM nd EXCEPT ALL SELECT * EXCLUDE (rowId) FROM pq))::INTEGER AS onlyNdjson`),
    ).toEqual([
      {
        parquet: shop.flat().length,
        rowIds: shop.flat().length,
        ndjson: shop.flat().length,
        onlyParquet: 0,
        onlyNdjson: 0,
      },
    ]);

    // Funnel: one open entry per person; an entry advances on the next step's event within the window of
    // step 1 and not before the previous step, closes at the last step or when its window ends.
    const W = WINDOW_HOURS * HOUR;
    const next = (step: string) => `CASE ${step} WHEN 0 THEN '${STEPS[1]}' WHEN 1 THEN '${STEPS[2]}' ELSE NULL END`;
    const duckFunnel = await rows(`
      WITH RECURSIVE
      ev AS (
        SELECT userId, name, epoch_ms(ts) AS t, row_number() OVER (PARTITION BY userId ORDER BY ts, messageId) AS rn
        FROM events),
      walk(userId, rn, step, start, last, fact, factStart) AS (
        SELECT DISTINCT userId, 0::BIGINT, -1, 0::BIGINT, 0::BIGINT, NULL::INTEGER, NULL::BIGINT FROM ev
        UNION ALL
        SELECT userId, rn,
          CASE WHEN adv THEN step + 1 WHEN began THEN 0 WHEN isOpen THEN step ELSE -1 END,
          CASE WHEN began THEN t ELSE start END,
          CASE WHEN adv OR began THEN t ELSE last END,
          CASE WHEN adv THEN step + 1 WHEN began THEN 0 ELSE NULL END,
          CASE WHEN adv THEN start WHEN began THEN t ELSE NULL END
        FROM (
          SELECT w.userId, e.rn, w.step, w.start, w.last, e.t,
            (w.step BETWEEN 0 AND 1 AND e.t <= w.start + ${W}) AS isOpen,
            (w.step BETWEEN 0 AND 1 AND e.t <= w.start + ${W} AND e.t >= w.last AND e.name = ${next("w.step")}) AS adv,
            (NOT coalesce(w.step BETWEEN 0 AND 1 AND e.t <= w.start + ${W}, false) AND e.name = '${STEPS[0]}') AS began
          FROM walk w JOIN ev e ON e.userId = w.userId AND e.rn = w.rn + 1))
      SELECT fact + 1 AS step, count(*)::INTEGER AS entries FROM walk
      WHERE fact IS NOT NULL AND make_timestamp(factStart * 1000)::DATE BETWEEN DATE '${FUNNEL_FROM}' AND DATE '${FUNNEL_TO}'
      GROUP BY fact ORDER BY fact`);

    // Weekly cohorts by first event (ISO weeks, Monday), returning with any event.
    const duckCohorts = await rows(`
      WITH e AS (SELECT userId, ts::DATE AS d FROM events),
      c AS (SELECT userId, date_trunc('week', min(d))::DATE AS cohort FROM e GROUP BY userId)
      SELECT strftime(c.cohort, '%Y-%m-%d') AS cohort,
        (date_diff('day', c.cohort, date_trunc('week', e.d)::DATE) // 7)::INTEGER AS period,
        count(DISTINCT e.userId)::INTEGER AS n
      FROM e JOIN c USING (userId) GROUP BY ALL ORDER BY cohort, period`);
    const duckMau = await rows(`
      SELECT strftime(ts, '%Y-%m') AS month, count(DISTINCT userId)::INTEGER AS mau FROM events GROUP BY 1 ORDER BY 1`);

    const PERIODS = 80;
    const todayWeek = Date.UTC(1998, 5, 29); // Monday of NOW's week
    const expectedCohorts = [...new Set(duckCohorts.map((r) => r.cohort as string))].map((cohort) => {
      const cells = duckCohorts.filter((r) => r.cohort === cohort);
      const count = Math.min(PERIODS, Math.round((todayWeek - Date.parse(`${cohort}T00:00:00Z`)) / (7 * DAY)) + 1);
      return {
        cohort,
        size: cells.find((r) => r.period === 0)?.n ?? 0,
        retained: Array.from({ length: count }, (_, p) => (cells.find((r) => r.period === p)?.n as number) ?? 0),
      };
    });
    const expected = {
      funnel: duckFunnel.map((r) => r.entries),
      cohorts: expectedCohorts,
      mau: duckMau.map((r) => ({ month: r.month, mau: r.mau })),
    };

    const live = async () => {
      const report = await adminGet<{ steps: Array<{ entries: number }> }>(
        `/admin/funnels/${funnel.id}/report?from=${FUNNEL_FROM}&to=${FUNNEL_TO}`,
      );
      const retention = await adminGet<{ cohorts: Array<{ cohort: string; size: number; retained: number[] }> }>(
        `/admin/analytics/retention?by=week&from=1997-01-01&to=1998-06-30&periods=${PERIODS}`,
      );
      const months = [];
      for (const [from, to] of [
        ["1997-01-01", "1997-12-31"],
        ["1998-01-01", "1998-06-30"],
      ])
        months.push(
          ...(
            await adminGet<{ months: Array<{ month: string; mau: number }> }>(
              `/admin/analytics/kpis?from=${from}&to=${to}`,
            )
          ).months,
        );
      return {
        funnel: report.steps.map((s) => s.entries),
        cohorts: retention.cohorts.map((c) => ({ cohort: c.cohort, size: c.size, retained: c.retained })),
        mau: months.filter((m) => m.mau > 0).map((m) => ({ month: m.month, mau: m.mau })),
      };
    };
    // The counters travel through the INDEX queue: wait until they settle (or match), then compare.
    let figures = await live();
    for (let i = 0; i < 60 && JSON.stringify(figures) !== JSON.stringify(expected); i++) {
      await new Promise((r) => setTimeout(r, 1000));
      figures = await live();
    }
    console.log(
      `DuckDB cross-check: ${sent} events (${files.keys.length} files; the shop's ${shop.flat().length} also as ${parquetFiles.keys.length} Parquet files) of ${byCustomer.size + byShopper.size} people; funnel ${JSON.stringify(expected.funnel)}, ${expected.cohorts.length} weekly cohorts, ${expected.mau.length} months`,
    );
    expect(expected.funnel[0]).toBeGreaterThan(expected.funnel[2] as number);
    expect(expected.funnel[2]).toBeGreaterThan(0);
    expect(figures).toEqual(expected);

    // The Parquet app had no funnel while its events arrived: one defined now and backfilled from its Parquet
    // files (POST /admin/funnels/{id}/backfill, a chain of INDEX-queue chunks) counts what DuckDB counts.
    const adminPost = async <T>(path: string, body: unknown): Promise<{ status: number; body: T }> => {
      const res = await fetch(base + path, {
        method: "POST",
        headers: { authorization: `Bearer ${parquetApp.adminKey}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as T };
    };
    const later = await adminPost<{ id: string }>("/admin/funnels", {
      name: "shop, defined later",
      steps: STEPS.map((event) => ({ event })),
      windowHours: WINDOW_HOURS,
    });
    expect(later.status).toBe(200);
    const started = Date.now();
    const run = await adminPost<{ status: string }>(`/admin/funnels/${later.body.id}/backfill`, {
      from: "1998-01-01",
      to: "1998-12-31",
    });
    expect(run.status).toBe(202);
    type Runs = { backfills: Array<{ status: string; files: number; events: number; entries: number }> };
    let runs = await adminGet<Runs>(`/admin/funnels/${later.body.id}/backfills`, parquetApp.adminKey);
    for (let i = 0; i < 150 && runs.backfills[0]?.status !== "done"; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      runs = await adminGet<Runs>(`/admin/funnels/${later.body.id}/backfills`, parquetApp.adminKey);
    }
    const done = runs.backfills[0]!;
    console.log(
      `Backfill from Parquet: ${done.files} files, ${done.events} events, ${done.entries} entries in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(done).toMatchObject({ status: "done", files: parquetFiles.keys.length, events: shop.flat().length });
    const backfilled = await adminGet<{ steps: Array<{ entries: number }> }>(
      `/admin/funnels/${later.body.id}/report?from=${FUNNEL_FROM}&to=${FUNNEL_TO}`,
      parquetApp.adminKey,
    );
    expect(backfilled.steps.map((s) => s.entries)).toEqual(expected.funnel);
  });
});
