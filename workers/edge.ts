/**
 * The Beckon Worker: HTTP (SDK ingest, admin API, webhooks), queue consumers
 * (send jobs, users index, dead letters) and cron (broadcasts, nightly models).
 */
import { createApp } from "../src/http/app";
import { applyIndexUpdates } from "../src/jobs/index-consumer";
import type { ExportMessage } from "../src/domain/analytics/export";
import { deliverExport } from "../src/jobs/export-writer";
import { provideParquetCodec } from "../src/jobs/export-parquet";
import { consumeSends } from "../src/delivery/consumer";
import { consumeDeadLetters } from "../src/delivery/dead-letter-consumer";
import type { SendJob } from "../src/domain/delivery/send-job";
import type { Env } from "../src/env";
import { runScheduled } from "../src/jobs/scheduled";
import { enterBroadcastUsers } from "../src/jobs/broadcast/broadcast-entry";
import { pageBroadcast } from "../src/jobs/broadcast/broadcast";
import { runFunnelBackfill } from "../src/jobs/funnel-backfill";
import "../src/jobs/all-jobs";
import type { IndexUpdate } from "../src/domain/messages/index-update";

export { UserObject } from "../src/engine/user-object";
export { RateLimiter } from "../src/delivery/rate-limiter";

const app = createApp();
// Parquet (export files, and reading them back for a funnel backfill) is a module of its own beside the
// bundle (wrangler.toml `find_additional_modules`), loaded the first time a Parquet file is written or read.
provideParquetCodec(() => import("./vendor/parquet-codec.mjs"));

export default {
  fetch: app.fetch,

  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    // By suffix, so renamed queues (e.g. per wrangler environment) still reach their consumer.
    // Extra send queues (SEND_QUEUES) are named `…-sends-<n>` and share the one dead-letter queue.
    const kind = batch.queue.endsWith("-sends-dlq")
      ? "sends-dlq"
      : /-sends(-\d+)?$/.test(batch.queue)
        ? "sends"
        : batch.queue.endsWith("-index")
          ? "index"
          : batch.queue;
    switch (kind) {
      case "index": {
        const messages = batch.messages as readonly Message<IndexUpdate>[];
        // Broadcast pages and fan-out chunks are acked one by one; index rows and stats are written in one batch.
        for (const m of messages.filter((m) => m.body.op === "broadcast" || m.body.op === "broadcast-page")) {
          try {
            const body = m.body;
            if (body.op === "broadcast") await enterBroadcastUsers(env, body);
            else if (body.op === "broadcast-page") await pageBroadcast(env, body);
            m.ack();
          } catch (err) {
            console.error("broadcast work failed; retrying", err);
            m.retry({ delaySeconds: 10 });
          }
        }
        // Export: files per message and partition, named by the message key (a retry replaces them), and the
        // rows to the Pipelines streams bound (each row with a stable rowId).
        for (const m of messages.filter((m) => m.body.op === "export")) {
          try {
            await deliverExport(env, m.body as ExportMessage);
            m.ack();
          } catch (err) {
            console.error("export write failed; retrying", err);
            m.retry({ delaySeconds: 10 });
          }
        }
        // Funnel backfill chunks: each reads up to a bounded number of export files; one by one.
        for (const m of messages.filter((m) => m.body.op === "funnel-backfill")) {
          try {
            if (m.body.op === "funnel-backfill") await runFunnelBackfill(env, m.body);
            m.ack();
          } catch (err) {
            console.error("funnel backfill chunk failed; retrying", err);
            m.retry({ delaySeconds: 5 });
          }
        }
        const rest = messages.filter(
          (m) =>
            m.body.op !== "broadcast" &&
            m.body.op !== "broadcast-page" &&
            m.body.op !== "export" &&
            m.body.op !== "funnel-backfill",
        );
        try {
          await applyIndexUpdates(
            env,
            rest.map((m) => m.body),
          );
          for (const m of rest) m.ack();
        } catch (err) {
          // One bad message must not hold back the others: apply them one by one.
          console.error("index batch failed; applying one by one", err);
          for (const m of rest) {
            try {
              await applyIndexUpdates(env, [m.body]);
              m.ack();
            } catch (e) {
              console.error("index update failed", e, JSON.stringify(m.body).slice(0, 500));
              m.retry({ delaySeconds: 30 });
            }
          }
        }
        return;
      }
      case "sends":
        return consumeSends(batch as MessageBatch<SendJob>, env);
      case "sends-dlq":
        return consumeDeadLetters(batch as MessageBatch<SendJob>, env);
      default:
        console.error(`no consumer for queue ${batch.queue}`);
        batch.retryAll();
    }
  },

  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    ctx.waitUntil(runScheduled(env, controller.cron, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
