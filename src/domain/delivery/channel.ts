/** Channels that need the person's consent (opt-in) before Beckon messages them. */
export const CONSENT_CHANNELS = ["push", "email", "sms", "whatsapp"] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** Every way Beckon reaches a person. In-app messages and content cards need no opt-in. */
export const CHANNELS = ["push", "email", "sms", "whatsapp", "in_app", "content_card", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];

export type ConsentStatus = "opted_in" | "opted_out" | "unknown";

export interface ConsentRecord {
  status: ConsentStatus;
  /** When it was given or withdrawn. */
  at: number;
  /** Where it came from: "sdk", "twilio:STOP", "email:complaint", "admin"… */
  source: string;
}
