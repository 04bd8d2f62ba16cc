import { recordCampaignStats } from "../stores/campaigns/stats";
import type { CampaignStat, StatKind } from "../domain/campaigns/campaign-stat";
import type { Env } from "../env";
import { userStub } from "../engine/user-stub";
import type { ConsentChannel } from "../domain/delivery/channel";
import type { Feedback } from "./channels/types";

/** Who a delivery belongs to: enough to reach the person's UserObject and count the campaign. */
export interface DeliveryOwner {
  idempotencyKey: string;
  appId: string;
  userId: string;
  userObject: string;
  campaignId: string;
  variant: string;
}

/** Counts campaign facts once per send (`<idempotencyKey>:<kind>`). */
export async function countStats(env: Env, owner: DeliveryOwner, kinds: StatKind[], at: number): Promise<void> {
  const stats: CampaignStat[] = [...new Set(kinds)].map((kind) => ({
    dedupeKey: `${owner.idempotencyKey}:${kind}`,
    appId: owner.appId,
    campaignId: owner.campaignId,
    variant: owner.variant,
    kind,
    userId: owner.userId,
    at,
  }));
  await recordCampaignStats(env.DB, stats);
}

/**
 * Tells the person's UserObject how its message fared (timeline, journeys waiting on a
 * delivery). A missing command or an unreachable object must never fail delivery, so
 * errors are logged and swallowed.
 */
export async function reportStatus(
  env: Env,
  owner: DeliveryOwner,
  status: string,
  at: number,
  reason?: string,
): Promise<void> {
  try {
    await userStub(env.USER, owner.userObject).command({
      appId: owner.appId,
      userId: owner.userId,
      anonymous: false,
      feature: "campaigns",
      name: "deliveryStatus",
      args: { idempotencyKey: owner.idempotencyKey, status, ...(reason ? { reason: reason.slice(0, 300) } : {}) },
      now: at,
    });
  } catch (err) {
    console.warn(
      `deliveryStatus ${status} for ${owner.idempotencyKey} not reported: ${String((err as Error).message ?? err)}`,
    );
  }
}

/** Applies what a provider said about the person: a dead device token, or an opt-out. */
export async function applyFeedback(
  env: Env,
  owner: Pick<DeliveryOwner, "appId" | "userObject">,
  feedback: Feedback,
  now: number,
): Promise<void> {
  const user = userStub(env.USER, owner.userObject);
  try {
    if (feedback.kind === "invalid_token")
      await user.invalidateDevice({ appId: owner.appId, token: feedback.token, reason: feedback.reason, now });
    else
      await user.setConsent({
        appId: owner.appId,
        channel: feedback.channel,
        status: "opted_out",
        source: feedback.source,
        now,
      });
  } catch (err) {
    console.error(`feedback ${feedback.kind} for ${owner.userObject} failed`, err);
    throw err;
  }
}

export async function setConsent(
  env: Env,
  owner: Pick<DeliveryOwner, "appId" | "userObject">,
  channel: ConsentChannel,
  status: "opted_in" | "opted_out",
  source: string,
  now: number,
): Promise<void> {
  await userStub(env.USER, owner.userObject).setConsent({ appId: owner.appId, channel, status, source, now });
}
