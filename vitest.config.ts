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
        // The Worker's bundle resolves zod as wrangler.toml's [alias] does.
        resolve: {
          alias: [{ find: /^zod$/, replacement: new URL("./src/zod-lean/index.js", import.meta.url).pathname }],
        },
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // Two index shards for the whole suite (docs/scale.md): every reader is tested across shards.
              // INDEX_ONE is a third database the shard-agreement test copies both shards into, to compare
              // each reader's answer with a one-shard deployment's on the same people.
              d1Databases: { INDEX_SHARD_1: "beckon-index-1", INDEX_ONE: "beckon-index-one" },
              // Two send queues as well: every person's jobs go to one of them by hash (docs/scale.md).
              queueProducers: { SENDS_1: { queueName: "beckon-sends-1" } },
              queueConsumers: {
                "beckon-sends-1": {
                  maxBatchSize: 50,
                  maxBatchTimeout: 1,
                  maxRetries: 8,
                  deadLetterQueue: "beckon-sends-dlq",
                },
              },
              bindings: {
                INDEX_SHARDS: "DB,INDEX_SHARD_1",
                SEND_QUEUES: "SENDS,SENDS_1",
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                OPERATOR_TOKEN: "test-operator-token",
                ALLOW_VIRTUAL_CLOCK: "true",
                // The edge cache bound and the commit wait of config changes (3 s in production), short for tests.
                CONFIG_PROPAGATION_MS: "300",
                BENCH_ROUTES: "true",
                // Event export to the EXPORTS bucket (test/analytics-export.test.ts).
                EXPORT_EVENTS: "true",
                // Delivery tests: provider fakes and a Web Push service on loopback (test/fakes/global-setup.ts),
                // and the webhook verification secrets they sign with. No send credentials: sends go to the sandbox.
                PROVIDER_FAKE_URL: inject("providerFakeUrl"),
                WEB_PUSH_SERVICE_URL: inject("webPushServiceUrl"),
                SENDGRID_WEBHOOK_PUBLIC_KEY: inject("sendgridWebhookPublicKey"),
                RESEND_WEBHOOK_SECRET: inject("resendWebhookSecret"),
                TWILIO_AUTH_TOKEN: "twilio-auth-token",
                WHATSAPP_APP_SECRET: "wa-app-secret",
                WHATSAPP_VERIFY_TOKEN: "wa-verify-token",
                UNSUBSCRIBE_SECRET: "test-unsubscribe-secret",
                // Cloudflare Access: only requests carrying Cf-Access-Jwt-Assertion are affected (test/console-access.test.ts).
                ACCESS_TEAM_DOMAIN: "beckon-test",
                ACCESS_AUD: "aud-workerd-test",
                ACCESS_CERTS_URL: inject("accessCertsUrl"),
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/*.test.ts"],
          setupFiles: ["./test/helpers/apply-migrations.ts"],
          globalSetup: ["./test/fakes/global-setup.ts"],
          testTimeout: 30_000,
        },
      },
      {
        // End to end in a real headless Chromium against `wrangler dev` (test/e2e/local-worker.ts).
        test: {
          name: "e2e",
          include: ["test/e2e/*.test.ts"],
          environment: "node",
          globalSetup: ["./test/e2e/browser-setup.ts", "./test/e2e/console-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
