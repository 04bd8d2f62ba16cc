import type { Env } from "../env";
import type { SendJob } from "../domain/delivery/send-job";
import type { ConsumerDeps } from "./planned-send";
import { failDeadLetteredJob } from "./dead-letters";

/** SENDS dead-letter queue: the job exhausted its retries. Recorded (visible, replayable) and counted failed once. */
export async function consumeDeadLetters(
  batch: MessageBatch<SendJob>,
  env: Env,
  deps: ConsumerDeps = {},
): Promise<void> {
  const now = deps.now?.() ?? Date.now();
  for (const message of batch.messages) {
    try {
      await failDeadLetteredJob(env, message.id, message.body, message.attempts, now);
      message.ack();
    } catch (err) {
      console.error("dead letter not recorded; retrying", err);
      message.retry({ delaySeconds: 30 });
    }
  }
}
