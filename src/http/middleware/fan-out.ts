import { DomainError } from "../../kernel/errors";

/**
 * How far one request may fan out (docs/segments.md "Limits"). Each distinct person is one Durable Object
 * call; unbounded, a 500 KB batch naming thousands of people opened them all at once and
 * exhausted the runtime's file descriptors for every other request.
 */
export const MAX_PEOPLE_PER_REQUEST = 1000;
export const MAX_OBJECT_CALLS_IN_FLIGHT = 32;

export function assertPeopleWithinLimit(people: number): void {
  if (people > MAX_PEOPLE_PER_REQUEST)
    throw new DomainError(
      400,
      "too_many_people",
      `batch names ${people} distinct people; the limit is ${MAX_PEOPLE_PER_REQUEST} per request (split the batch)`,
      [{ field: "batch", message: `more than ${MAX_PEOPLE_PER_REQUEST} distinct userIds/anonymousIds` }],
    );
}
