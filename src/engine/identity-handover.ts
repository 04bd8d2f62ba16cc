import { userObjectName } from "../kernel/ids";
import type { BeckonEvent } from "../domain/events/beckon-event";
import { type Handover, mergeProfiles } from "./identity-merge";
import type { ForwardTarget, UserHost } from "./user-host";
import type { IngestCall, UserApi } from "./user-api";

/**
 * Identity merge between objects: an identified person absorbs each anonymous visitor seen
 * with them, once; the visitor's object hands over its history and forwards from then on.
 */

/** The identified side: asks each new anonymous id's object for its history and takes it over. */
export async function absorbAnonymousIds(
  host: UserHost,
  self: string | undefined,
  call: IngestCall,
  peer: (name: string) => UserApi,
): Promise<void> {
  const absorbed = new Set(host.profile?.anonymousIds ?? []);
  const pending = new Set<string>();
  for (const e of call.events) {
    if (e.anonymousId && !absorbed.has(e.anonymousId)) pending.add(e.anonymousId);
    if (e.type === "alias" && e.previousId && e.previousId !== call.userId && !absorbed.has(e.previousId))
      pending.add(e.previousId);
  }
  for (const anonymousId of pending) {
    const handover = await peer(userObjectName(call.appId, { anonymousId }).name).handOver({
      name: self ?? userObjectName(call.appId, { userId: call.userId }).name,
      userId: call.userId,
    });
    // The ingest that follows flushes the outbox and re-arms once for all of them.
    const config = await host.config(call.appId, call.configVersion);
    host.transaction(config, call.now, (ctx) => {
      if (!host.profile) {
        const first = handover?.events.length
          ? [{ timestamp: handover.profile.firstSeen } as BeckonEvent]
          : call.events;
        host.startProfile({ ...call, events: first }, ctx);
      }
      mergeProfiles(ctx.profile, anonymousId, handover);
      if (handover) {
        host.events.absorb(handover, call.now);
        for (const d of handover.devices) host.devices.restore(d);
        for (const f of host.features) {
          const data = handover.features[f.name];
          if (f.absorb && data !== undefined) f.absorb(ctx, data);
        }
      }
      // Nothing was stored under that id: say so rather than recording a merge of nothing.
      ctx.timeline.add(
        call.now,
        "identity",
        handover
          ? { merged: anonymousId, events: handover.events.length }
          : {
              linked: anonymousId,
              events: 0,
              reason: "no visitor was stored under this id; its later anonymous calls come here",
            },
      );
      ctx.touchIndex(true);
    });
  }
}

/** The anonymous side: hands over its history and keeps only a forwarding pointer. */
export async function handOver(host: UserHost, target: ForwardTarget): Promise<Handover | null> {
  if (host.forwardTarget()) return null;
  // Send jobs and stats already decided here must still leave before the tables are cleared.
  await host.outbox.flush();
  const profile = host.profile;
  const handover: Handover | null = profile
    ? {
        profile,
        ...host.events.handOver(),
        devices: host.devices.list(),
        features: Object.fromEntries(
          host.features.filter((f) => f.handOver).map((f) => [f.name, f.handOver!(host.sql)]),
        ),
      }
    : null;
  const shard = host.indexShard() ?? 0;
  host.state.storage.transactionSync(() => {
    for (const table of host.tables())
      if (table !== "meta" && table !== "schema_version" && table !== "outbox") host.sql.exec(`DELETE FROM "${table}"`);
    // Sends already on the queue would be acknowledged to the identified object: stop tracking them here.
    host.outbox.forgetEnqueued();
    host.setMeta("mergedInto", JSON.stringify(target));
  });
  host.forgetProfile();
  await host.clearAlarm();
  if (profile)
    await host.env.INDEX.send({
      op: "delete",
      appId: profile.appId,
      userId: profile.userId,
      version: Date.now(),
      ...(shard ? { shard } : {}),
    });
  return handover;
}
