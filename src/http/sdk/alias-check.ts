import type { Context } from "hono";
import type { BeckonEvent } from "../../domain/events/beckon-event";
import { mapBounded } from "../../kernel/concurrency";
import { userStub } from "../../engine/user-stub";
import type { FieldProblem } from "../../kernel/errors";
import { MAX_OBJECT_CALLS_IN_FLIGHT } from "../middleware/fan-out";
import type { HonoEnv } from "../hono-env";
import { userObjectName } from "../../kernel/ids";

/**
 * Alias of an already identified user (docs/api.md "Users, identity and lifecycle"). Beckon merges
 * anonymous visitors into a person, never two identified people: their traits, consent, devices
 * and journeys would need reconciling rules, and Segment's own meaning of such an alias is
 * destination-specific. So an `alias` whose `previousId` is a stored identified person is refused
 * (400 naming `previousId`), instead of recording a merge that did not happen while the other
 * profile kept its history. Checked after identity verification, so only a caller allowed to act
 * for `userId` learns whether `previousId` is a person.
 */
export const ALIAS_OF_IDENTIFIED =
  "names an identified user; Beckon merges anonymous ids into a person, never two identified people (alias only an anonymousId, or keep both users)";

export interface AliasCall {
  index: number;
  event: BeckonEvent;
  prefix: string;
}

/** The alias calls to refuse, by batch index, with the problem to report. */
export async function aliasesOfIdentifiedUsers(
  c: Context<HonoEnv>,
  aliases: readonly AliasCall[],
): Promise<Map<number, FieldProblem>> {
  const refused = new Map<number, FieldProblem>();
  const previous = [
    ...new Set(
      aliases
        .filter((a) => a.event.previousId && a.event.previousId !== a.event.userId)
        .map((a) => a.event.previousId!),
    ),
  ];
  if (previous.length === 0) return refused;
  const appId = c.get("app").appId;
  const identified = new Set<string>();
  await mapBounded(previous, MAX_OBJECT_CALLS_IN_FLIGHT, async (id) => {
    if (await userStub(c.env.USER, userObjectName(appId, { userId: id }).name).isIdentifiedPerson()) identified.add(id);
  });
  for (const a of aliases) {
    if (a.event.previousId && a.event.previousId !== a.event.userId && identified.has(a.event.previousId)) {
      refused.set(a.index, {
        field: a.prefix ? `${a.prefix}.previousId` : "previousId",
        message: `${JSON.stringify(a.event.previousId)} ${ALIAS_OF_IDENTIFIED}`,
      });
    }
  }
  return refused;
}

/** Distinct previousIds of aliases (each costs an object call, so they count toward the people limit). */
export const aliasTargets = (aliases: readonly AliasCall[]) =>
  new Set(aliases.map((a) => a.event.previousId).filter((id): id is string => !!id)).size;
