import * as z from "zod";
import type { Json, JsonObject } from "../kernel/json";
import type { Millis } from "../kernel/clock";
import type { AppConfig } from "../stores/config/app-config";
import type { SendJob } from "../domain/delivery/send-job";
import type { CampaignStat } from "../domain/campaigns/campaign-stat";
import type { CounterRow } from "../domain/analytics/counters";
import type { BeckonEvent } from "../domain/events/beckon-event";
import type { UserProfile } from "../domain/profile/profile";
import type { Timeline } from "./timeline";
import type { Timer, TimerTable } from "./timers";
import type { CommandArgs, CommandName, CommandResult, FeatureName } from "./user-commands";

/**
 * What a feature (campaigns, geofences, segments, lifecycle) may touch inside a
 * UserObject. Everything here is synchronous and runs inside the object's
 * storage transaction, so an effect and the timer or event that caused it
 * commit together or not at all.
 */
export interface UserContext {
  readonly now: Millis;
  readonly config: AppConfig;
  readonly profile: UserProfile;
  readonly sql: SqlStorage;
  readonly timers: TimerTable;
  readonly timeline: Timeline;
  readonly devices: DeviceView;
  /** Feed an internal event (e.g. `Lifecycle Changed`) back through every feature, after the current one. */
  emit(name: string, properties: JsonObject): void;
  /** Record a send job in the outbox; it is enqueued on SENDS right after the transaction commits. */
  enqueueSend(job: SendJob): void;
  /** The delivery consumer reported on this send: its outbox row has done its job and stops being re-sent. */
  acknowledgeSend(idempotencyKey: string): void;
  /** Count a campaign fact (entered, converted, impression…); written to D1 through the INDEX queue. */
  recordStat(stat: CampaignStat): void;
  /** Add to app-wide analytics counters (funnels, retention, lifecycle flow); one INDEX-queue message per transaction, applied once. */
  recordCounts(rows: CounterRow[]): void;
  /** Ask for a users-index update after this transaction (debounced unless `urgent`). */
  touchIndex(urgent: boolean): void;
  /** Attributes every feature publishes (rfm segment, churn band, segment memberships…), for conditions. */
  attrs(): JsonObject;
  /** Push a message to the person's live connections (connected apps), if any. */
  live(message: LiveMessage): void;
  /** The person's recent-event log for one event name (SDK events, oldest first), including this call's events so far. */
  eventLog(name: string, since?: Millis): Array<{ at: number; properties: string }>;
  /**
   * A value kept for the rest of this transaction (one ingest call, timer or command):
   * lets a per-event hook read its state once per call instead of once per event.
   * Whoever writes that state must `forget` the key (or the cached value must be updated in place).
   */
  memo<T>(key: string, load: () => T): T;
  forget(key: string): void;
  /** Runs `write` once, just before this transaction commits; a later registration of the same key replaces it. */
  beforeCommit(key: string, write: () => void): void;
}

/** A message on a live connection (sent as JSON). */
export interface LiveMessage {
  type: string;
  [key: string]: unknown;
}

export interface DeviceView {
  /** Live push targets (valid tokens). */
  pushTargets(): Array<{
    provider: "fcm" | "apns" | "webpush";
    platform: "android" | "ios" | "web";
    token: string;
    subscription?: { endpoint: string; keys: { p256dh: string; auth: string } };
  }>;
}

/** A pluggable part of the UserObject's behaviour. All hooks are optional and synchronous. */
export interface UserFeature {
  name: string;
  /** Storage this feature needs, appended to the object's schema (CREATE TABLE IF NOT EXISTS …). */
  schema?: string;
  /** Called for every applied event (SDK or internal), in order. */
  onEvent?(ctx: UserContext, event: BeckonEvent): void;
  /** Called once after a call's SDK events were applied, before the internal events they emitted run (e.g. lifecycle re-evaluation). */
  afterEvents?(ctx: UserContext): void;
  /** Called after a change that is not an event: devices, consent, invalid tokens (e.g. to re-evaluate segments). */
  onStateChange?(ctx: UserContext): void;
  /** Timer handlers by timer kind. The timer row is deleted in the same transaction. */
  timers?: Record<string, (ctx: UserContext, timer: Timer) => void>;
  /** Attributes this feature contributes to the users index row. */
  indexAttrs?(ctx: UserContext): JsonObject;
  /** What this feature shows in the admin profile view. */
  describe?(ctx: UserContext): JsonObject;
  /**
   * Commands callers run through `UserObject.command(...)` (RPC), by name. Each runs in
   * one storage transaction; its return value goes back to the caller. Their types are the
   * feature's entry in `UserCommands` (engine/user-commands.ts), checked by `defineFeature`.
   */
  commands?: Readonly<Record<string, CommandHandler>>;
  /** Identity merge, anonymous side: this feature's data to hand to the identified object. */
  handOver?(sql: SqlStorage): Json;
  /** Identity merge, identified side: take in what the anonymous object's `handOver` returned. */
  absorb?(ctx: UserContext, data: Json): void;
  /** A live connection (WebSocket) opened: messages to send it at once (e.g. pending in-app messages). */
  onLiveConnect?(ctx: UserContext): LiveMessage[];
  /** A message from a live connection. */
  onLiveMessage?(ctx: UserContext, message: Json): void;
}

/** What the host sees of a command: arguments in, a result out. Their types live in the registry. */
export interface CommandHandler {
  invoke(ctx: UserContext, args: unknown): unknown;
}

/** A command's handler: the schema its arguments must pass and what it does with them. */
export interface Command<A, R> extends CommandHandler {
  readonly args: z.ZodType<A>;
  readonly run: (ctx: UserContext, args: A) => R;
  invoke(ctx: UserContext, args: unknown): R;
}

/**
 * A command handler. Arguments arrive by structured clone from other code — the edge, a consumer,
 * possibly of another deploy while a new version rolls out — so they are checked here, at the
 * handler, and a mismatch fails loudly naming the field instead of writing a half-understood call.
 */
export function command<A, R>(args: z.ZodType<A>, run: (ctx: UserContext, args: A) => R): Command<A, R> {
  return {
    args,
    run,
    invoke(ctx, raw) {
      const parsed = args.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`invalid command arguments: ${issue?.path.join(".") || "(args)"}: ${issue?.message}`);
      }
      return run(ctx, parsed.data);
    },
  };
}

/** The argument schema of a command that takes none. */
export const noArgs = z.object({});

/** The handlers a feature owes its entry in the registry: one per command, with its exact args and result. */
export type CommandsFor<F extends FeatureName> = {
  [N in CommandName<F>]: Command<CommandArgs<F, N>, CommandResult<F, N>>;
};

/**
 * A feature that answers commands: its name picks its entry in `UserCommands`, and the compiler
 * checks that the handlers match it (none missing, none extra, the same args and results).
 */
export function defineFeature<const F extends FeatureName>(
  feature: Omit<UserFeature, "name" | "commands"> & { name: F; commands: NoInfer<CommandsFor<F>> },
): UserFeature {
  return feature;
}
