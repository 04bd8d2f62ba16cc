import type { MiddlewareHandler } from "hono";
import type { Env } from "../../env";
import type { HonoEnv } from "../hono-env";
import type { Millis } from "../../kernel/clock";
import { DomainError } from "../../kernel/errors";

/**
 * The request's clock. Tests and the CDNOW replay run in virtual time by sending
 * `X-Beckon-Clock: <ISO date or epoch ms>`; production ignores the header.
 */
export function requestClock(env: Env, header: string | undefined): { now: Millis; virtual: boolean } {
  if (header && env.ALLOW_VIRTUAL_CLOCK === "true") {
    const now = /^\d+$/.test(header) ? Number(header) : Date.parse(header);
    if (!Number.isFinite(now)) throw new DomainError(400, "invalid_input", "X-Beckon-Clock: not a date");
    return { now, virtual: true };
  }
  return { now: Date.now(), virtual: false };
}

/** Every request's clock, set once before any route: auth only authenticates. */
export const requestClockMiddleware: MiddlewareHandler<HonoEnv> = async (c, next) => {
  const clock = requestClock(c.env, c.req.header("x-beckon-clock"));
  c.set("now", clock.now);
  c.set("virtualClock", clock.virtual);
  await next();
};
