import { DAY, type Millis } from "../../kernel/clock";
import type { RfmCutPoints } from "../../domain/segments/rfm";
import { PURCHASERS, rfmSql } from "../../domain/segments/rfm-sql";
import { ATTR } from "../../domain/segments/index-attrs";
import { compileSegmentSql, memberSql } from "../../domain/segments/segment-sql";
import type { SegmentFilter } from "../../domain/segments/segment-filter";
import type { IndexShards } from "../d1/index-shards";
import { mergeGroups, sumRows } from "../d1/shard-merge";

/**
 * The users index read for segment reports: RFM moves, churn bands, the RFM grid, daily
 * snapshots, active people and segment counts. Values are bound; what is spliced into the SQL
 * comes from the domain's compilers (cut points, filters), never from a request. Each asks
 * every index shard and merges (src/stores/d1/shard-merge.ts); snapshots are per app, in `DB`.
 */

export async function rfmTransitions(shards: IndexShards, appId: string, from: string, to: string) {
  const parts = await shards.across(async (d1) => {
    const rows = await d1
      .prepare(
        `SELECT NULLIF(from_segment, '') AS "from", to_segment AS "to", SUM(users) AS users FROM rfm_transitions WHERE app_id = ?1 AND day >= ?2 AND day <= ?3 GROUP BY 1, 2 ORDER BY 3 DESC`,
      )
      .bind(appId, from, to)
      .all<{ from: string | null; to: string; users: number }>();
    return rows.results;
  });
  return mergeGroups(parts, { keys: ["from", "to"], sums: ["users"] }).sort((a, b) => b.users - a.users);
}

export async function churnBandRows(shards: IndexShards, appId: string) {
  const parts = await shards.across(async (d1) => {
    const rows = await d1
      .prepare(
        `SELECT json_extract(attrs, '$.${ATTR.churnBand}') AS band, count(*) AS users, AVG(json_extract(attrs, '$.${ATTR.pAlive}')) AS avgPAlive, AVG(json_extract(attrs, '$.${ATTR.expectedPurchases30}')) AS avgExpected30
         FROM users WHERE app_id = ?1 AND json_extract(attrs, '$.${ATTR.churnBand}') IS NOT NULL GROUP BY 1`,
      )
      .bind(appId)
      .all<{ band: string; users: number; avgPAlive: number; avgExpected30: number }>();
    return rows.results;
  });
  return mergeGroups(parts, {
    keys: ["band"],
    sums: ["users"],
    means: [
      { field: "avgPAlive", weight: "users" },
      { field: "avgExpected30", weight: "users" },
    ],
  });
}

/** Purchasers per (R, F) cell under the app's cut points, with revenue and average monetary score. */
export async function rfmCells(shards: IndexShards, appId: string, cutPoints: RfmCutPoints, now: Millis) {
  const rfm = rfmSql(cutPoints, now);
  const parts = await shards.across(async (d1) => {
    const rows = await d1
      .prepare(
        `SELECT ${rfm.r} AS r, ${rfm.f} AS f, count(*) AS users, SUM(revenue) AS revenue, AVG(${rfm.m}) AS avgM FROM users WHERE app_id = ?1 AND ${PURCHASERS} GROUP BY 1, 2`,
      )
      .bind(appId)
      .all<{ r: number; f: number; users: number; revenue: number; avgM: number }>();
    return rows.results;
  });
  return mergeGroups(parts, {
    keys: ["r", "f"],
    sums: ["users", "revenue"],
    means: [{ field: "avgM", weight: "users" }],
  });
}

export async function dailySnapshots(d1: D1Database, appId: string, from: string, to: string) {
  const rows = await d1
    .prepare(
      `SELECT day, taken_at, total, lifecycle, loyal, dau, wau, mau, rfm, churn FROM daily_snapshots WHERE app_id = ?1 AND day >= ?2 AND day <= ?3 ORDER BY day`,
    )
    .bind(appId, from, to)
    .all<{
      day: string;
      taken_at: number;
      total: number;
      lifecycle: string;
      loyal: number;
      dau: number;
      wau: number;
      mau: number;
      rfm: string;
      churn: string;
    }>();
  return rows.results;
}

/** People seen in the last 1 / 7 / 30 days, and everyone indexed. */
export async function activeNow(shards: IndexShards, appId: string, now: Millis) {
  const rows = await shards.across((d1) =>
    d1
      .prepare(
        `SELECT SUM(last_seen >= ?2) AS dau, SUM(last_seen >= ?3) AS wau, SUM(last_seen >= ?4) AS mau, count(*) AS total FROM users WHERE app_id = ?1`,
      )
      .bind(appId, now - DAY, now - 7 * DAY, now - 30 * DAY)
      .first<{ dau: number | null; wau: number | null; mau: number | null; total: number }>(),
  );
  return sumRows(rows, ["dau", "wau", "mau", "total"]);
}

/** A saved segment's count from the index: definite and possible matches, and live members. */
export async function segmentCount(
  shards: IndexShards,
  appId: string,
  segment: { id: string; filter: SegmentFilter },
  now: Millis,
) {
  const compiled = compileSegmentSql(segment.filter, now);
  const rows = await shards.across((d1) =>
    d1
      .prepare(
        `SELECT count(*) AS total, COALESCE(SUM(CASE WHEN ${compiled.definite} THEN 1 ELSE 0 END), 0) AS min, COALESCE(SUM(CASE WHEN ${compiled.possible} THEN 1 ELSE 0 END), 0) AS max,
              COALESCE(SUM(CASE WHEN ${memberSql(segment.id)} THEN 1 ELSE 0 END), 0) AS live
       FROM users WHERE app_id = ?1`,
      )
      .bind(appId)
      .first<{ total: number; min: number; max: number; live: number }>(),
  );
  return { row: sumRows(rows, ["total", "min", "max", "live"]), estimated: compiled.estimated };
}
