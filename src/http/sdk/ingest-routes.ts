import { Hono } from "hono";
import { userStub } from "../../engine/user-stub";
import type { BeckonEvent, SegmentCallType } from "../../domain/events/beckon-event";
import { authenticateWriteKey } from "../middleware/auth";
import { readBody, parseJson } from "../middleware/body";
import { DomainError, type FieldProblem } from "../../kernel/errors";
import type { HonoEnv } from "../hono-env";
import { MAX_BATCH_BYTES, MAX_EVENT_BYTES, parseEntry } from "./segment-schema";
import { userObjectName } from "../../kernel/ids";
import { verifyIdentity } from "../middleware/user-token";
import { mapBounded } from "../../kernel/concurrency";
import { assertPeopleWithinLimit, MAX_OBJECT_CALLS_IN_FLIGHT } from "../middleware/fan-out";
import { type AliasCall, aliasesOfIdentifiedUsers, aliasTargets } from "./alias-check";

/** Segment HTTP Tracking API paths, long and the short forms analytics.js uses. */
const SINGLE_CALLS: Record<string, SegmentCallType> = {
  identify: "identify",
  i: "identify",
  track: "track",
  t: "track",
  page: "page",
  p: "page",
  screen: "screen",
  s: "screen",
  group: "group",
  g: "group",
  alias: "alias",
  a: "alias",
};

export interface RejectedEntry {
  index: number;
  messageId?: string;
  problems: FieldProblem[];
}

export const ingestRoutes = new Hono<HonoEnv>();

/** UTF-8 size for the per-call limit; a string that cannot reach it (≤ 3 bytes per UTF-16 unit) is not encoded. */
const utf8Bytes = (s: string) => (s.length * 3 <= MAX_EVENT_BYTES ? s.length : new TextEncoder().encode(s).byteLength);

const INGEST_PATHS = ["batch", "b", ...Object.keys(SINGLE_CALLS)];

