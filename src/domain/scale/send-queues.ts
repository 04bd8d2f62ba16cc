import { DomainError } from "../../kernel/errors";
import { hash32 } from "./index-layout";

/**
 * Send jobs may be spread over several queues when one queue's ~5,000 messages/s is not enough
 * (docs/scale.md). `SEND_QUEUES` lists the producer bindings, comma-separated; unset → `SENDS` alone.
 * A person's jobs always go to the same queue (a stable hash of their object), so one person's sends
 * are never raced against each other by two consumers.
 */
export function parseSendQueues(text: string | undefined): readonly string[] {
  const names = (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 0) return ["SENDS"];
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice)
    throw new DomainError(500, "invalid_config", `SEND_QUEUES lists ${twice} twice`, [
      { field: "SEND_QUEUES", message: "each queue binding once" },
    ]);
  return names;
}

/** The queue binding of a person's send jobs. */
export function sendQueueOf(queues: readonly string[], personKey: string): string {
  return queues.length === 1 ? queues[0]! : queues[hash32(personKey) % queues.length]!;
}
