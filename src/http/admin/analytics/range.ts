import * as z from "zod";
import { DAY } from "../../../kernel/clock";
import { DomainError } from "../../../kernel/errors";

/** A day as the analytics routes take it: `YYYY-MM-DD`, UTC. */
export const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** from/to defaults (the last `days` days, today included) and checks, errors naming the field. */
export function dayRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: number,
  days: number,
  maxDays = 366,
): { from: string; to: string } {
  const to = q.to ?? utcDay(now);
  const from = q.from ?? utcDay(Date.parse(`${to}T00:00:00Z`) - (days - 1) * DAY);
  for (const [field, v] of [
    ["from", from],
    ["to", to],
  ] as const)
    if (Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
      throw new DomainError(400, "invalid_input", `${field}: not a date`, [{ field, message: "not a date" }]);
  if (from > to)
    throw new DomainError(400, "invalid_input", "from: must not be after to", [
      { field: "from", message: "must not be after to" },
    ]);
  if ((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY + 1 > maxDays)
    throw new DomainError(400, "invalid_input", `to: at most ${maxDays} days from from`, [
      { field: "to", message: `at most ${maxDays} days from from` },
    ]);
  return { from, to };
}
