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
 * WhatsApp Business Cloud API (Graph API): `POST {base}/{version}/{phone-number-id}/messages`,
 * `Authorization: Bearer <system user token>`. Template messages start conversations; free
 * text is only accepted inside the 24-hour customer-service window (error 131047 otherwise).
 */
export interface WhatsAppCredentials {
  token: string;
  phoneNumberId: string;
  /** Graph API version, e.g. "v23.0". */
  version: string;
}

export function whatsappBody(job: SendJob, phone: string): Record<string, unknown> {
  const c = job.content;
  const to = phone.replace(/^\+/, "");
  if (c.template) {
    const parameters = (c.template.parameters ?? []).map((text) => ({ type: "text", text }));
    return {
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to,
      type: "template",
      template: {
        name: c.template.name,
        language: { policy: "deterministic", code: c.template.language },
        ...(parameters.length > 0 ? { components: [{ type: "body", parameters }] } : {}),
      },
    };
  }
  const body = c.text ?? c.body ?? "";
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to,
    type: "text",
    text: { body, preview_url: /https?:\/\//.test(body) },
  };
}

const RETRY_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131056, 133004]);
/** Token or permission problems: retried so the job dead-letters and can be replayed after the fix. */
const CONFIG_CODES = new Set([0, 3, 10, 190, 200, 131005]);
const USER_STOPPED_MARKETING = 131050;

export function classifyWhatsAppError(
  status: number,
  body: Record<string, unknown> | null,
  retryAfter: number | undefined,
): SendOutcome {
  const e = (body?.error as { code?: number; message?: string; error_subcode?: number } | undefined) ?? {};
  const code = typeof e.code === "number" ? e.code : -1;
  const error = `WhatsApp ${status} ${code}: ${e.message ?? ""}`.trim();
  if (code === USER_STOPPED_MARKETING)
    return { kind: "failed", error, feedback: { kind: "opt_out", channel: "whatsapp", source: "whatsapp:131050" } };
  if (RETRY_CODES.has(code) || status === 429 || status >= 500)
    return {
      kind: "retry",
      error,
      ...(retryAfter !== undefined
        ? { retryAfterSeconds: retryAfter }
        : code === 131056
          ? { retryAfterSeconds: 60 }
          : {}),
    };
  if (CONFIG_CODES.has(code) || status === 401) return { kind: "retry", error };
  return { kind: "failed", error };
}

export function whatsappAdapter(creds: WhatsAppCredentials, baseUrl = "https://graph.facebook.com"): ProviderAdapter {
  return {
    provider: "whatsapp",
    idempotent: false,
    account: creds.phoneNumberId,
    async send(job: SendJob, target: DeliveryTarget, ctx: SendContext): Promise<SendOutcome> {
      const res = await fetchWithTimeout(
        ctx,
        `${baseUrl.replace(/\/$/, "")}/${creds.version}/${encodeURIComponent(creds.phoneNumberId)}/messages`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${creds.token}`, "content-type": "application/json" },
          body: JSON.stringify(whatsappBody(job, target.address!)),
        },
      );
      if ("timeout" in res) return { kind: "retry", error: `WhatsApp ${res.error}` };
      const body = await readJson(res);
      const id = (body?.messages as Array<{ id?: string }> | undefined)?.[0]?.id;
      if (res.ok && id) return { kind: "sent", providerMessageId: id };
      return classifyWhatsAppError(res.status, body, parseRetryAfter(res.headers.get("retry-after"), ctx.now));
    },
  };
}
