import * as z from "zod";
import { command, defineFeature } from "../../feature";

/**
 * Identity verification in `warn` mode: the edge accepted a call that named this person
 * without a valid user token, and notes it on their timeline (docs/api.md "Identity verification").
 */
export const identityFeature = defineFeature({
  name: "identity",
  commands: {
    unverified: command(z.object({ problem: z.string(), path: z.string() }), (ctx, a) => {
      ctx.timeline.add(ctx.now, "identity", {
        unverifiedUserToken: a.problem,
        path: a.path,
        note: "accepted without a valid user token (identityVerification: warn)",
      });
      return true as const;
    }),
  },
});
