/**
 * The Durable Object name of a person: one object per app + user. Identified
 * users live at `appId/u/userId`; anonymous visitors at `appId/a/anonymousId`
 * until they identify, when the identified object absorbs them.
 */
export function userObjectName(
  appId: string,
  id: { userId?: string | undefined; anonymousId?: string | undefined },
): { name: string; userId: string; anonymous: boolean } {
  if (id.userId) return { name: `${appId}/u/${id.userId}`, userId: id.userId, anonymous: false };
  if (id.anonymousId) return { name: `${appId}/a/${id.anonymousId}`, userId: id.anonymousId, anonymous: true };
  throw new Error("userId or anonymousId is required");
}
