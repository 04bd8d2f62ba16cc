import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { DAY } from "../../../kernel/clock";
import { DomainError } from "../../../kernel/errors";
import { cursorOf, type FunnelBackfillMessage } from "../../../domain/analytics/funnel-backfill";
import {
  type BackfillRun,
  deleteBackfillRun,
  insertBackfillRun,
  listBackfillRuns,
} from "../../../stores/analytics/backfill-store";
import { getFunnel } from "../../../stores/analytics/funnel-store";
import { adminRouter, ErrorSchema, jsonBody, responses } from "../../openapi/openapi";
import { Day, utcDay } from "./range";

/**
 * Funnel backfill (docs/analytics.md "Funnel backfill"): replays the exported events of days before a
 * funnel existed, as the INDEX queue's `funnel-backfill` chain (src/jobs/funnel-backfill.ts).
 */
export const backfillRoutes = adminRouter();

/** Days one backfill may cover (as a funnel report's range). */
export const MAX_BACKFILL_DAYS = 366;

const BackfillView = z
  .object({
    id: z.string(),
    funnelId: z.string(),
    from: z.string(),
    to: z.string(),
    until: z.string().openapi({
      description:
        "events received before this instant (the funnel's creation) are replayed; every later one was counted live",
    }),
    status: z.enum(["running", "done"]),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: "the next UTC hour partition to replay (`YYYY-MM-DD/HH`), null once done" }),
    files: z.number().int().openapi({ description: "export files read so far" }),
    events: z.number().int().openapi({ description: "events that took part (naming a step, received in time)" }),
    entries: z.number().int().openapi({ description: "funnel entries begun by the replay" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("FunnelBackfill");

const view = (r: BackfillRun) => ({
  id: r.id,
  funnelId: r.funnelId,
  from: r.from,
  to: r.to,
  until: new Date(r.until).toISOString(),
  status: r.status,
  cursor: r.cursor,
  files: r.files,
  events: r.events,
  entries: r.entries,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});

const FunnelIdParam = z.object({
  funnelId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "funnelId", in: "path" }, example: "fun_3f9a…" }),
});

const BackfillBody = z
  .strictObject({
    from: Day.openapi({ description: "first UTC day to replay" }),
    to: Day.optional().openapi({
      description:
        "last UTC day to replay (default and latest: the funnel's `countsFrom`, of which only events received before the funnel was created are replayed)",
    }),
  })
  .openapi("FunnelBackfillRequest");

/** The standard error responses (400, 401, 404) without a 200: this route answers 202. */
const { 200: _ok, ...errorResponses } = responses(BackfillView, "");

const refuse = (status: 400 | 409, field: string, message: string, code = "invalid_input") =>
  new DomainError(status, code, `${field}: ${message}`, [{ field, message }]);

backfillRoutes.openapi(
  createRoute({
    method: "post",
    path: "/{funnelId}/backfill",
    operationId: "backfillFunnel",
    tags: ["analytics"],
    summary:
      "Count the funnel over days before it existed, from the exported events (needs the export on); runs in the background, once per day range",
    security: [{ admin: [] }],
    request: { params: FunnelIdParam, ...jsonBody(BackfillBody) },
    responses: {
      ...errorResponses,
      202: { description: "The run, queued", content: { "application/json": { schema: BackfillView } } },
      409: {
        description:
          "The range overlaps a backfill of this funnel (the body names `from` or `to`), or the export bucket is not bound",
        content: { "application/json": { schema: ErrorSchema } },
      },
    },
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { funnelId } = c.req.valid("param");
    const body = c.req.valid("json");
    const funnel = await getFunnel(c.env.DB, appId, funnelId);
    if (!funnel) throw new DomainError(404, "not_found", `no funnel ${funnelId}`);
    const countsFrom = utcDay(funnel.createdAt);
    const to = body.to ?? countsFrom;
    for (const [field, v] of [
      ["from", body.from],
      ["to", to],
    ] as const)
      if (Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || utcDay(Date.parse(`${v}T00:00:00Z`)) !== v)
        throw refuse(400, field, "not a date");
    if (to > countsFrom)
      throw refuse(400, "to", `must not be after the funnel's countsFrom (${countsFrom}): later days are counted live`);
    if (body.from > to) throw refuse(400, "from", "must not be after to");
    if ((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${body.from}T00:00:00Z`)) / DAY + 1 > MAX_BACKFILL_DAYS)
      throw refuse(400, "to", `at most ${MAX_BACKFILL_DAYS} days from from`);
    if (!c.env.EXPORTS)
      throw new DomainError(409, "export_unavailable", "the EXPORTS bucket is not bound: there is nothing to replay");
    const cursor = cursorOf(body.from, 0);
    const result = await insertBackfillRun(c.env.DB, {
      id: `bkf_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
      appId,
      funnelId,
      from: body.from,
      to,
      until: funnel.createdAt,
      cursor,
      now: c.get("now"),
    });
    if ("conflict" in result) {
      const o = result.conflict;
      // Name the end of the new range that falls in the recorded one (or `from` when it encloses it).
      const field = body.from >= o.from && body.from <= o.to ? "from" : to >= o.from && to <= o.to ? "to" : "from";
      throw refuse(
        409,
        field,
        `${o.from}…${o.to} was backfilled already (${o.id}): each day is replayed once`,
        "conflict",
      );
    }
    const run = result.run;
    try {
      await c.env.INDEX.send({
        op: "funnel-backfill",
        appId,
        funnelId,
        runId: run.id,
        cursor,
      } satisfies FunnelBackfillMessage);
    } catch (err) {
      // Not queued: the range must not stay recorded as taken by a run that never starts.
      await deleteBackfillRun(c.env.DB, run.id);
      throw err;
    }
    return c.json(view(run), 202);
  },
);

backfillRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{funnelId}/backfills",
    operationId: "listFunnelBackfills",
    tags: ["analytics"],
    summary: "The funnel's backfill runs: the day ranges replayed or being replayed, and their progress",
    security: [{ admin: [] }],
    request: { params: FunnelIdParam },
    responses: responses(z.object({ backfills: z.array(BackfillView) }), "The runs, by first day"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { funnelId } = c.req.valid("param");
    if (!(await getFunnel(c.env.DB, appId, funnelId))) throw new DomainError(404, "not_found", `no funnel ${funnelId}`);
    return c.json({ backfills: (await listBackfillRuns(c.env.DB, appId, funnelId)).map(view) }, 200);
  },
);
