import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** drizzle over the D1 binding. D1 has no interactive transactions: use `db.batch([...])`. */
export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Database = ReturnType<typeof database>;
