import type { SendJob } from "../domain/delivery/send-job";
import { apnsAdapter } from "./channels/apns";
import { fcmAdapter, parseServiceAccount, type ServiceAccount } from "./channels/fcm";
import { resendAdapter } from "./channels/resend";
import { sandboxAdapter } from "./channels/sandbox";
import { sendgridAdapter } from "./channels/sendgrid";
import { twilioAdapter } from "./channels/twilio";
import type { DeliveryTarget, ProviderAdapter, ProviderName } from "./channels/types";
import { webhookAdapter } from "./channels/webhook";
import { webPushAdapter } from "./channels/webpush";
import { whatsappAdapter } from "./channels/whatsapp";
import type { DeliveryEnv } from "./delivery-env";

/** The recipients of a job: one per push device, else the single address. */
export function targetsOf(job: SendJob): DeliveryTarget[] {
  const to = job.to;
  switch (to.kind) {
    case "push":
      return to.devices.map((d) => ({ key: d.subscription?.endpoint ?? d.token, push: d }));
    case "email":
      return [{ key: "", address: to.email }];
    case "sms":
    case "whatsapp":
      return [{ key: "", address: to.phone }];
    case "webhook":
      return [{ key: "", address: to.url }];
    default:
      return [];
  }
}

/**
 * A channel whose credentials are partial or unusable. It never calls anyone: every send is a
 * retryable configuration error, so the job is retried, then dead-lettered with this reason
 * (visible in `/admin/sends` and `/admin/dead-letters`, replayable once the secret is fixed).
 */
export function misconfigured(provider: ProviderName, reason: string): ProviderAdapter {
  const error = `configuration error: ${reason}`;
  return {
    provider,
    account: "misconfigured",
    configurationError: reason,
    idempotent: true,
    send: async () => ({ kind: "retry", error }),
  };
}

/** Names of the settings in `vars` that are unset (or empty). */
const unset = (vars: Record<string, string | undefined>) => Object.keys(vars).filter((k) => !vars[k]?.trim());
const partly = (what: string, missing: string[]) =>
  `${what} is partly configured: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set`;

/**
 * Picks the provider account for one target: the configured provider of its channel, or the
 * sandbox when that channel has no credentials at all. Partial or unusable credentials are a
 * configuration error (`misconfigured`), never the sandbox: the sandbox records "sent" while
 * nothing leaves. Adapters are built once per env object.
 */
export class ProviderDirectory {
  private readonly cache = new Map<string, ProviderAdapter>();

  constructor(private readonly env: DeliveryEnv) {}

