import type { SendJob } from "../../domain/delivery/send-job";

/** Sender settings shared by the email providers. */
export interface EmailSender {
  /** "Name <address@domain>" or a bare address. */
  from: string;
  replyTo?: string;
}

/**
 * RFC 2369 + RFC 8058 headers for marketing mail: mailbox providers (Gmail, Yahoo) require a
 * one-click unsubscribe on bulk mail. Transactional mail carries none.
 */
export function unsubscribeHeaders(job: SendJob, unsubscribeUrl: string | undefined): Record<string, string> {
  if (job.category !== "marketing" || !unsubscribeUrl) return {};
  return { "List-Unsubscribe": `<${unsubscribeUrl}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

/** "Name <a@b>" → { email, name }. */
export function parseMailbox(value: string): { email: string; name?: string } {
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(value);
  if (!m) return { email: value.trim() };
  const name = m[1]!.replace(/^"|"$/g, "");
  return name ? { email: m[2]!.trim(), name } : { email: m[2]!.trim() };
}

/** Provider idempotency keys are length-limited: long keys are replaced by their SHA-256. */
export async function boundedKey(key: string, max: number): Promise<string> {
  if (key.length <= max) return key;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
