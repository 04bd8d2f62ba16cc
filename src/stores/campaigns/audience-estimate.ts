import { indexShards, type ShardEnv } from "../d1/index-shards";
import { sumRows } from "../d1/shard-merge";
import type { Millis } from "../../kernel/clock";
import { CHURN_BANDS } from "../../domain/segments/bgnbd";
import { ATTR } from "../../domain/segments/index-attrs";
import { RFM_SEGMENTS } from "../../domain/segments/rfm";
import { compileSegmentSql, memberSql, quote } from "../../domain/segments/segment-sql";
import { getSegment } from "../segments/segment-store";
import type { Campaign, Condition } from "../../domain/campaigns/model";

/**
 * How many people a campaign would reach, from the D1 users index (issue 14: "audience estimate
 * before activation"). Three-valued like segment counts (src/domain/segments/segment-sql.ts): every
 * condition the index answers (lifecycle, loyal, consent, RFM segment, churn band, segment
 * membership, broadcast audiences) is exact; the others (traits, event properties, behaviour,
 * context, messages, answers) are unknown, so the true count lies in [min, max] and `estimated`
 * names what the index could not evaluate.
 *
 * Per channel, among the audience, who can receive it (the send-time rules of docs/campaigns.md "Policies"):
 * push — opted in with a live device; email — an address and not opted out; SMS and WhatsApp —
 * a phone and opted in. In-app, content cards and webhooks reach everyone in the audience.
 */
export const ESTIMATE_CHANNELS = ["push", "email", "sms", "whatsapp"] as const;
export type EstimateChannel = (typeof ESTIMATE_CHANNELS)[number];

export interface Bounds {
  min: number;
  max: number;
}
export interface AudienceEstimate {
  /** People in the app's users index. */
  total: number;
  /** People the audience matches: exact when `exact`, else between `min` and `max`. */
  audience: Bounds & { exact: boolean };
  /** Of those, who can receive each channel. */
  channels: Record<EstimateChannel, Bounds>;
  /** Channels the campaign's message steps use, in the order they appear. */
  campaignChannels: string[];
  /** What the index could not evaluate (each widens the bounds). */
  estimated: string[];
  /** For triggered (non-broadcast) campaigns: entering also needs the trigger, which no index predicts. */
  note: string | null;
}

interface Sql3 {
  definite: string;
  possible: string;
}
const TRUE: Sql3 = { definite: "1", possible: "1" };
const unknown = (estimated: string[], what: string): Sql3 => {
  estimated.push(what);
  return { definite: "0", possible: "1" };
};
const and = (parts: Sql3[]): Sql3 =>
  parts.length === 0
    ? TRUE
    : {
        definite: `(${parts.map((p) => p.definite).join(" AND ")})`,
        possible: `(${parts.map((p) => p.possible).join(" AND ")})`,
      };
const or = (parts: Sql3[]): Sql3 => ({
  definite: `(${parts.map((p) => p.definite).join(" OR ")})`,
  possible: `(${parts.map((p) => p.possible).join(" OR ")})`,
});

function enumValues<T extends string>(allowed: readonly T[], op: string, value: unknown): T[] | null {
  const values = op === "eq" ? [value] : op === "in" && Array.isArray(value) ? value : null;
  if (!values || !values.every((v): v is T => typeof v === "string" && (allowed as readonly string[]).includes(v)))
    return null;
  return values as T[];
}

/** A campaign condition as SQL over `users`, in three-valued logic. */
export function conditionSql(c: Condition, now: Millis, estimated: string[]): Sql3 {
  if ("all" in c) return and(c.all.map((x) => conditionSql(x, now, estimated)));
  if ("any" in c) return or(c.any.map((x) => conditionSql(x, now, estimated)));
  if ("not" in c) {
    const inner = conditionSql(c.not, now, estimated);
    return { definite: `(NOT ${inner.possible})`, possible: `(NOT ${inner.definite})` };
  }
  if ("lifecycle" in c) return compileSegmentSql({ type: "lifecycle", in: c.lifecycle as never }, now);
  if ("loyal" in c) return compileSegmentSql({ type: "loyal", value: c.loyal }, now);
  if ("consent" in c)
    return compileSegmentSql({ type: "consent", channel: c.consent.channel, status: c.consent.status }, now);
  if ("attr" in c) {
    const { property, op, value } = c.attr;
    if (property === "rfmSegment") {
      const values = enumValues(RFM_SEGMENTS, op, value);
      if (values) return compileSegmentSql({ type: "rfmSegment", in: values }, now);
    }
    if (property === "churnBand") {
      const values = enumValues(CHURN_BANDS, op, value);
      if (values) return compileSegmentSql({ type: "churnBand", in: values as never }, now);
    }
    if (property === ATTR.segmentIds && op === "contains" && typeof value === "string")
      return { definite: `COALESCE(${memberSql(value)}, 0)`, possible: `COALESCE(${memberSql(value)}, 0)` };
    return unknown(estimated, `attr ${property} ${op}`);
  }
  const [kind] = Object.keys(c);
  const detail = (c as Record<string, { property?: string; event?: string; stepId?: string }>)[kind!];
  return unknown(estimated, `${kind} ${detail?.property ?? detail?.event ?? detail?.stepId ?? ""}`.trim());
}

