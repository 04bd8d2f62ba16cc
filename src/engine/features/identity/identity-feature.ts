import type { UserFeature } from "../../feature";

/**
 * Identity verification in `warn` mode: the edge accepted a call that named this person
 * without a valid user token, and notes it on their timeline (docs/api.md "Identity verification").
 */
export const identityFeature: UserFeature = {
  name: "identity",
  commands: {
    unverified(ctx, args) {
      const a = (args ?? {}) as { problem?: unknown; path?: unknown };
      ctx.timeline.add(ctx.now, "identity", {
        unverifiedUserToken: String(a.problem),
        path: String(a.path),
        note: "accepted without a valid user token (identityVerification: warn)",
      });
      return true;
    },
  },
};
