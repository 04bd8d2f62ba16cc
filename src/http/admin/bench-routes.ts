import { Hono } from "hono";
import * as z from "zod";
import { runSendsBench } from "../../delivery/bench";
import { DomainError } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { benchOnly } from "../middleware/bench-only";
import { scaleBenchRoutes } from "./scale-bench-routes";

/** Benchmark-only admin routes (`BENCH_ROUTES = "true"`): the send path (bench/sends.mjs) and the scale pieces (bench/scale.mjs). */
export const benchAdminRoutes = new Hono<HonoEnv>();
benchAdminRoutes.use("*", benchOnly);
benchAdminRoutes.route("/scale", scaleBenchRoutes);

/**
 * One SENDS batch of `jobs` sandbox sends through the real consumer, or through the floor — the
 * irreducible work of an exactly-once consumer: every job recorded in one D1 round trip, then
 * acked — so bench/sends.mjs can report a ratio.
 */
benchAdminRoutes.post("/sends", async (c) => {
  const q = z
    .object({ mode: z.enum(["consumer", "floor"]), jobs: z.coerce.number().int().min(1).max(100).default(50) })
    .safeParse({ mode: c.req.query("mode"), jobs: c.req.query("jobs") });
  if (!q.success) throw new DomainError(400, "invalid_input", q.error.issues.map((i) => i.message).join("; "));
  return c.json(await runSendsBench(c.env, c.get("app").appId, q.data.mode, q.data.jobs));
});
