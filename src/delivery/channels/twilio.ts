import type { SendJob } from "../../domain/delivery/send-job";
import { parseRetryAfter } from "../retry";
import {
  fetchWithTimeout,
  readJson,
  type DeliveryTarget,
  type ProviderAdapter,
  type SendContext,
  type SendOutcome,
} from "./types";

/**
 * Twilio Programmable Messaging: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
 * form-encoded, HTTP Basic auth (Account SID : Auth Token). Status changes come back to
 * `StatusCallback` (`/webhooks/twilio/status`). Twilio has no idempotency key for this API:
 * the `deliveries` record is what prevents a second send.
 */
export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** Sender number (E.164) … */
  from?: string;
  /** … or a Messaging Service (sender pool, opt-out handling, queueing). */
  messagingServiceSid?: string;
}

/** Twilio error codes that mean "this recipient must not be messaged". */
const UNSUBSCRIBED = 21610;
/** Invalid / unroutable / not mobile / region not enabled…: the message can never go. */
const PERMANENT_RECIPIENT = new Set([21211, 21214, 21408, 21612, 21614, 21635, 21659, 21660]);

export function twilioForm(job: SendJob, phone: string, creds: TwilioCredentials, publicUrl: string): URLSearchParams {
  const c = job.content;
  const form = new URLSearchParams();
  form.set("To", phone);
  if (creds.messagingServiceSid) form.set("MessagingServiceSid", creds.messagingServiceSid);
  else form.set("From", creds.from ?? "");
  form.set("Body", c.text ?? c.body ?? "");
  if (c.imageUrl) form.append("MediaUrl", c.imageUrl);
  form.set("StatusCallback", `${publicUrl.replace(/\/$/, "")}/webhooks/twilio/status`);
  return form;
}

/** Twilio REST errors (`{code, message, more_info, status}`) → outcome. */
export function classifyTwilioError(
  status: number,
  body: Record<string, unknown> | null,
  retryAfter: number | undefined,
): SendOutcome {
  const code = typeof body?.code === "number" ? body.code : 0;
  const error = `Twilio ${status}${code ? ` ${code}` : ""}: ${String(body?.message ?? "")}`.trim();
  if (code === UNSUBSCRIBED)
    return { kind: "failed", error, feedback: { kind: "opt_out", channel: "sms", source: "twilio:21610" } };
  if (PERMANENT_RECIPIENT.has(code)) return { kind: "failed", error };
  // 401/403: credentials or account problem. Retrying lets the job reach the dead-letter queue,
  // where it can be replayed once the operator fixes the configuration.
  if (status === 429 || status >= 500 || status === 401 || status === 403)
    return { kind: "retry", error, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
  return { kind: "failed", error };
}

export function twilioAdapter(creds: TwilioCredentials, baseUrl = "https://api.twilio.com"): ProviderAdapter {
  return {
    provider: "twilio",
    idempotent: false,
    account: creds.accountSid,
    async send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome> {
      const res = await fetchWithTimeout(
        ctx,
        `${baseUrl.replace(/\/$/, "")}/2010-04-01/Accounts/${encodeURIComponent(creds.accountSid)}/Messages.json`,
        {
          method: "POST",
          headers: {
            authorization: `Basic ${btoa(`${creds.accountSid}:${creds.authToken}`)}`,
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
          },
          body: twilioForm(job, target.address!, creds, ctx.publicUrl).toString(),
        },
      );
      if ("timeout" in res) return { kind: "retry", error: `Twilio ${res.error}` };
      const body = await readJson(res);
      if ((res.status === 201 || res.status === 200) && typeof body?.sid === "string") {
        if (body.status === "failed" || body.status === "undelivered")
          return {
            kind: "failed",
            error: `Twilio ${body.error_code ?? ""} ${body.error_message ?? body.status}`.trim(),
          };
        return { kind: "sent", providerMessageId: body.sid };
      }
      return classifyTwilioError(res.status, body, parseRetryAfter(res.headers.get("retry-after"), ctx.now));
    },
  };
}
