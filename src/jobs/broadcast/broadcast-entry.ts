import type { Env } from "../../env";
import type { IndexUpdate } from "../../domain/messages/index-update";
import { userStub } from "../../engine/user-stub";
import { userObjectName } from "../../kernel/ids";

type BroadcastWork = Extract<IndexUpdate, { op: "broadcast" }>;

/** Enters one chunk of a broadcast's audience. Each entry is idempotent per occurrence, so a redelivered chunk is harmless. */
export async function enterBroadcastUsers(env: Env, work: BroadcastWork): Promise<void> {
  await Promise.all(
    work.users.map((u) =>
      userStub(
        env.USER,
        userObjectName(work.appId, u.anonymous ? { anonymousId: u.userId } : { userId: u.userId }).name,
      ).command({
        appId: work.appId,
        userId: u.userId,
        anonymous: u.anonymous,
        feature: "campaigns",
        name: "enterBroadcast",
        args: {
          campaignId: work.campaignId,
          occurrence: work.occurrence,
          ...(work.localDate ? { localDate: work.localDate } : {}),
        },
        // Under a virtual clock (tests, replays) the fan-out's clock is the time; otherwise the wall clock.
        now: work.virtualClock ? work.now : Math.max(work.now, Date.now()),
        virtualClock: work.virtualClock,
        configVersion: work.configVersion,
      }),
    ),
  );
}
