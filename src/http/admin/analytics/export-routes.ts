import { createRoute } from "@hono/zod-openapi";
import * as z from "zod";
import { DomainError, notFound } from "../../../kernel/errors";
import { adminRouter, responses } from "../../openapi/openapi";
import { EXPORT_PREFIXES } from "../../../domain/analytics/export";
import { utcDay } from "./range";

/** The export in R2: partitions by kind and day, and one file's download. */
export const exportRoutes = adminRouter();

const EXPORT_KINDS = Object.keys(EXPORT_PREFIXES) as Array<keyof typeof EXPORT_PREFIXES>;

const ExportsView = z
  .object({
    configured: z.boolean().openapi({
      description:
        'whether rows are being exported (EXPORT_EVENTS="true" and the EXPORTS bucket bound); files written earlier are listed either way',
    }),
    kind: z.enum(EXPORT_KINDS),
    date: z.string(),
    partitions: z.array(
      z.object({
        partition: z.string().openapi({ example: "app_1/date=2026-03-02/hour=10" }),
        files: z.number().int(),
        rows: z.number().int(),
        bytes: z.number().int(),
        keys: z
          .array(z.string())
          .optional()
          .openapi({ description: "the object keys (with `keys=true`), for GET /admin/analytics/exports/file" }),
      }),
    ),
    cursor: z.string().nullable().openapi({
      description: "more files: pass as `cursor` (a partition may continue on the next page: add up by partition)",
    }),
  })
  .openapi("ExportPartitions");

exportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/exports",
    operationId: "listExportPartitions",
    tags: ["analytics"],
    summary:
      "The exported partitions of one kind (events, decisions, sends, delivery statuses) and UTC day, month or year: files, rows, bytes per hour",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        kind: z.enum(EXPORT_KINDS).optional().openapi({ description: "default `event`" }),
        date: z
          .string()
          .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, "expected YYYY-MM-DD, YYYY-MM or YYYY")
          .optional()
          .openapi({ description: "UTC day, month (YYYY-MM) or year (YYYY); default: today" }),
        keys: z.enum(["true", "false"]).optional().openapi({ description: "also list each partition's object keys" }),
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(1000)
          .optional()
          .openapi({ description: "files per page (default 1000)" }),
        cursor: z.string().max(1000).optional(),
      }),
    },
    responses: responses(ExportsView, "The partitions"),
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const q = c.req.valid("query");
    const kind = q.kind ?? "event";
    const date = q.date ?? utcDay(c.get("now"));
    const bucket = c.env.EXPORTS;
    if (!bucket) return c.json({ configured: false, kind, date, partitions: [], cursor: null }, 200);
    const prefix = EXPORT_PREFIXES[kind];
    const listed = await bucket.list({
      // A day is a whole prefix; a month or year is the start of its days' prefixes.
      prefix: `${prefix}/${appId}/date=${date}${date.length === 10 ? "/" : "-"}`,
      limit: q.limit ?? 1000,
      include: ["customMetadata"],
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
    const parts = new Map<string, { files: number; rows: number; bytes: number; keys: string[] }>();
    for (const o of listed.objects) {
      const partition = o.key.slice(prefix.length + 1, o.key.lastIndexOf("/"));
      const p = parts.get(partition) ?? { files: 0, rows: 0, bytes: 0, keys: [] };
      p.files++;
      p.rows += Number(o.customMetadata?.rows ?? 0);
      p.bytes += o.size;
      p.keys.push(o.key);
      parts.set(partition, p);
    }
    return c.json(
      {
        configured: c.env.EXPORT_EVENTS === "true",
        kind,
        date,
        partitions: [...parts]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([partition, { keys, ...p }]) => ({ partition, ...p, ...(q.keys === "true" ? { keys } : {}) })),
        cursor: listed.truncated ? listed.cursor : null,
      },
      200,
    );
  },
);

exportRoutes.openapi(
  createRoute({
    method: "get",
    path: "/exports/file",
    operationId: "getExportFile",
    tags: ["analytics"],
    summary: "One exported file of this app, as stored (NDJSON gzip, or Parquet)",
    security: [{ admin: [] }],
    request: {
      query: z.object({
        key: z.string().max(1000).openapi({
          description: "an object key from listExportPartitions (`keys=true`)",
          example: "events/app_1/date=2026-03-02/hour=10/3f0c….ndjson.gz (or ….parquet)",
        }),
      }),
    },
    responses: {
      ...responses(z.object({}), "unused"),
      200: {
        description:
          "The file: gzip-compressed NDJSON, one row per line (`.ndjson.gz`), or a Parquet file (`.parquet`, one schema per kind)",
        content: {
          "application/gzip": { schema: z.string().openapi({ format: "binary" }) },
          "application/vnd.apache.parquet": { schema: z.string().openapi({ format: "binary" }) },
        },
      },
    },
  }),
  async (c) => {
    const appId = c.get("app").appId;
    const { key } = c.req.valid("query");
    // Only this app's files: `<kind prefix>/<appId>/date=…/hour=…/<name>.ndjson.gz|.parquet`, nothing else in the bucket.
    const ok = Object.values(EXPORT_PREFIXES).some((p) =>
      new RegExp(
        `^${p}/${escapeRegExp(appId)}/date=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/[A-Za-z0-9-]{1,64}\\.(ndjson\\.gz|parquet)$`,
      ).test(key),
    );
    if (!ok) {
      const message = "not an export file of this app (see listExportPartitions with keys=true)";
      throw new DomainError(400, "invalid_input", `key: ${message}`, [{ field: "key", message }]);
    }
    const object = c.env.EXPORTS ? await c.env.EXPORTS.get(key) : null;
    if (!object) throw notFound("export file", key);
    const type = key.endsWith(".parquet") ? "application/vnd.apache.parquet" : "application/gzip";
    return new Response(object.body, {
      headers: { "content-type": type, "content-length": String(object.size) },
    }) as never;
  },
);

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