ingestRoutes.on(
  "POST",
  INGEST_PATHS.map((p) => `/${p}`),
  async (c) => {
    const call = new URL(c.req.url).pathname.slice("/v1/".length);
    const { text, bytes } = await readBody(
      c.req.raw,
      MAX_BATCH_BYTES,
      call === "batch" || call === "b" ? "batch" : "request",
    );
    const body = parseJson(text);
    if (!body || typeof body !== "object" || Array.isArray(body))
      throw new DomainError(400, "invalid_input", "body must be a JSON object", [
        { field: "(body)", message: "expected an object" },
      ]);
    const b = body as Record<string, unknown>;
    await authenticateWriteKey(c, b.writeKey);
    const app = c.get("app");
    const receivedAt = c.get("now");

    const single = SINGLE_CALLS[call];
    let entries: unknown[];
    if (single) entries = [b];
    else {
      if (!Array.isArray(b.batch))
        throw new DomainError(400, "invalid_input", "batch: expected an array of calls", [
          { field: "batch", message: "expected an array" },
        ]);
      entries = b.batch;
    }
    const batchSentAt = typeof b.sentAt === "string" ? Date.parse(b.sentAt) : undefined;

    const rejected: RejectedEntry[] = [];
    const groups = new Map<string, { userId: string; anonymous: boolean; events: BeckonEvent[] }>();
    const aliases: AliasCall[] = [];
    for (let index = 0; index < entries.length; index++) {
      const raw = entries[index];
      const json = JSON.stringify(raw) ?? "";
      const result = parseEntry(raw, {
        ...(single ? { type: single } : {}),
        ...(batchSentAt !== undefined && Number.isFinite(batchSentAt) ? { sentAt: batchSentAt } : {}),
        receivedAt,
        prefix: single ? "" : `batch.${index}`,
        bytes: single ? Math.min(json.length, bytes) : utf8Bytes(json),
      });
      if (!result.ok) {
        rejected.push({
          index,
          ...(result.messageId ? { messageId: result.messageId } : {}),
          problems: result.problems,
        });
        continue;
      }
      const event = result.event;
      // Dedupe is on the client's messageId only: two identical calls without one are two things
      // that happened (the same item added twice). Every Segment/RudderStack client sends one.
      if (!event.messageId) event.messageId = `auto-${crypto.randomUUID()}`;
      if (event.type === "alias") aliases.push({ index, event, prefix: single ? "" : `batch.${index}` });
      const target = userObjectName(app.appId, event);
      let group = groups.get(target.name);
      if (!group) groups.set(target.name, (group = { userId: target.userId, anonymous: target.anonymous, events: [] }));
      group.events.push(event);
    }

    assertPeopleWithinLimit(groups.size + aliasTargets(aliases));
    // Identity verification: every identified person named needs a user token for them (src/http/middleware/user-token.ts).
    await verifyIdentity(
      c,
      [...groups.values()].filter((g) => !g.anonymous).map((g) => g.userId),
      b,
    );
    // An alias of an identified user is refused, never recorded as a merge (src/http/sdk/alias-check.ts).
    const refusedAliases = await aliasesOfIdentifiedUsers(c, aliases);
    if (refusedAliases.size > 0) {
      const refused = new Set(aliases.filter((a) => refusedAliases.has(a.index)).map((a) => a.event));
      for (const [name, g] of groups) {
        g.events = g.events.filter((e) => !refused.has(e));
        if (g.events.length === 0) groups.delete(name);
      }
      for (const a of aliases.filter((a) => refusedAliases.has(a.index)))
        rejected.push({
          index: a.index,
          ...(a.event.messageId.startsWith("auto-") ? {} : { messageId: a.event.messageId }),
          problems: [refusedAliases.get(a.index)!],
        });
      rejected.sort((x, y) => x.index - y.index);
    }

    // Per user, events keep their batch order; different users proceed in parallel. Anonymous
    // visitors go first: an identified user in the same batch may absorb one of them (identify
    // after browsing), and must find that visitor's earlier events already applied.
    const ingestGroup = ([name, g]: [string, { userId: string; anonymous: boolean; events: BeckonEvent[] }]) =>
      userStub(c.env.USER, name).ingest({
        appId: app.appId,
        userId: g.userId,
        anonymous: g.anonymous,
        configVersion: app.configVersion,
        now: receivedAt,
        virtualClock: c.get("virtualClock"),
        events: g.events,
      });
    const all = [...groups];
    const anonymousFirst = all.some(([, g]) => g.anonymous) && all.some(([, g]) => !g.anonymous);
    const results = anonymousFirst
      ? [
          ...(await mapBounded(
            all.filter(([, g]) => g.anonymous),
            MAX_OBJECT_CALLS_IN_FLIGHT,
            ingestGroup,
          )),
          ...(await mapBounded(
            all.filter(([, g]) => !g.anonymous),
            MAX_OBJECT_CALLS_IN_FLIGHT,
            ingestGroup,
          )),
        ]
      : await mapBounded(all, MAX_OBJECT_CALLS_IN_FLIGHT, ingestGroup);
    const applied = results.reduce((n, r) => n + r.applied, 0);
    const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
    if (rejected.length > 0) {
      const first = rejected[0]!.problems[0]!;
      return c.json(
        {
          success: false,
          accepted: entries.length - rejected.length,
          applied,
          duplicates,
          rejected,
          error: {
            code: "invalid_input",
            message: single
              ? `${first.field}: ${first.message}`
              : `${rejected.length} of ${entries.length} calls rejected${rejected.length < entries.length ? "; the others were applied" : ""}. First: ${first.field}: ${first.message}`,
            problems: rejected.flatMap((r) => r.problems),
          },
        },
        400,
      );
    }
    return c.json({ success: true, accepted: entries.length, applied, duplicates });
  },
);
