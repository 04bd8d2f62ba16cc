import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Setup files run before each test file; applyD1Migrations only applies what is missing.
// Every database gets the one schema: the index shards hold the per-person tables (docs/scale.md).
const bindings = env as unknown as Record<string, D1Database> & {
  TEST_MIGRATIONS: Parameters<typeof applyD1Migrations>[1];
};
for (const name of ["DB", "INDEX_SHARD_1", "INDEX_ONE"])
  await applyD1Migrations(bindings[name]!, bindings.TEST_MIGRATIONS);
