import type { Env } from "../env";
import type { SendJob } from "./send-job";

/** SENDS queue consumer (delivery issue: real providers, retries, idempotency). Placeholder until it lands. */
export async function consumeSends(batch: MessageBatch<SendJob>, _env: Env): Promise<void> {
  batch.retryAll({ delaySeconds: 30 });
}

/** Dead-letter consumer. Placeholder until the delivery issue lands. */
export async function consumeDeadLetters(batch: MessageBatch<SendJob>, _env: Env): Promise<void> {
  batch.retryAll({ delaySeconds: 60 });
}
