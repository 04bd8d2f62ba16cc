import type { ExportKind, ExportRow, SinkRow } from "../domain/analytics/export";

/**
 * Parquet files of the export (docs/analytics.md "Export", `exportFormat: "parquet"`), one schema per kind.
 * The writer (hyparquet-writer) and the reader (hyparquet, for the funnel backfill) are pure JavaScript,
 * built into a module of their own (workers/vendor/parquet-codec.mjs, scripts/build-parquet-codec.mjs) that
 * the composition root provides and loads on first use: the Worker's main bundle does not carry them, and a
 * Worker that never touches Parquet never loads them.
 *
 * Nested values (`properties`, `context`, `detail`) are JSON columns (BYTE_ARRAY, converted type JSON);
 * `timestamp` and `receivedAt` are TIMESTAMP_MILLIS (UTC). Pages are Snappy-compressed (the writer's own codec).
 */
type ColumnType = "STRING" | "BOOLEAN" | "INT32" | "JSON" | "TIMESTAMP";
type Column = [name: string, type: ColumnType, nullable?: boolean];

const COMMON: Column[] = [
  ["rowId", "STRING"],
  ["type", "STRING"],
  ["appId", "STRING"],
  ["userId", "STRING"],
  ["timestamp", "TIMESTAMP"],
];

/** The columns of each kind, in file order (every field of docs/analytics.md's table, and `rowId`). */
export const PARQUET_COLUMNS: Record<ExportKind, Column[]> = {
  event: [
    ...COMMON,
    ["anonymous", "BOOLEAN"],
    ["messageId", "STRING"],
    ["callType", "STRING"],
    ["name", "STRING"],
    ["receivedAt", "TIMESTAMP"],
    ["properties", "JSON", true],
    ["context", "JSON", true],
  ],
  decision: [...COMMON, ["seq", "INT32"], ["detail", "JSON", true]],
  send: [
    ...COMMON,
    ["idempotencyKey", "STRING"],
    ["campaignId", "STRING"],
    ["campaignVersion", "INT32"],
    ["stepId", "STRING"],
    ["variant", "STRING"],
    ["channel", "STRING"],
    ["category", "STRING"],
    ["test", "BOOLEAN"],
  ],
  delivery: [...COMMON, ["detail", "JSON", true]],
};

const TIME_COLUMNS = new Set(["timestamp", "receivedAt"]);

/** What the export needs of the Parquet libraries. */
export interface ParquetCodec {
  parquetWriteBuffer(options: {
    columnData: Array<{ name: string; type: ColumnType; nullable: boolean; data: unknown[] }>;
    createdBy?: string;
  }): ArrayBuffer;
  parquetReadObjects(options: { file: ArrayBuffer }): Promise<Array<Record<string, unknown>>>;
}

let loadCodec: (() => Promise<ParquetCodec>) | null = null;

/** Set by workers/edge.ts (and tests): how to load the codec module. */
export function provideParquetCodec(load: () => Promise<ParquetCodec>): void {
  loadCodec = load;
}

function codec(): Promise<ParquetCodec> {
  if (!loadCodec) throw new Error("no Parquet codec provided (workers/edge.ts provides it)");
  return loadCodec();
}

function cell(row: SinkRow, name: string, type: ColumnType): unknown {
  const v = (row as unknown as Record<string, unknown>)[name];
  if (v === undefined || v === null) return null;
  if (type === "TIMESTAMP") return new Date(String(v));
  return v;
}

/** One file's rows (all of one kind) as a Parquet file. */
export async function parquetFile(kind: ExportKind, rows: readonly SinkRow[]): Promise<ArrayBuffer> {
  const { parquetWriteBuffer } = await codec();
  const columns = PARQUET_COLUMNS[kind];
  return parquetWriteBuffer({
    columnData: columns.map(([name, type, nullable]) => ({
      name,
      type,
      nullable: nullable === true,
      data: rows.map((r) => cell(r, name, type)),
    })),
    createdBy: "beckon export",
  });
}

/** Reads an export Parquet file back into rows shaped as the NDJSON ones (ISO times, absent nulls dropped). */
export async function readParquetRows(bytes: ArrayBuffer): Promise<Array<ExportRow & { rowId?: string }>> {
  const { parquetReadObjects } = await codec();
  const objects = await parquetReadObjects({ file: bytes });
  return objects.map((o) => {
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (v === null || v === undefined) continue;
      row[k] = TIME_COLUMNS.has(k) && v instanceof Date ? v.toISOString() : v;
    }
    return row as unknown as ExportRow & { rowId?: string };
  });
}
