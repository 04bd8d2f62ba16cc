import * as z from "zod";
import { DAY, HOUR, MINUTE, type Millis } from "../../kernel/clock";
import { CONSENT_CHANNELS } from "../delivery/channel";
import { PropertyFilter, PropertyFilters } from "../filters/property-filter";
import { LIFECYCLE_STATES } from "../lifecycle/lifecycle";
import { RFM_SEGMENTS } from "./rfm";
import { CHURN_BANDS } from "./bgnbd";

/**
 * The segment language: a JSON tree of conditions combined with and / or / not.
 * Every node has a `type`. Conditions read the person's state (traits, lifecycle,
 * RFM, churn, consent, devices, counters) or their behaviour in a time window
 * (events and sessions in the last D). Validated by zod, so a bad segment is
 * rejected with the path of the offending field (`filter.and.1.within`).
 */

/** "90m", "24h", "7d", "2w": a window length, at most 400 days. */
export const Duration = z.string().superRefine((s, ctx) => {
  if (!/^\d{1,4}(m|h|d|w)$/.test(s))
    ctx.addIssue({ code: "custom", message: 'expected a duration like "30m", "24h", "7d" or "2w"' });
  else if (durationMs(s) > 400 * DAY) ctx.addIssue({ code: "custom", message: "at most 400 days" });
});

const UNIT: Record<string, number> = { m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };
export function durationMs(s: string): Millis {
  return Number(s.slice(0, -1)) * UNIT[s.slice(-1)]!;
}

const Comparison = z.enum(["eq", "neq", "gt", "gte", "lt", "lte"]);
export type Comparison = z.infer<typeof Comparison>;
const count = z.number().int().min(0).max(100_000);

const TraitCondition = z.object({ type: z.literal("trait") }).and(PropertyFilter);
/** The person's last-known context (`app.version`, `os.name`, `firstCampaign.name`, …). */
const ContextCondition = z.object({ type: z.literal("context") }).and(PropertyFilter);

const LifecycleCondition = z
  .object({
    type: z.literal("lifecycle"),
    in: z.array(z.enum(LIFECYCLE_STATES as unknown as [string, ...string[]])).min(1),
  })
  .strict();
const LoyalCondition = z.object({ type: z.literal("loyal"), value: z.boolean().default(true) }).strict();
const RfmCondition = z.object({ type: z.literal("rfmSegment"), in: z.array(z.enum(RFM_SEGMENTS)).min(1) }).strict();
const ChurnCondition = z
  .object({
    type: z.literal("churnBand"),
    in: z.array(z.enum(CHURN_BANDS as unknown as ["high", "medium", "low"])).min(1),
  })
  .strict();
const ScoreCondition = z
  .object({
    type: z.literal("score"),
    score: z.enum(["r", "f", "m", "pAlive", "expectedPurchases30"]),
    op: Comparison,
    value: z.number().finite(),
  })
  .strict();
const ConsentCondition = z
  .object({
    type: z.literal("consent"),
    channel: z.enum(CONSENT_CHANNELS),
    status: z.enum(["opted_in", "opted_out", "unknown"]),
  })
  .strict();
const PlatformCondition = z
  .object({ type: z.literal("platform"), in: z.array(z.enum(["ios", "android", "web"])).min(1) })
  .strict();
const CounterCondition = z
  .object({
    type: z.literal("counter"),
    counter: z.enum(["purchases", "revenue", "sessions"]),
    op: Comparison,
    value: z.number().finite(),
  })
  .strict();
const SeenCondition = z.object({ type: z.literal("seen"), when: z.enum(["first", "last"]), within: Duration }).strict();

type Bounds = { atLeast?: number | undefined; atMost?: number | undefined };
function checkBounds(c: Bounds, ctx: z.RefinementCtx): void {
  if (c.atLeast !== undefined && c.atMost !== undefined && c.atLeast > c.atMost)
    ctx.addIssue({ code: "custom", path: ["atMost"], message: "must be ≥ atLeast" });
}

/**
 * `did` (default true): at least `atLeast` (default 1) and at most `atMost` matching events
 * in the window. `did: false` means none (it cannot be combined with the bounds).
 */
const EventCondition = z
  .object({
    type: z.literal("event"),
    name: z.string().min(1).max(256),
    did: z.boolean().default(true),
    where: PropertyFilters.optional(),
    within: Duration,
    atLeast: count.optional(),
    atMost: count.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    checkBounds(c, ctx);
    if (!c.did && (c.atLeast !== undefined || c.atMost !== undefined))
      ctx.addIssue({ code: "custom", path: ["did"], message: "did: false means no such event; drop atLeast/atMost" });
  });
