import * as z from "zod";
import { LocalTimeOfDay, localParts, minutesOfDay, nextLocalTime, resolveTimeZone } from "../../time/local-time";

/**
 * Quiet hours: a daily window of local wall-clock time in the person's zone during
 * which marketing messages are not sent (the engine defers them to `endsAt` or drops
 * them, per campaign).
 *
 * - `start` is inclusive, `end` exclusive, both "HH:MM" local, minute resolution.
 * - `start < end` is a same-day window (12:00–14:00); `start > end` crosses midnight
 *   (22:00–08:00 = 22:00 → 23:59 and 00:00 → 07:59); `start == end` is an empty window.
 * - `endsAt` is the next instant the local clock reads `end`; across a DST change it
 *   is still the local `end` (an 8 h window may last 7 or 9 real hours); when `end`
 *   falls in a spring-forward gap the window ends at the jump (02:00 EST → 03:00 EDT
 *   for a window ending 02:30).
 * - An unknown time zone is read as UTC (see `resolveTimeZone`).
 */

export interface QuietWindow {
  start: string;
  end: string;
}

export const QuietWindow = z.object({ start: LocalTimeOfDay, end: LocalTimeOfDay });

export type QuietHoursResult = { quiet: false } | { quiet: true; endsAt: number };

/** Whether minute-of-day `m` is inside the window (no time zone involved). */
export function inWindow(m: number, start: number, end: number): boolean {
  if (start === end) return false;
  return start < end ? m >= start && m < end : m >= start || m < end;
}

export function quietHours(now: number, timezone: string, window: QuietWindow | null): QuietHoursResult {
  if (!window) return { quiet: false };
  const zone = resolveTimeZone(timezone);
  const start = minutesOfDay(window.start);
  const end = minutesOfDay(window.end);
  const quietAt = (t: number): boolean => {
    const local = localParts(t, zone);
    return inWindow(local.hour * 60 + local.minute, start, end);
  };
  if (!quietAt(now)) return { quiet: false };
  // Inside the window, the next time the clock reads `end` is the end of this window…
  const endsAt = nextLocalTime(now, zone, window.end, { everyOccurrence: true });
  const atEnd = localParts(endsAt, zone);
  if (atEnd.hour * 60 + atEnd.minute === end) return { quiet: true, endsAt };
  // …unless `end` falls in a spring-forward gap: then the window ends when the clock jumps
  // past it, which lies between now and `endsAt`. Find that instant (to the ms) by bisection.
  let inside = now;
  let outside = endsAt;
  while (outside - inside > 1) {
    const mid = Math.floor((inside + outside) / 2);
    if (quietAt(mid)) inside = mid;
    else outside = mid;
  }
  return { quiet: true, endsAt: outside };
}
