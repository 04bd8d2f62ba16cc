import * as z from "zod";
import { DomainError, problemsOf } from "../../kernel/errors";
import type { Millis } from "../../kernel/clock";

/**
 * Where each person's cross-person rows live (the users index, their campaign facts, RFM memberships):
 * one of N D1 databases, the "index shards". The layout is an append-only list: a shard's number is its
 * position, and a shard takes only people first seen inside its window (`since` ≤ first seen < `until`).
 * A person's shard is chosen once, from the layout as it was when they were first seen, and kept by
 * their object — so adding a shard moves nobody: nothing is copied, nothing counted twice or lost
 * (docs/scale.md "Growing the shards").
 */
export interface IndexShard {
  /** The D1 binding's name in wrangler.toml. */
  binding: string;
  /** First-seen times this shard accepts new people from (ms; 0 for the first shard). */
  since: Millis;
  /** Closes the shard to people first seen from then on (ms), e.g. when it nears D1's 10 GB. */
  until: Millis | null;
  /** Relative share of new people among the shards open at once. */
  weight: number;
}

export type IndexLayout = readonly IndexShard[];

/** The layout of a deployment with one database: everything in `DB`. */
export const SINGLE_SHARD: IndexLayout = [{ binding: "DB", since: 0, until: null, weight: 1 }];

const instant = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);
const ShardSpec = z.union([
  z.string().min(1),
  z.strictObject({
    binding: z.string().min(1),
    since: instant.optional(),
    until: instant.optional(),
    weight: z.number().positive().optional(),
  }),
]);
const LayoutSpec = z.array(ShardSpec).min(1).max(64);

/**
 * Reads `INDEX_SHARDS`: a JSON array of bindings or `{binding, since, until, weight}` (times in ms or ISO 8601),
 * or a comma-separated list of bindings. Unset → one shard, `DB`. A wrong layout is refused whole with the
 * field named: routing people by a half-read layout would scatter them.
 */
export function parseIndexLayout(text: string | undefined): IndexLayout {
  const raw = text?.trim();
  if (!raw) return SINGLE_SHARD;
  let value: unknown;
  if (raw.startsWith("[")) {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new DomainError(500, "invalid_config", "INDEX_SHARDS is not valid JSON");
    }
  } else value = raw.split(",").map((s) => s.trim());
  const parsed = LayoutSpec.safeParse(value);
  if (!parsed.success)
    throw new DomainError(
      500,
      "invalid_config",
      "INDEX_SHARDS is not a valid shard layout",
      problemsOf(parsed.error, "INDEX_SHARDS"),
    );
  const layout = parsed.data.map((s): IndexShard => {
    const spec = typeof s === "string" ? { binding: s } : s;
    return { binding: spec.binding, since: spec.since ?? 0, until: spec.until ?? null, weight: spec.weight ?? 1 };
  });
  const seen = new Set<string>();
  for (const [i, s] of layout.entries()) {
    if (seen.has(s.binding))
      throw new DomainError(500, "invalid_config", `INDEX_SHARDS lists ${s.binding} twice`, [
        { field: `INDEX_SHARDS[${i}]`, message: "each binding once" },
      ]);
    seen.add(s.binding);
    if (s.until !== null && s.until <= s.since)
      throw new DomainError(500, "invalid_config", `INDEX_SHARDS: ${s.binding} closes before it opens`, [
        { field: `INDEX_SHARDS[${i}].until`, message: "must be after since" },
      ]);
  }
  if (layout[0]!.since !== 0)
    throw new DomainError(500, "invalid_config", "INDEX_SHARDS: the first shard must take everyone (no since)", [
      { field: "INDEX_SHARDS[0].since", message: "must be absent or 0" },
    ]);
  return layout;
}

/**
 * The shard of a person first seen at `firstSeen`: weighted rendezvous hashing over the shards open then,
 * so people spread by weight, and the choice depends only on the person and the shards open at that time.
 * When none is open (every shard closed), the last shard to close takes them: never nowhere.
 */
export function homeShard(layout: IndexLayout, appId: string, userId: string, firstSeen: Millis): number {
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const [i, shard] of layout.entries()) {
    if (firstSeen < shard.since || (shard.until !== null && firstSeen >= shard.until)) continue;
    // u in (0, 1); -w/ln(u) is the weighted rendezvous score (larger wins).
    const u = (hash32(`${appId}\u0000${userId}\u0000${i}`) + 0.5) / 4294967296;
    const score = -shard.weight / Math.log(u);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  if (best >= 0) return best;
  let last = 0;
  for (const [i, shard] of layout.entries()) if ((shard.until ?? 0) >= (layout[last]!.until ?? 0)) last = i;
  return last;
}

/** FNV-1a over UTF-16 code units, then murmur3's finaliser: cheap, stable and well spread. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