const attr = (path: string) => `json_extract(attrs, '$.${path}')`;
const consent = (ch: string) => `COALESCE(${attr(`${ATTR.consent}.${ch}`)}, 'unknown')`;
/** Whether the person has an email address / a phone: unknown for rows indexed before `addresses` was. */
const hasAddress = (kind: "email" | "phone"): Sql3 => ({
  definite: `COALESCE((json_type(attrs, '$.${ATTR.addresses}') IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(attrs, '$.${ATTR.addresses}') WHERE value = ${quote(kind)})), 0)`,
  possible: `COALESCE((json_type(attrs, '$.${ATTR.addresses}') IS NULL OR EXISTS (SELECT 1 FROM json_each(attrs, '$.${ATTR.addresses}') WHERE value = ${quote(kind)})), 0)`,
});
const exact = (expr: string): Sql3 => ({ definite: `COALESCE((${expr}), 0)`, possible: `COALESCE((${expr}), 0)` });

export function channelSql(ch: EstimateChannel): Sql3 {
  switch (ch) {
    case "push":
      return exact(
        `${consent("push")} = 'opted_in' AND json_array_length(COALESCE(${attr(ATTR.platforms)}, '[]')) > 0`,
      );
    case "email":
      return and([hasAddress("email"), exact(`${consent("email")} <> 'opted_out'`)]);
    case "sms":
    case "whatsapp":
      return and([hasAddress("phone"), exact(`${consent(ch)} = 'opted_in'`)]);
  }
}

/** The audience of a definition (draft or saved) as SQL: broadcast audience, then the audience condition. */
export async function audienceSql(
  d1: D1Database,
  appId: string,
  def: Campaign,
  now: Millis,
  estimated: string[],
): Promise<Sql3> {
  const parts: Sql3[] = [];
  if (def.trigger.type === "broadcast" && def.broadcastAudience) {
    const b = def.broadcastAudience;
    if (b.lifecycle?.length) parts.push(compileSegmentSql({ type: "lifecycle", in: b.lifecycle as never }, now));
    if (b.segmentId) {
      const segment = await getSegment(d1, appId, b.segmentId);
      if (!segment)
        parts.push({ definite: "0", possible: "0" }), estimated.push(`segment ${b.segmentId} does not exist`);
      else {
        const compiled = compileSegmentSql(segment.filter, now);
        estimated.push(...compiled.estimated.map((e) => `segment ${segment.name}: ${e}`));
        parts.push(compiled);
      }
    }
  }
  if (def.audience) parts.push(conditionSql(def.audience, now, estimated));
  return and(parts);
}

/** Counts in every index shard, added up (a person is in one); segments are read from `DB`. */
export async function estimateAudience(
  env: ShardEnv,
  appId: string,
  def: Campaign,
  now: Millis,
): Promise<AudienceEstimate> {
  const estimated: string[] = [];
  const audience = await audienceSql(env.DB, appId, def, now, estimated);
  const sum = (expr: string, name: string) => `COALESCE(SUM(CASE WHEN ${expr} THEN 1 ELSE 0 END), 0) AS ${name}`;
  const cols = [sum(audience.definite, "a_min"), sum(audience.possible, "a_max")];
  for (const ch of ESTIMATE_CHANNELS) {
    const reach = channelSql(ch);
    cols.push(
      sum(`${audience.definite} AND ${reach.definite}`, `${ch}_min`),
      sum(`${audience.possible} AND ${reach.possible}`, `${ch}_max`),
    );
  }
  const rows = await indexShards(env).across((d1) =>
    d1
      .prepare(`SELECT count(*) AS total, ${cols.join(", ")} FROM users WHERE app_id = ?1`)
      .bind(appId)
      .first<Record<string, number>>(),
  );
  const present = rows.filter((r): r is Record<string, number> => !!r);
  const row = sumRows(present, Object.keys(present[0] ?? {}));
  const n = (k: string) => Number(row?.[k] ?? 0);
  const campaignChannels = [...new Set(def.steps.flatMap((s) => (s.type === "message" ? s.channels : [])))];
  const min = n("a_min");
  const max = n("a_max");
  return {
    total: n("total"),
    audience: { min, max, exact: min === max && estimated.length === 0 },
    channels: Object.fromEntries(
      ESTIMATE_CHANNELS.map((ch) => [ch, { min: n(`${ch}_min`), max: n(`${ch}_max`) }]),
    ) as Record<EstimateChannel, Bounds>,
    campaignChannels,
    estimated: [...new Set(estimated)],
    note:
      def.trigger.type === "broadcast"
        ? null
        : `a ${def.trigger.type}-triggered campaign reaches only those of them who ${def.trigger.type === "api" ? "are triggered through the API" : "meet the trigger"}; this counts everyone the audience matches now`,
  };
}
