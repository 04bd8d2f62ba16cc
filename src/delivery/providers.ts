import type { SendJob } from "./send-job";
import { apnsAdapter } from "./channels/apns";
import { fcmAdapter, parseServiceAccount, type ServiceAccount } from "./channels/fcm";
import { resendAdapter } from "./channels/resend";
import { sandboxAdapter } from "./channels/sandbox";
import { sendgridAdapter } from "./channels/sendgrid";
import { twilioAdapter } from "./channels/twilio";
import type { DeliveryTarget, ProviderAdapter } from "./channels/types";
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
 * Picks the provider account for one target: the configured provider of its channel, or the
 * sandbox when that provider has no credentials. Adapters are built once per env object.
 */
export class ProviderDirectory {
  private readonly cache = new Map<string, ProviderAdapter>();
  private sa: ServiceAccount | null | undefined;

  constructor(private readonly env: DeliveryEnv) {}

  adapterFor(job: SendJob, target: DeliveryTarget): ProviderAdapter | { error: string } {
    const e = this.env;
    switch (job.channel) {
      case "push": {
        const device = target.push!;
        if (device.provider === "fcm") return this.fcm() ?? sandboxAdapter;
        if (device.provider === "apns")
          return e.APNS_TEAM_ID && e.APNS_KEY_ID && e.APNS_PRIVATE_KEY && e.APNS_TOPIC
            ? this.memo("apns", () => apnsAdapter({ teamId: e.APNS_TEAM_ID!, keyId: e.APNS_KEY_ID!, privateKey: e.APNS_PRIVATE_KEY!, topic: e.APNS_TOPIC! }, e.APNS_BASE_URL))
            : sandboxAdapter;
        return e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY && e.VAPID_SUBJECT
          ? this.memo("webpush", () => webPushAdapter({ subject: e.VAPID_SUBJECT!, publicKey: e.VAPID_PUBLIC_KEY!, privateKey: e.VAPID_PRIVATE_KEY! }, { allowInsecure: e.WEBPUSH_ALLOW_INSECURE === "true" }))
          : sandboxAdapter;
      }
      case "sms":
        return e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && (e.TWILIO_FROM || e.TWILIO_MESSAGING_SERVICE_SID)
          ? this.memo("twilio", () =>
              twilioAdapter({ accountSid: e.TWILIO_ACCOUNT_SID!, authToken: e.TWILIO_AUTH_TOKEN!, ...(e.TWILIO_FROM ? { from: e.TWILIO_FROM } : {}), ...(e.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID } : {}) }, e.TWILIO_BASE_URL),
            )
          : sandboxAdapter;
      case "email": {
        const sender = { from: e.EMAIL_FROM ?? "Beckon <noreply@example.com>", ...(e.EMAIL_REPLY_TO ? { replyTo: e.EMAIL_REPLY_TO } : {}) };
        const choice = e.EMAIL_PROVIDER ?? (e.RESEND_API_KEY ? "resend" : e.SENDGRID_API_KEY ? "sendgrid" : "sandbox");
        if (choice === "resend" && e.RESEND_API_KEY) return this.memo("resend", () => resendAdapter(e.RESEND_API_KEY!, sender, e.RESEND_BASE_URL));
        if (choice === "sendgrid" && e.SENDGRID_API_KEY) return this.memo("sendgrid", () => sendgridAdapter(e.SENDGRID_API_KEY!, sender, e.SENDGRID_BASE_URL));
        return sandboxAdapter;
      }
      case "whatsapp":
        return e.WHATSAPP_TOKEN && e.WHATSAPP_PHONE_NUMBER_ID
          ? this.memo("whatsapp", () => whatsappAdapter({ token: e.WHATSAPP_TOKEN!, phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID!, version: e.WHATSAPP_API_VERSION ?? "v23.0" }, e.WHATSAPP_BASE_URL))
          : sandboxAdapter;
      case "webhook":
        return e.WEBHOOK_SIGNING_SECRET ? this.memo("webhook", () => webhookAdapter(e.WEBHOOK_SIGNING_SECRET!)) : sandboxAdapter;
      default:
        // In-app messages and content cards are delivered by the UserObject itself, not the send queue.
        return { error: `channel ${job.channel} is not delivered through the send queue` };
    }
  }

  private fcm(): ProviderAdapter | null {
    if (this.sa === undefined) {
      try {
        this.sa = this.env.FCM_SERVICE_ACCOUNT_JSON ? parseServiceAccount(this.env.FCM_SERVICE_ACCOUNT_JSON) : null;
      } catch (err) {
        console.error("FCM_SERVICE_ACCOUNT_JSON is unusable; push goes to the sandbox", err);
        this.sa = null;
      }
    }
    const sa = this.sa;
    return sa ? this.memo("fcm", () => fcmAdapter(sa, this.env.FCM_BASE_URL, this.env.FCM_TOKEN_URL)) : null;
  }

  private memo(name: string, build: () => ProviderAdapter): ProviderAdapter {
    let a = this.cache.get(name);
    if (!a) this.cache.set(name, (a = build()));
    return a;
  }
}
