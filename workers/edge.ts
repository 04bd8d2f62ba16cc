/**
 * The Beckon Worker: HTTP (SDK ingest, admin API, webhooks), queue consumers
 * (send jobs, users index, dead letters) and cron (broadcasts, nightly models).
 */
import { createApp } from "../src/http/app";
import { applyIndexUpdates } from "../src/db/index-consumer";
import { consumeDeadLetters, consumeSends } from "../src/delivery/consumer";
import type { SendJob } from "../src/delivery/send-job";
import type { Env } from "../src/env";
import { runScheduled } from "../src/jobs/scheduled";
import "../src/jobs/all-jobs";
import type { IndexUpdate } from "../src/user/index-update";

export { UserObject } from "../src/user/user-object";

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    switch (batch.queue) {
      case "beckon-index":
        await applyIndexUpdates(env.DB, batch.messages.map((m) => m.body as IndexUpdate));
        batch.ackAll();
        return;
      case "beckon-sends":
        return consumeSends(batch as MessageBatch<SendJob>, env);
      case "beckon-sends-dlq":
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
