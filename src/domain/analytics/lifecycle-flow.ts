import { conversionUplift, type Uplift } from "../campaigns/uplift";
import type { CounterRow } from "./counters";
import { weekOf } from "./retention";

/**
 * Lifecycle flow, pure: the moves between lifecycle states the objects make (`Lifecycle Changed`),
 * and becoming loyal (`Became Loyal`, counted as `* → loyal`), per UTC day or ISO week.
 * Moves are counted, not people: someone who goes active → dormant → active in a week counts twice.
 */
export const LIFECYCLE_STATES = ["new", "active", "dormant", "churned"] as const;
/** A campaign is credited with a person's lifecycle move this long after they entered it. */
export const ATTRIBUTION_DAYS = 30;

export function moveRow(day: string, from: string, to: string): CounterRow {
  return { kind: "lifecycle", subject: "", day, dim: from, value: to, step: 0, bucket: -1, n: 1 };
}

/** A person who entered the campaign (`treatment` or `control`) made this move: counted once per person, campaign and move. */
export function campaignMoveRow(
  day: string,
  campaignId: string,
  group: "treatment" | "control",
  from: string,
  to: string,
): CounterRow {
  return {
    kind: "lc_campaign",
    subject: campaignId,
    day,
    dim: group,
    value: `${from}>${to}`,
    step: 0,
    bucket: -1,
    n: 1,
  };
}

export interface FlowPeriod {
  period: string;
  moves: Array<{ from: string; to: string; n: number }>;
}

/** Daily move counters folded by day or week (largest moves first within a period). */
export function flowTable(
  by: "day" | "week",
  rows: ReadonlyArray<{ day: string; dim: string; value: string; n: number }>,
): FlowPeriod[] {
  const periods = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const p = by === "day" ? r.day : weekOf(r.day);
    const m = periods.get(p) ?? new Map<string, number>();
    const k = `${r.dim}\u0000${r.value}`;
    m.set(k, (m.get(k) ?? 0) + r.n);
    periods.set(p, m);
  }
  return [...periods.keys()].sort().map((period) => ({
    period,
    moves: [...periods.get(period)!]
      .map(([k, n]) => {
        const [from, to] = k.split("\u0000") as [string, string];
        return { from, to, n };
      })
      .sort((a, b) => b.n - a.n || a.from.localeCompare(b.from) || a.to.localeCompare(b.to)),
  }));
}

/** The campaign's difference on one move: people who made it ÷ people who entered, treatment vs control. */
export function transitionUplift(
  entered: { treatment: number; control: number },
  moved: { treatment: number; control: number },
  confidence = 0.95,
): Uplift {
  return conversionUplift(
    { users: entered.treatment, conversions: moved.treatment },
    { users: entered.control, conversions: moved.control },
    confidence,
  );
}
