import type { Context } from "hono";
import type { UserApi } from "../engine/user-api";
import type { CommandArgs, CommandName, CommandResult, FeatureName, PersonCall } from "../engine/user-commands";
import { userStub } from "../engine/user-stub";
import { userObjectName } from "../kernel/ids";
import type { HonoEnv } from "./hono-env";

/** The person a request names (`userId`, else `anonymousId`): their object, and what every call to it carries for them. */
export function personOf(
  c: Context<HonoEnv>,
  who: { userId?: string | undefined; anonymousId?: string | undefined },
): { stub: UserApi; call: PersonCall } {
  const app = c.get("app");
  const target = userObjectName(app.appId, who);
  return {
    stub: userStub(c.env.USER, target.name),
    call: {
      appId: app.appId,
      userId: target.userId,
      anonymous: target.anonymous,
      now: c.get("now"),
      configVersion: app.configVersion,
      virtualClock: c.get("virtualClock"),
    },
  };
}

/** A feature's command for the person the request names; `null` for someone never seen (nothing is created). */
export async function personCommand<F extends FeatureName, N extends CommandName<F>>(
  c: Context<HonoEnv>,
  who: { userId?: string | undefined; anonymousId?: string | undefined },
  feature: F,
  name: N,
  args: CommandArgs<F, N>,
): Promise<CommandResult<F, N> | null> {
  const { stub, call } = personOf(c, who);
  return stub.command({ ...call, feature, name, args });
}

/** The admin API names a person by `userId`, or by their anonymousId with `?anonymous=true`. */
export const adminPerson = (userId: string, anonymous: string | undefined) =>
  anonymous === "true" ? { anonymousId: userId } : { userId };
