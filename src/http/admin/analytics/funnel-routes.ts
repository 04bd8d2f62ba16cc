import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { loadAppConfig } from "../../../stores/config/app-config";
import { readCounts } from "../../../stores/analytics/analytics-store";
import { BREAKDOWNS, FunnelDefinition, MAX_FUNNEL_STEPS } from "../../../domain/analytics/funnel";
import { funnelReport } from "../../../domain/analytics/funnel-report";
import {
  countFunnels,
  deleteFunnel,
  getFunnel,
  insertFunnel,
  listFunnels,
  MAX_FUNNELS_PER_APP,
  type SavedFunnel,
  updateFunnel,
} from "../../../stores/analytics/funnel-store";
import { bumpConfigVersion, currentConfigVersion } from "../../../stores/config/config-version";
import { invalid, notFound } from "../../../kernel/errors";
import { DomainError } from "../../../kernel/errors";
import { adminRouter, jsonBody, responses } from "../../openapi/openapi";
import { dayRange, utcDay, Day } from "./range";

/** Funnels: definitions (create, list, read, edit, delete) and their reports. */
export const funnelRoutes = adminRouter();

const Loose = z.record(z.string(), z.unknown());

async function publish(d1: D1Database, appId: string): Promise<void> {
  await bumpConfigVersion(d1, appId);
  await loadAppConfig(d1, appId, await currentConfigVersion(d1, appId));
}

// ───────────── funnels ─────────────

const FunnelStepView = z.object({ event: z.string(), where: z.array(Loose), label: z.string().optional() });
const FunnelView = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    steps: z.array(FunnelStepView),
    windowHours: z.number().int(),
    sameProperty: z.string().nullable(),
    armCampaignId: z.string().nullable(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    countsFrom: z.string().openapi({
      description: "UTC day counting began: a funnel counts events from its creation on, never earlier ones",
    }),
  })
  .openapi("Funnel");
const FunnelBody = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    steps: z.array(
      z.object({ event: z.string(), where: z.array(Loose).optional(), label: z.string().optional() }).loose(),
    ),
    windowHours: z.number().optional(),
    sameProperty: z.string().optional(),
    armCampaignId: z.string().optional(),
  })
  .loose()
  .openapi("FunnelDefinition", {
    description: `2–${MAX_FUNNEL_STEPS} ordered steps (an event and property filters, as in campaign triggers), a conversion window in hours (1–2160, default 168), an optional property every step must share (e.g. \`cart_id\`), and optionally the campaign whose A/B arm \`breakdown=arm\` splits by. Validated on save.`,
  });
const FunnelIdParam = z.object({
  funnelId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "funnelId", in: "path" }, example: "fun_3f9a…" }),
});

function view(f: SavedFunnel) {
  const d = f.definition;
  return {
    id: f.id,
    name: d.name,
    description: d.description,
    steps: d.steps.map((s) => ({
      event: s.event,
      where: s.where as unknown as Array<Record<string, unknown>>,
      ...(s.label !== undefined ? { label: s.label } : {}),
    })),
    windowHours: d.windowHours,
    sameProperty: d.sameProperty ?? null,
    armCampaignId: d.armCampaignId ?? null,
    version: f.version,
    createdAt: new Date(f.createdAt).toISOString(),
    updatedAt: new Date(f.updatedAt).toISOString(),
    countsFrom: utcDay(f.createdAt),
  };
}

function definitionOf(body: unknown): FunnelDefinition {
  const parsed = FunnelDefinition.safeParse(body);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

funnelRoutes.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listFunnels",
    tags: ["analytics"],
    summary: "The app's funnels",
    security: [{ admin: [] }],
    responses: responses(z.object({ funnels: z.array(FunnelView) }), "The funnels"),
  }),
  async (c) => c.json({ funnels: (await listFunnels(c.env.DB, c.get("app").appId)).map(view) }, 200),
);

funnelRoutes.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createFunnel",
    tags: ["analytics"],
    summary: "Define a funnel; every person's object counts it from now on",
    security: [{ admin: [] }],
    request: jsonBody(FunnelBody),
    responses: responses(FunnelView, "The new funnel"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const def = definitionOf(c.req.valid("json"));
    if ((await countFunnels(c.env.DB, appId)) >= MAX_FUNNELS_PER_APP)
      throw new DomainError(409, "conflict", `at most ${MAX_FUNNELS_PER_APP} funnels per app`);
    const saved = await insertFunnel(c.env.DB, appId, def, c.get("now"));
    await publish(c.env.DB, appId);
    return c.json(view(saved), 200);
  },
);

funnelRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{funnelId}",
    operationId: "getFunnel",
    tags: ["analytics"],
    summary: "One funnel",
    security: [{ admin: [] }],
    request: { params: FunnelIdParam },
    responses: responses(FunnelView, "The funnel"),
  }),
  async (c) => {
    const { funnelId } = c.req.valid("param");
    const f = await getFunnel(c.env.DB, c.get("app").appId, funnelId);
    if (!f) throw notFound("funnel", funnelId);
    return c.json(view(f), 200);
  },
);

/** What was counted depends on these: changing them would mix two funnels in one report. */
const COUNTED = ["steps", "windowHours", "sameProperty", "armCampaignId"] as const;

