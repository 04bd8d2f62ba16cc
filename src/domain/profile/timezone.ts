/**
 * Time zones as clients report them. IANA names (`Europe/Paris`) are kept as given.
 * UTC offsets — RudderStack JS sends `GMT+0530`, read off `Date#toString` — are mapped
 * to a zone the quiet-hours code (`Intl.DateTimeFormat`) can use, rather than dropped:
 *  - offset 0 (`GMT+0000`, `UTC`, `Z`) → `UTC`;
 *  - whole hours → the IANA zone `Etc/GMT∓h`, whose sign is inverted (POSIX): UTC+5 is `Etc/GMT-5`;
 *  - other offsets (`GMT-0930`, `UTC+05:45`) → the fixed-offset zone `-09:30` (ECMA-402).
 * An offset has no DST rules: it is right for the moment the device reported it, and the
 * device's next report (every call carries one) moves it. Pure: no clock, no storage.
 */
export type TimezoneReading = { zone: string } | { unmappable: string };

/** Real offsets run from UTC−12:00 to UTC+14:00. */
const MIN_OFFSET_MIN = -12 * 60;
const MAX_OFFSET_MIN = 14 * 60;
const OFFSET_RE = /^(?:(?:GMT|UTC|UT)\s*)?([+-])(\d{1,2})(?::?([0-5]\d))?$/i;

export function readTimezone(raw: string): TimezoneReading {
  const value = raw.trim();
  if (/^(?:Z|GMT|UTC|UT)$/i.test(value)) return { zone: "UTC" };
  const m = OFFSET_RE.exec(value);
  if (m) {
    const minutes = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
    if (minutes < MIN_OFFSET_MIN || minutes > MAX_OFFSET_MIN)
      return { unmappable: `offset ${value} is outside UTC−12:00…UTC+14:00` };
    if (minutes === 0) return { zone: "UTC" };
    if (minutes % 60 === 0) return { zone: `Etc/GMT${minutes > 0 ? "-" : "+"}${Math.abs(minutes) / 60}` };
    const abs = Math.abs(minutes);
    const zone = `${minutes > 0 ? "+" : "-"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
    return isTimezone(zone) ? { zone } : { unmappable: `this runtime cannot use the fixed offset ${zone}` };
  }
  return isTimezone(value)
    ? { zone: value }
    : { unmappable: "neither an IANA time zone nor a UTC offset such as GMT+0530" };
}

const timezoneValidity = new Map<string, boolean>();
/** Whether `tz` is a time zone this runtime knows (IANA name, or a fixed offset where supported). */
export function isTimezone(tz: string): boolean {
  let ok = timezoneValidity.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    if (timezoneValidity.size < 1000) timezoneValidity.set(tz, ok);
  }
  return ok;
}
