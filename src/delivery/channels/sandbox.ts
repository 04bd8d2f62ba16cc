import type { SendJob } from "../../domain/delivery/send-job";
import type { DeliveryTarget, ProviderAdapter, SendContext, SendOutcome } from "./types";

/**
 * The sandbox provider: the default for any channel without credentials (local dev, demos,
 * tests). It sends nothing; the consumer records the rendered message in `deliveries`
 * (readable through `GET /admin/sends?provider=sandbox`) exactly as a real send would be.
 */
export const sandboxAdapter: ProviderAdapter = {
  provider: "sandbox",
  idempotent: true,
  account: "sandbox",
  async send(job: SendJob, target: DeliveryTarget, _ctx: SendContext): Promise<SendOutcome> {
    return {
      kind: "sent",
      providerMessageId: `sbx_${crypto.randomUUID()}`,
      payload: JSON.stringify({
        channel: job.channel,
        to: target.address ?? target.push ?? null,
        content: job.content,
        category: job.category,
        ...(job.test ? { test: true } : {}),
      }),
    };
  },
};
