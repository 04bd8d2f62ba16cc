import type { MiddlewareHandler } from "hono";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";

/** Benchmark routes exist only where `BENCH_ROUTES = "true"` (bench/, never production): elsewhere they are a 404. */
export const benchOnly: MiddlewareHandler<HonoEnv> = async (c, next) => {
  if (c.env.BENCH_ROUTES !== "true") throw new DomainError(404, "not_found", "no route");
  await next();
};
