import type { Env } from "../env";
import { receiveProviderEvent } from "./delivery-events";
import type { DeliveryFact } from "./status";

/**
 * Simulated receipts from the sandbox provider (docs/channels.md "Simulated receipts"): with
 * `SANDBOX_RECEIPTS="delivered=0.95,opened=0.4,clicked=0.25"` each sandbox send is reported
 * delivered with probability 0.95, then opened with 0.4 (of those delivered), then clicked with 0.25
 * (of those opened). The reports go through `receiveProviderEvent`, the path provider webhooks take,
 * marked `simulated` in their detail. Each draw is a hash of the provider message id, so a retried
 * job reports the same facts (and the event ids make a repeat a no-op). Unset or empty: no receipts.
 */
export const RECEIPT_FACTS = ["delivered", "opened", "clicked"] as const satisfies readonly DeliveryFact[];
export type ReceiptRates = Record<(typeof RECEIPT_FACTS)[number], number>;
export const SIMULATED = "simulated by the sandbox provider (SANDBOX_RECEIPTS)";

/** Parses the setting; null when unset, empty or invalid (an invalid one is logged and ignored). */
export function parseReceiptRates(setting: string | undefined): ReceiptRates | null {
  if (!setting || setting.trim() === "") return null;
  const rates: ReceiptRates = { delivered: 0, opened: 0, clicked: 0 };
  for (const part of setting.split(",")) {
    const [k, v] = part.split("=").map((s) => s.trim());
    const n = Number(v);
    if (!(RECEIPT_FACTS as readonly string[]).includes(k ?? "") || !(n >= 0 && n <= 1)) {
      console.warn(
        `SANDBOX_RECEIPTS: ignored (expected e.g. delivered=0.95,opened=0.4,clicked=0.25; got "${setting.slice(0, 80)}")`,
      );
      return null;
    }
    rates[k as keyof ReceiptRates] = n;
  }
  return rates;
}

/** A uniform draw in [0, 1) from a string (FNV-1a, then a 32-bit mix). */
export function unit(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

/** Which receipts a send gets: each fact only after the one before it. Pure. */
export function receiptsFor(providerMessageId: string, rates: ReceiptRates): DeliveryFact[] {
  const facts: DeliveryFact[] = [];
  for (const fact of RECEIPT_FACTS) {
    if (unit(`${providerMessageId}:${fact}`) >= rates[fact]) break;
    facts.push(fact);
  }
  return facts;
}

/** Reports a sandbox send's simulated receipts through the provider-event path. */
export async function simulateReceipts(env: Env, providerMessageId: string, now: number): Promise<void> {
  const rates = parseReceiptRates(env.SANDBOX_RECEIPTS);
  if (!rates) return;
  for (const fact of receiptsFor(providerMessageId, rates)) {
    await receiveProviderEvent(
      env,
      {
        eventId: `sandbox:${providerMessageId}:${fact}`,
        provider: "sandbox",
        providerMessageId,
        fact,
        at: now,
        detail: SIMULATED,
      },
      now,
    );
  }
}
