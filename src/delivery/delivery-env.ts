/**
 * Delivery's configuration: wrangler secrets and vars (see docs/channels.md "Delivery" →
 * "Configuring providers"). Read through this accessor so the delivery code owns its settings
 * without widening the shared Env.
 */
export interface DeliveryEnv {
  PUBLIC_URL?: string;
  // Firebase Cloud Messaging
  FCM_SERVICE_ACCOUNT_JSON?: string;
  FCM_BASE_URL?: string;
  FCM_TOKEN_URL?: string;
  // APNs (token auth)
  APNS_TEAM_ID?: string;
  APNS_KEY_ID?: string;
  APNS_PRIVATE_KEY?: string;
  APNS_TOPIC?: string;
  APNS_BASE_URL?: string;
  // Web Push
  VAPID_SUBJECT?: string;
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  WEBPUSH_ALLOW_INSECURE?: string;
  // Twilio
  TWILIO_ACCOUNT_SID?: string;
  TWILIO_AUTH_TOKEN?: string;
  TWILIO_FROM?: string;
  TWILIO_MESSAGING_SERVICE_SID?: string;
  TWILIO_BASE_URL?: string;
  SMS_HELP_TEXT?: string;
  // Email
  EMAIL_PROVIDER?: string;
  EMAIL_FROM?: string;
  EMAIL_REPLY_TO?: string;
  RESEND_API_KEY?: string;
  RESEND_BASE_URL?: string;
  RESEND_WEBHOOK_SECRET?: string;
  SENDGRID_API_KEY?: string;
  SENDGRID_BASE_URL?: string;
  SENDGRID_WEBHOOK_PUBLIC_KEY?: string;
  UNSUBSCRIBE_SECRET?: string;
  // WhatsApp
  WHATSAPP_TOKEN?: string;
  WHATSAPP_PHONE_NUMBER_ID?: string;
  WHATSAPP_API_VERSION?: string;
  WHATSAPP_BASE_URL?: string;
  WHATSAPP_APP_SECRET?: string;
  WHATSAPP_VERIFY_TOKEN?: string;
  // Webhook channel
  WEBHOOK_SIGNING_SECRET?: string;
  // Behaviour
  DELIVERY_TIMEOUT_MS?: string;
  /** Per provider account: "rate" or "rate/burst" sends per second, e.g. RATE_LIMIT_TWILIO="30/60". */
  [rateLimit: `RATE_LIMIT_${string}`]: string | undefined;
}

export function deliveryEnv(env: object): DeliveryEnv {
  return env as DeliveryEnv;
}

/** Bindings delivery adds to wrangler.toml. */
export interface DeliveryBindings {
  RATE_LIMITER?: DurableObjectNamespace;
}