  adapterFor(job: SendJob, target: DeliveryTarget): ProviderAdapter | { error: string } {
    const e = this.env;
    switch (job.channel) {
      case "push": {
        const device = target.push!;
        if (device.provider === "fcm") return this.fcm();
        if (device.provider === "apns") {
          const missing = unset({
            APNS_TEAM_ID: e.APNS_TEAM_ID,
            APNS_KEY_ID: e.APNS_KEY_ID,
            APNS_PRIVATE_KEY: e.APNS_PRIVATE_KEY,
            APNS_TOPIC: e.APNS_TOPIC,
          });
          if (missing.length === 4) return sandboxAdapter;
          if (missing.length > 0) return this.memo("apns", () => misconfigured("apns", partly("APNs", missing)));
          return this.memo("apns", () =>
            apnsAdapter(
              { teamId: e.APNS_TEAM_ID!, keyId: e.APNS_KEY_ID!, privateKey: e.APNS_PRIVATE_KEY!, topic: e.APNS_TOPIC! },
              e.APNS_BASE_URL,
            ),
          );
        }
        const missing = unset({
          VAPID_SUBJECT: e.VAPID_SUBJECT,
          VAPID_PUBLIC_KEY: e.VAPID_PUBLIC_KEY,
          VAPID_PRIVATE_KEY: e.VAPID_PRIVATE_KEY,
        });
        if (missing.length === 3) return sandboxAdapter;
        if (missing.length > 0)
          return this.memo("webpush", () => misconfigured("webpush", partly("Web Push", missing)));
        return this.memo("webpush", () =>
          webPushAdapter(
            { subject: e.VAPID_SUBJECT!, publicKey: e.VAPID_PUBLIC_KEY!, privateKey: e.VAPID_PRIVATE_KEY! },
            { allowInsecure: e.WEBPUSH_ALLOW_INSECURE === "true" },
          ),
        );
      }
      case "sms": {
        // TWILIO_AUTH_TOKEN alone only verifies Twilio's webhooks; sending needs the account and a sender.
        if (!e.TWILIO_ACCOUNT_SID && !e.TWILIO_FROM && !e.TWILIO_MESSAGING_SERVICE_SID) return sandboxAdapter;
        const missing = unset({ TWILIO_ACCOUNT_SID: e.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: e.TWILIO_AUTH_TOKEN });
        if (!e.TWILIO_FROM && !e.TWILIO_MESSAGING_SERVICE_SID)
          missing.push("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID");
        if (missing.length > 0) return this.memo("twilio", () => misconfigured("twilio", partly("Twilio", missing)));
        return this.memo("twilio", () =>
          twilioAdapter(
            {
              accountSid: e.TWILIO_ACCOUNT_SID!,
              authToken: e.TWILIO_AUTH_TOKEN!,
              ...(e.TWILIO_FROM ? { from: e.TWILIO_FROM } : {}),
              ...(e.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID } : {}),
            },
            e.TWILIO_BASE_URL,
          ),
        );
      }
      case "email": {
        const sender = {
          from: e.EMAIL_FROM ?? "Beckon <noreply@example.com>",
          ...(e.EMAIL_REPLY_TO ? { replyTo: e.EMAIL_REPLY_TO } : {}),
        };
        const chosen = e.EMAIL_PROVIDER?.trim().toLowerCase();
        const choice = chosen || (e.RESEND_API_KEY ? "resend" : e.SENDGRID_API_KEY ? "sendgrid" : "sandbox");
        if (choice === "resend")
          return this.memo("resend", () =>
            e.RESEND_API_KEY
              ? resendAdapter(e.RESEND_API_KEY, sender, e.RESEND_BASE_URL)
              : misconfigured("resend", "EMAIL_PROVIDER is resend but RESEND_API_KEY is not set"),
          );
        if (choice === "sendgrid")
          return this.memo("sendgrid", () =>
            e.SENDGRID_API_KEY
              ? sendgridAdapter(e.SENDGRID_API_KEY, sender, e.SENDGRID_BASE_URL)
              : misconfigured("sendgrid", "EMAIL_PROVIDER is sendgrid but SENDGRID_API_KEY is not set"),
          );
        if (choice === "sandbox") return sandboxAdapter;
        return this.memo("email", () =>
          misconfigured(
            e.SENDGRID_API_KEY && !e.RESEND_API_KEY ? "sendgrid" : "resend",
            `EMAIL_PROVIDER "${String(e.EMAIL_PROVIDER).slice(0, 40)}" is not one of resend, sendgrid, sandbox`,
          ),
        );
      }
      case "whatsapp": {
        const missing = unset({
          WHATSAPP_TOKEN: e.WHATSAPP_TOKEN,
          WHATSAPP_PHONE_NUMBER_ID: e.WHATSAPP_PHONE_NUMBER_ID,
        });
        if (missing.length === 2) return sandboxAdapter;
        if (missing.length > 0)
          return this.memo("whatsapp", () => misconfigured("whatsapp", partly("WhatsApp", missing)));
        return this.memo("whatsapp", () =>
          whatsappAdapter(
            {
              token: e.WHATSAPP_TOKEN!,
              phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID!,
              version: e.WHATSAPP_API_VERSION ?? "v23.0",
            },
            e.WHATSAPP_BASE_URL,
          ),
        );
      }
      case "webhook":
        return e.WEBHOOK_SIGNING_SECRET
          ? this.memo("webhook", () => webhookAdapter(e.WEBHOOK_SIGNING_SECRET!))
          : sandboxAdapter;
      default:
        // In-app messages and content cards are delivered by the UserObject itself, not the send queue.
        return { error: `channel ${job.channel} is not delivered through the send queue` };
    }
  }

  private fcm(): ProviderAdapter {
    const json = this.env.FCM_SERVICE_ACCOUNT_JSON;
    if (!json?.trim()) return sandboxAdapter;
    return this.memo("fcm", () => {
      let sa: ServiceAccount;
      try {
        sa = parseServiceAccount(json);
      } catch (err) {
        // Never echo the parser's message: it quotes the secret's text.
        const reason =
          err instanceof SyntaxError
            ? "FCM_SERVICE_ACCOUNT_JSON is not valid JSON"
            : String((err as Error).message ?? err);
        console.error(`FCM push is misconfigured: ${reason}`);
        return misconfigured("fcm", reason);
      }
      return fcmAdapter(sa, this.env.FCM_BASE_URL, this.env.FCM_TOKEN_URL);
    });
  }

  private memo(name: string, build: () => ProviderAdapter): ProviderAdapter {
    let a = this.cache.get(name);
    if (!a) this.cache.set(name, (a = build()));
    return a;
  }
}
