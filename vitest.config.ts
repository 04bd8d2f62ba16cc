import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/**
 * Two projects: `unit` runs the pure domain modules (no bindings) in Node;
 * `workers` runs everything else inside workerd through the Cloudflare plugin,
 * with real Durable Objects, alarms, D1 and Queues.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                OPERATOR_TOKEN: "test-operator-token",
                ALLOW_VIRTUAL_CLOCK: "true",
                BENCH_ROUTES: "true",
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/*.test.ts"],
          setupFiles: ["./test/helpers/apply-migrations.ts"],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
