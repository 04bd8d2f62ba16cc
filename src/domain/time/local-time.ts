import * as z from "zod";

/**
 * Wall-clock time in a person's IANA time zone, from `Intl.DateTimeFormat` (the
 * runtime's tz database; no library). Used for quiet hours, "deliver at 09:00 local"
 * broadcasts and "delay until 10:00" journey steps.
 *
 * Converting a local wall time to an instant follows the Temporal "compatible" rule:
 * - a wall time that does not exist (spring-forward gap, 02:30 in New York on the
 *   second Sunday of March) moves forward by the length of the gap (→ 03:30 EDT);
 * - a wall time that exists twice (fall-back overlap) means the earlier instant.
 *
 * An unknown or empty zone falls back to UTC (a person without a timezone still gets
 * messages, at UTC times), see `resolveTimeZone`.
 */

/** "HH:MM", 00:00–23:59. */
export const LocalTimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (00:00–23:59)");

export interface LocalParts {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  /** 0–23 */
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday (like `Date#getDay`). */
  weekday: number;
}

const DAY_MS = 86_400_000;
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Formatters are costly to build; keep one per zone (bounded: zones are few). */
const formatters = new Map<string, Intl.DateTimeFormat>();
const FORMATTER_CACHE_SIZE = 1000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      weekday: "short",
      era: "short",
    });
    if (formatters.size >= FORMATTER_CACHE_SIZE) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

const validity = new Map<string, string>();

/** The zone to use: the given one if the runtime knows it (canonical spelling kept as given), else `fallback`. */
export function resolveTimeZone(timeZone: string | null | undefined, fallback = "UTC"): string {
  if (!timeZone) return fallback;
  const known = validity.get(timeZone);
  if (known !== undefined) return known;
  let resolved = fallback;
  try {
    formatter(timeZone);
    resolved = timeZone;
  } catch {
    resolved = fallback;
  }
  if (validity.size >= FORMATTER_CACHE_SIZE) validity.clear();
  validity.set(timeZone, resolved);
  return resolved;
}

export function isValidTimeZone(timeZone: string): boolean {
  return resolveTimeZone(timeZone, "") === timeZone;
}

/** The wall clock in `timeZone` at instant `now` (ms). */
export function localParts(now: number, timeZone: string): LocalParts {
  const parts = formatter(resolveTimeZone(timeZone)).formatToParts(new Date(now));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? "";
  let year = Number(get("year"));
  // en-US prints years before 1 CE as "1 BC": convert to astronomical numbering.
  if (get("era") === "BC" || get("era") === "B") year = 1 - year;
  return {
    year,
    month: Number(get("month")),
    day: Number(get("day")),
    hour: Number(get("hour")) % 24,
    minute: Number(get("minute")),
    second: Number(get("second")),
    weekday: WEEKDAYS[get("weekday")] ?? 0,
  };
}

/** The wall time as if it were UTC, in ms: the basis for offset arithmetic. */
function wallAsUtc(p: {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}): number {
  const d = new Date(0);
  d.setUTCFullYear(p.year, p.month - 1, p.day);
  d.setUTCHours(p.hour, p.minute, p.second ?? 0, 0);
  return d.getTime();
}

/** Offset of the zone from UTC at an instant, in ms (e.g. −5 h in New York in winter). */
export function utcOffsetMs(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallAsUtc(localParts(whole, timeZone)) - whole;
}

type LocalDateTime = { year: number; month: number; day: number; hour: number; minute: number; second?: number };

/**
 * Every instant at which the wall clock in `zone` reads `local`: one normally, two in a
 * fall-back overlap (earlier first), none in a spring-forward gap.
 */
function occurrences(local: LocalDateTime, zone: string): { wall: number; before: number; instants: number[] } {
  const wall = wallAsUtc(local);
  // Offsets a day either side bracket any transition near this wall time (zones change at most once a day).
  const before = utcOffsetMs(wall - DAY_MS, zone);
  const after = utcOffsetMs(wall + DAY_MS, zone);
  const candidates = [...new Set([wall - before, wall - after])].sort((a, b) => a - b);
  return { wall, before, instants: candidates.filter((c) => wallAsUtc(localParts(c, zone)) === wall) };
}

/**
 * The instant at which the wall clock in `timeZone` reads the given local date and time
 * (Temporal "compatible" disambiguation: gaps move forward, overlaps take the earlier).
 */
export function instantOfLocal(local: LocalDateTime, timeZone: string): number {
  const { wall, before, instants } = occurrences(local, resolveTimeZone(timeZone));
  // Nonexistent wall time (gap): read it with the offset in force before the jump, which lands after the gap.
  return instants[0] ?? wall - before;
}

export interface NextLocalTimeOptions {
  /**
   * On a fall-back day an hh:mm inside the repeated hour happens twice. By default only
   * the first counts (a daily schedule fires once a day); with `everyOccurrence` the
   * second one counts too (quiet hours ending at 01:30 end at the first 01:30 still ahead).
   */
  everyOccurrence?: boolean;
}

function parseHhmm(hhmm: string): { hour: number; minute: number } {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  const hour = m ? Number(m[1]) : NaN;
  const minute = m ? Number(m[2]) : NaN;
  if (!(hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59))
    throw new RangeError(`invalid local time "${hhmm}", expected HH:MM`);
  return { hour, minute };
}

/** Minutes since local midnight for "HH:MM". */
export function minutesOfDay(hhmm: string): number {
  const { hour, minute } = parseHhmm(hhmm);
  return hour * 60 + minute;
}

/**
 * The next instant strictly after `now` at which the local wall clock in `timeZone`
 * reads `hhmm` (seconds :00). On a day when hh:mm does not exist (DST gap) it is the
 * instant just after the gap that the "compatible" rule gives (02:30 → 03:30).
 */
export function nextLocalTime(now: number, timeZone: string, hhmm: string, opts: NextLocalTimeOptions = {}): number {
  const { hour, minute } = parseHhmm(hhmm);
  const zone = resolveTimeZone(timeZone);
  const today = localParts(now, zone);
  // Today's hh:mm if still ahead, else tomorrow's; a few more days cover a skipped calendar
  // day (Samoa skipped 2011-12-30). One occurrence per calendar day: on a fall-back day a
  // repeated hh:mm fires at its first occurrence only, so a daily schedule never fires twice.
  for (let offset = 0; offset <= 3; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const { wall, before, instants } = occurrences(
      { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour, minute },
      zone,
    );
    const considered = instants.length === 0 ? [wall - before] : opts.everyOccurrence ? instants : instants.slice(0, 1);
    const ahead = considered.find((candidate) => candidate > now);
    if (ahead !== undefined) return ahead;
  }
  // Unreachable for real zones; keep the contract (> now) anyway.
  return now + DAY_MS;
}
