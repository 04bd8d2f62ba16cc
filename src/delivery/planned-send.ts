import type { DeliveryTarget, ProviderAdapter } from "./channels/types";
import type { SendJob } from "../domain/delivery/send-job";

/** One queue message of a SENDS batch as the consumer plans it: its job, the targets to try and their adapters. */
export interface PlannedSend {
  message: Message<SendJob>;
  job: SendJob;
  attempts: Array<{ target: DeliveryTarget; adapter: ProviderAdapter }>;
  /** Targets already sent in an earlier delivery of this message. */
  alreadySent: boolean;
  /** Acked or retried already (so a late failure does not touch it again). */
  settled?: boolean;
  /**
   * Feedback to the person's object (dead token, opt-out) or a waiting callback could not be
   * applied: the message is retried so a redelivery finishes it (the send itself is recorded and never repeats).
   */
  followUpFailed?: boolean;
}

/** Test seams: the provider `fetch`, the clock and jitter. Production uses the globals. */
export interface ConsumerDeps {
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  /** Puts a rate-limited job back on the queue (default: `env.SENDS.send` with a delay). */
  requeue?: (job: SendJob, delaySeconds: number) => Promise<void>;
}