const SessionCondition = z
  .object({ type: z.literal("sessions"), within: Duration, atLeast: count.optional(), atMost: count.optional() })
  .strict()
  .superRefine(checkBounds);

export type SegmentFilter =
  | { type: "and"; filters: SegmentFilter[] }
  | { type: "or"; filters: SegmentFilter[] }
  | { type: "not"; filter: SegmentFilter }
  | z.infer<typeof TraitCondition>
  | z.infer<typeof ContextCondition>
  | z.infer<typeof LifecycleCondition>
  | z.infer<typeof LoyalCondition>
  | z.infer<typeof RfmCondition>
  | z.infer<typeof ChurnCondition>
  | z.infer<typeof ScoreCondition>
  | z.infer<typeof ConsentCondition>
  | z.infer<typeof PlatformCondition>
  | z.infer<typeof CounterCondition>
  | z.infer<typeof SeenCondition>
  | z.infer<typeof EventCondition>
  | z.infer<typeof SessionCondition>;

export type EventCondition = z.infer<typeof EventCondition>;
export type SessionCondition = z.infer<typeof SessionCondition>;

const LEAVES = {
  trait: TraitCondition,
  context: ContextCondition,
  lifecycle: LifecycleCondition,
  loyal: LoyalCondition,
  rfmSegment: RfmCondition,
  churnBand: ChurnCondition,
  score: ScoreCondition,
  consent: ConsentCondition,
  platform: PlatformCondition,
  counter: CounterCondition,
  seen: SeenCondition,
  event: EventCondition,
  sessions: SessionCondition,
} as const;
export const CONDITION_TYPES = ["and", "or", "not", ...Object.keys(LEAVES)] as const;

/**
 * The filter schema. Dispatches on `type` by hand (rather than a union) so an
 * error names the one schema that applies, not every alternative.
 */
export const SegmentFilter: z.ZodType<SegmentFilter> = z.lazy(() =>
  z.unknown().transform((raw, ctx): SegmentFilter => {
    const type = raw && typeof raw === "object" ? (raw as { type?: unknown }).type : undefined;
    if (type === "and" || type === "or") {
      const parsed = z
        .object({ type: z.literal(type), filters: z.array(SegmentFilter).min(1).max(50) })
        .strict()
        .safeParse(raw);
      return forward(parsed, ctx);
    }
    if (type === "not")
      return forward(
        z
          .object({ type: z.literal("not"), filter: SegmentFilter })
          .strict()
          .safeParse(raw),
        ctx,
      );
    const leaf = typeof type === "string" ? LEAVES[type as keyof typeof LEAVES] : undefined;
    if (!leaf) {
      ctx.addIssue({ code: "custom", path: ["type"], message: `expected one of ${CONDITION_TYPES.join(", ")}` });
      return z.NEVER;
    }
    return forward((leaf as z.ZodType).safeParse(raw), ctx) as SegmentFilter;
  }),
);

function forward<T>(parsed: z.ZodSafeParseResult<T>, ctx: z.RefinementCtx): T {
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({ code: "custom", path: issue.path as PropertyKey[], message: issue.message });
  return z.NEVER;
}

/** Limits that keep live evaluation cheap on every event. */
export const MAX_CONDITIONS = 50;
export const MAX_DEPTH = 6;

export function conditionCount(f: SegmentFilter, depth = 1): { conditions: number; depth: number } {
  if (f.type === "and" || f.type === "or") {
    let acc = { conditions: 0, depth };
    for (const child of f.filters) {
      const c = conditionCount(child, depth + 1);
      acc = { conditions: acc.conditions + c.conditions, depth: Math.max(acc.depth, c.depth) };
    }
    return acc;
  }
  if (f.type === "not") return conditionCount(f.filter, depth + 1);
  return { conditions: 1, depth };
}

export const SegmentDefinition = z
  .object({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).default(""),
    filter: SegmentFilter,
  })
  .strict()
  .superRefine((d, ctx) => {
    const size = conditionCount(d.filter);
    if (size.conditions > MAX_CONDITIONS)
      ctx.addIssue({
        code: "custom",
        path: ["filter"],
        message: `at most ${MAX_CONDITIONS} conditions (has ${size.conditions})`,
      });
    if (size.depth > MAX_DEPTH)
      ctx.addIssue({ code: "custom", path: ["filter"], message: `nesting deeper than ${MAX_DEPTH} levels` });
  });
export type SegmentDefinition = z.infer<typeof SegmentDefinition>;

export type { PropertyFilter };
