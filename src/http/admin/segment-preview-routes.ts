import { indexShards } from "../../stores/d1/index-shards";
import { mergeSorted, sumRows } from "../../stores/d1/shard-merge";
import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { SegmentDefinition } from "../../domain/segments/segment-filter";
import { compileSegmentSql } from "../../domain/segments/segment-sql";
import { invalid } from "../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../openapi/openapi";

/**
 * The segment builder's live answer for a filter that is not saved yet: how many people the
 * users index says match (exact, or bounds when a condition needs the person's own object),
 * and a sample of them to look at.
 */
export const segmentPreviewRoutes = adminRouter();

const SAMPLE = 20;
const PreviewBody = z
  .object({ filter: z.record(z.string(), z.unknown()).openapi({ description: "a filter in the segment language" }) })
  .strict()
  .openapi("SegmentPreviewRequest");
const PreviewView = z
  .object({
    total: z.number().int().openapi({ description: "people in the users index" }),
    count: z
      .number()
      .int()
      .openapi({ description: "people the index says match for sure (the exact count when `exact`)" }),
    exact: z.boolean(),
    bounds: z.object({ min: z.number().int(), max: z.number().int() }),
    estimated: z.array(z.string()).openapi({
      description:
        "conditions the index cannot answer exactly (behaviour windows, traits): counted between the bounds; a saved segment's live count is exact",
    }),
    sample: z
      .array(z.object({ userId: z.string(), lifecycle: z.string(), lastSeen: z.string() }))
      .openapi({ description: `up to ${SAMPLE} people who match for sure, most recently seen first` }),
  })
  .openapi("SegmentPreview");

segmentPreviewRoutes.openapi(
  createRoute({
    method: "post",
    path: "/preview",
    operationId: "previewSegment",
    tags: ["segments"],
    summary: "Count and sample the people an unsaved filter matches (the segment builder's live preview)",
    security: [{ admin: [] }],
    request: jsonBody(PreviewBody),
    responses: responses(PreviewView, "The preview"),
  }),
  async (c) => {
    // The saved-segment rules, size limits included (a name is not needed to preview).
    const parsed = SegmentDefinition.safeParse({ name: "preview", filter: c.req.valid("json").filter });
    if (!parsed.success) throw invalid(parsed.error);
    const compiled = compileSegmentSql(parsed.data.filter, c.get("now"));
    const appId = c.get("app").appId;
    const shards = indexShards(c.env);
    const [counts, samples] = await Promise.all([
      shards.across((db) =>
        db
          .prepare(
            `SELECT count(*) AS total, COALESCE(SUM(CASE WHEN ${compiled.definite} THEN 1 ELSE 0 END), 0) AS min, COALESCE(SUM(CASE WHEN ${compiled.possible} THEN 1 ELSE 0 END), 0) AS max FROM users WHERE app_id = ?1`,
          )
          .bind(appId)
          .first<{ total: number; min: number; max: number }>(),
      ),
      // Most recently seen first, user id breaking ties, so the sample is the same however the people are sharded.
      shards.across(
        async (db) =>
          (
            await db
              .prepare(
                `SELECT user_id, lifecycle, last_seen FROM users WHERE app_id = ?1 AND ${compiled.definite} ORDER BY last_seen DESC, user_id LIMIT ${SAMPLE}`,
              )
              .bind(appId)
              .all<{ user_id: string; lifecycle: string; last_seen: number }>()
          ).results,
      ),
    ]);
    const row = sumRows(counts, ["total", "min", "max"]);
    const sample = {
      results: mergeSorted(
        samples,
        (a, b) => b.last_seen - a.last_seen || (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0),
        SAMPLE,
      ),
    };
    const min = row?.min ?? 0;
    return c.json(
      {
        total: row?.total ?? 0,
        count: min,
        exact: compiled.estimated.length === 0,
        bounds: { min, max: row?.max ?? 0 },
        estimated: compiled.estimated,
        sample: sample.results.map((r) => ({
          userId: r.user_id,
          lifecycle: r.lifecycle,
          lastSeen: new Date(r.last_seen).toISOString(),
        })),
      },
      200,
    );
  },
);
