import type { JsonObject } from "../kernel/json";
import type { Millis } from "../kernel/clock";
import type { BeckonEvent } from "../domain/events/beckon-event";
import type { ConsentChannel } from "../domain/delivery/channel";
import type { DeviceRecord, DeviceTable, DeviceUpdate } from "./devices";
import type { Handover } from "./identity-merge";
import type { UserProfile } from "../domain/profile/profile";
import type { TimelineCursor, TimelineEntry } from "./timeline";
import type { Timer } from "./timers";
import type { CommandCall, CommandName, CommandResult, FeatureName } from "./user-commands";

/**
 * The UserObject's RPC surface: what the edge, the consumers and other objects may ask of
 * a person. Declared apart from the class so that callers (and `Env`) depend on this
 * contract, not on the object and everything it runs.
 */
export interface UserApi extends Rpc.DurableObjectBranded {
  ingest(call: IngestCall): Promise<IngestResult>;
  updateDevices(call: Omit<IngestCall, "events"> & { update: DeviceUpdate }): Promise<{ devices: number }>;
  invalidateDevice(call: { appId: string; token: string; reason: string; now: Millis }): Promise<boolean>;
  setConsent(call: {
    appId: string;
    channel: ConsentChannel;
    status: "opted_in" | "opted_out" | "unknown";
    source: string;
    now: Millis;
  }): Promise<void>;
  getProfile(): Promise<ProfileView | null>;
  getTimeline(opts: {
    limit: number;
    before?: TimelineCursor;
  }): Promise<{ entries: TimelineEntry[]; next: string | null } | null>;
  exportData(): Promise<UserExport | null>;
  erase(now: Millis): Promise<{ existed: boolean; anonymousIds: string[]; version: number }>;
  tick(now: Millis): Promise<{ fired: number }>;
  handOver(target: { name: string; userId: string }): Promise<Handover | null>;
  noop(): Promise<number>;
  /**
   * A feature's command (engine/user-commands.ts: each feature declares its commands' args and
   * result). `null` when the person has no profile and the call did not ask to create one.
   */
  command<F extends FeatureName, N extends CommandName<F>>(
    call: CommandCall<F, N> & { createIfMissing: true },
  ): Promise<CommandResult<F, N>>;
  command<F extends FeatureName, N extends CommandName<F>>(
    call: CommandCall<F, N>,
  ): Promise<CommandResult<F, N> | null>;
  fetch(request: Request): Promise<Response>;
  isIdentifiedPerson(): Promise<boolean>;
}

export interface IngestCall {
  appId: string;
  /** This object's user: the external userId, or the anonymousId while anonymous. */
  userId: string;
  anonymous: boolean;
  configVersion: number;
  now: Millis;
  virtualClock: boolean;
  events: BeckonEvent[];
}

export interface IngestResult {
  applied: number;
  duplicates: number;
  /** Send jobs enqueued by this call (idempotency keys). */
  enqueued: string[];
}

export interface ProfileView {
  profile: UserProfile;
  devices: ReturnType<DeviceTable["list"]>;
  timers: Timer[];
  features: JsonObject;
}

export interface UserExport {
  profile: UserProfile;
  devices: DeviceRecord[];
  events: Record<string, SqlStorageValue>[];
  timeline: Record<string, SqlStorageValue>[];
  timers: Record<string, SqlStorageValue>[];
  features: Record<string, Record<string, SqlStorageValue>[]>;
}
