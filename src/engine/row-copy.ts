/** A row as SQLite returns it (`SELECT *`): what identity merges carry from one object to another. */
export type Row = Record<string, SqlStorageValue>;

/**
 * Inserts rows read from another object's table of the same schema. By default a row whose key
 * this object already has is kept as it is; `onConflict` (an `ON CONFLICT …` clause) merges instead.
 */
export function insertRows(sql: SqlStorage, table: string, rows: readonly Row[], onConflict?: string): void {
  for (const row of rows) {
    const cols = Object.keys(row).filter((c) => /^[a-z_]+$/.test(c)); // column names only, never data as SQL
    if (cols.length === 0) continue;
    sql.exec(
      `INSERT ${onConflict ? "" : "OR IGNORE "}INTO ${table} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})${onConflict ? ` ${onConflict}` : ""}`,
      ...cols.map((c) => row[c]!),
    );
  }
}
