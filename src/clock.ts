import { HttpError } from "./http/errors";
import type { Env } from "./env";

/** Milliseconds since the epoch. Domain code never reads the wall clock: the edge passes `now` in. */
export type Millis = number;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * The request's clock. Tests and the CDNOW replay run in virtual time by sending
 * `X-Beckon-Clock: <ISO date or epoch ms>`; production ignores the header.
 */
export function requestClock(env: Env, header: string | undefined): { now: Millis; virtual: boolean } {
  if (header && env.ALLOW_VIRTUAL_CLOCK === "true") {
    const now = /^\d+$/.test(header) ? Number(header) : Date.parse(header);
    if (!Number.isFinite(now)) throw new HttpError(400, "invalid_input", "X-Beckon-Clock: not a date");
    return { now, virtual: true };
  }
  return { now: Date.now(), virtual: false };
}
