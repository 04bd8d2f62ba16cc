/**
 * The Beckon Worker: HTTP (SDK ingest, admin API, webhooks), queue consumers
 * (send jobs, users index, dead letters) and cron (broadcasts, nightly models).
 */
import { createApp } from "../src/http/app";
import { applyIndexUpdates } from "../src/db/index-consumer";
import type { Env } from "../src/env";
import type { IndexUpdate } from "../src/user/index-update";

export { UserObject } from "../src/user/user-object";

const app = createApp();

export default {
  fetch: app.fetch,

  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    if (batch.queue.startsWith("beckon-index")) {
      await applyIndexUpdates(env.DB, batch.messages.map((m) => m.body as IndexUpdate));
      batch.ackAll();
      return;
    }
    console.warn(`no consumer for queue ${batch.queue}; retrying`);
    batch.retryAll();
  },

  async scheduled(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext): Promise<void> {},
} satisfies ExportedHandler<Env>;