funnelRoutes.openapi(
  createRoute({
    method: "put",
    path: "/{funnelId}",
    operationId: "updateFunnel",
    tags: ["analytics"],
    summary:
      "Rename or re-describe a funnel (steps, window, same property and arm campaign are fixed once counting began: define a new funnel)",
    security: [{ admin: [] }],
    request: { params: FunnelIdParam, ...jsonBody(FunnelBody) },
    responses: responses(FunnelView, "The updated funnel"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { funnelId } = c.req.valid("param");
    const def = definitionOf(c.req.valid("json"));
    const current = await getFunnel(c.env.DB, appId, funnelId);
    if (!current) throw notFound("funnel", funnelId);
    const changed = COUNTED.filter(
      (k) => JSON.stringify(def[k] ?? null) !== JSON.stringify(current.definition[k] ?? null),
    );
    if (changed.length > 0)
      throw new DomainError(
        400,
        "invalid_input",
        `${changed[0]}: cannot change once the funnel counts; define a new funnel`,
        changed.map((field) => ({ field, message: "cannot change once the funnel counts; define a new funnel" })),
      );
    const saved = await updateFunnel(c.env.DB, appId, funnelId, def, c.get("now"));
    if (!saved) throw notFound("funnel", funnelId);
    await publish(c.env.DB, appId);
    return c.json(view(saved), 200);
  },
);

funnelRoutes.openapi(
  createRoute({
    method: "delete",
    path: "/{funnelId}",
    operationId: "deleteFunnel",
    tags: ["analytics"],
    summary: "Delete a funnel and its counts",
    security: [{ admin: [] }],
    request: { params: FunnelIdParam },
    responses: responses(z.object({ deleted: z.boolean() }), "Deleted"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { funnelId } = c.req.valid("param");
    if (!(await deleteFunnel(c.env.DB, appId, funnelId))) throw notFound("funnel", funnelId);
    await publish(c.env.DB, appId);
    return c.json({ deleted: true }, 200);
  },
);

const StepReportView = z
  .object({
    step: z.number().int(),
    event: z.string(),
    label: z.string().nullable(),
    entries: z.number().int().openapi({ description: "entries (begun in the range) that reached this step" }),
    conversion: z.number().nullable().openapi({ description: "entries here / entries at step 1" }),
    fromPrevious: z.number().nullable().openapi({ description: "entries here / entries at the step before" }),
    medianFromPreviousMs: z
      .number()
      .nullable()
      .openapi({ description: "median time from the step before (ms), from log buckets: within ±6 %" }),
  })
  .openapi("FunnelStepReport");
const FunnelReportView = z
  .object({
    funnelId: z.string(),
    from: z.string(),
    to: z.string(),
    countsFrom: z.string(),
    breakdown: z.enum(BREAKDOWNS).nullable(),
    steps: z.array(StepReportView),
    values: z
      .array(z.object({ value: z.string(), steps: z.array(StepReportView) }))
      .optional()
      .openapi({ description: "per breakdown value (its value when the entry began), largest first" }),
  })
  .openapi("FunnelReport");

funnelRoutes.openapi(
  createRoute({
    method: "get",
    path: "/{funnelId}/report",
    operationId: "getFunnelReport",
    tags: ["analytics"],
    summary:
      "Entries per step, conversion, median time between steps, over entries begun from..to (UTC days), optionally broken down by one dimension",
    security: [{ admin: [] }],
    request: {
      params: FunnelIdParam,
      query: z.object({
        from: Day.optional().openapi({ description: "first UTC day of entry (default: 30 days ago)" }),
        to: Day.optional().openapi({ description: "last UTC day of entry (default: today)" }),
        breakdown: z.enum(BREAKDOWNS).optional().openapi({
          description:
            "os, appVersion (from the profile's last-known context), firstCampaign (first-touch UTM campaign name), lifecycle (state at entry), arm (the funnel's armCampaignId's A/B arm or control)",
        }),
      }),
    },
    responses: responses(FunnelReportView, "The report"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { funnelId } = c.req.valid("param");
    const q = c.req.valid("query");
    const f = await getFunnel(c.env.DB, appId, funnelId);
    if (!f) throw notFound("funnel", funnelId);
    if (q.breakdown === "arm" && !f.definition.armCampaignId)
      throw new DomainError(400, "invalid_input", "breakdown: arm needs the funnel's armCampaignId", [
        { field: "breakdown", message: "arm needs the funnel's armCampaignId" },
      ]);
    const { from, to } = dayRange(q, c.get("now"), 30);
    const total = await readCounts(c.env.DB, appId, "funnel", { subject: funnelId, from, to, dim: "" });
    const split = q.breakdown
      ? await readCounts(c.env.DB, appId, "funnel", { subject: funnelId, from, to, dim: q.breakdown })
      : null;
    const report = funnelReport(f.definition.steps, total, split);
    return c.json(
      {
        funnelId,
        from,
        to,
        countsFrom: utcDay(f.createdAt),
        breakdown: q.breakdown ?? null,
        steps: report.steps,
        ...(report.breakdown ? { values: report.breakdown } : {}),
      },
      200,
    );
  },
);

// ───────────── retention cohorts ─────────────
