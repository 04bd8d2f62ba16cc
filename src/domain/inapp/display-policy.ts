import type { Millis } from "../../kernel/clock";
import type { InAppSettings } from "./model";

/**
 * Which pending in-app messages a person sees, in what order, and when the next
 * one may appear. Pure: storage rows in, decisions out.
 */
export interface PendingRow {
  key: string;
  priority: number;
  createdAt: Millis;
  expiresAt: Millis;
}

/** Unexpired messages, highest priority first, then oldest first (first decided, first shown). */
export function displayOrder<T extends PendingRow>(rows: readonly T[], now: Millis): T[] {
  return rows
    .filter((r) => r.expiresAt > now)
    .sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt || (a.key < b.key ? -1 : 1));
}

/**
 * Earliest time the next message may be shown: the minimum interval after the last
 * one shown (`null` when none was shown yet, or the interval is 0).
 */
export function notBefore(
  lastShownAt: Millis | null,
  settings: Pick<InAppSettings, "minIntervalSeconds">,
): Millis | null {
  if (lastShownAt === null || settings.minIntervalSeconds === 0) return null;
  return lastShownAt + settings.minIntervalSeconds * 1000;
}

/**
 * Keys to drop when more than `max` messages are pending: the lowest priority, then the
 * oldest, so a flood of low-value messages cannot push out an important one.
 */
export function overflow<T extends PendingRow>(rows: readonly T[], max: number): string[] {
  if (rows.length <= max) return [];
  return [...rows]
    .sort((a, b) => b.priority - a.priority || b.createdAt - a.createdAt)
    .slice(max)
    .map((r) => r.key);
}

/** When an expiring item expires: its own lifetime, else the default. */
export function expiryOf(createdAt: Millis, expiresInSeconds: number | undefined, defaultSeconds: number): Millis {
  return createdAt + (expiresInSeconds ?? defaultSeconds) * 1000;
}
