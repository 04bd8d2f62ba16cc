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
import { enterBroadcastUsers } from "../src/campaigns/broadcast-entry";
import "../src/jobs/all-jobs";
import type { IndexUpdate } from "../src/user/index-update";

export { UserObject } from "../src/user/user-object";
export { RateLimiter } from "../src/delivery/rate-limiter";

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    switch (batch.queue) {
      case "beckon-index": {
        const messages = batch.messages as readonly Message<IndexUpdate>[];
        // Broadcast fan-out chunks are acked one by one; index rows and stats are written in one batch.
        for (const m of messages.filter((m) => m.body.op === "broadcast")) {
          try {
            await enterBroadcastUsers(env, m.body as Extract<IndexUpdate, { op: "broadcast" }>);
            m.ack();
          } catch (err) {
            console.error("broadcast chunk failed; retrying", err);
            m.retry({ delaySeconds: 10 });
          }
        }
        const rest = messages.filter((m) => m.body.op !== "broadcast");
        await applyIndexUpdates(env.DB, rest.map((m) => m.body));
        for (const m of rest) m.ack();
        return;
      }
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
