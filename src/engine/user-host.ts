import { DAY, MINUTE, type Millis } from "../kernel/clock";
import type { JsonObject } from "../kernel/json";
import { aggregate } from "../domain/analytics/counters";
import { exportFormatOf, exportMessages, PIPELINE_BINDINGS } from "../domain/analytics/export";
import { indexRowOf, type IndexUpdate } from "../domain/messages/index-update";
import { newProfile, type UserProfile } from "../domain/profile/profile";
import { counterInterval, indexShardOf, sendQueueOf } from "./placement";
import { type AppConfig, cachedAppConfig, loadAppConfig } from "../stores/config/app-config";
import type { Env } from "../env";
import { DeviceTable } from "./devices";
import { EventLog } from "./event-log";
import type { LiveMessage, UserContext, UserFeature } from "./feature";
import { Outbox } from "./outbox";
import { Run } from "./run";
import { applyUserSchema, userSchemaFingerprint } from "./storage-schema";
import { Timeline } from "./timeline";
import { TimerTable } from "./timers";
import type { IngestCall } from "./user-api";

/** How stale the isolate's config may be when an alarm (not a request) needs it. */
const TIMER_CONFIG_MAX_AGE = 5 * MINUTE;
/** How soon an alarm comes back for outbox rows a dead object never flushed. */
const OUTBOX_GUARD_MS = 5_000;
const SCHEMA_META_KEY = "schema";

/** Where a merged (anonymous) object forwards: the identified person that absorbed it. */
export interface ForwardTarget {
  name: string;
  userId: string;
}

/**
 * A person's storage and the machinery every entry point shares: the schema, the in-memory
 * profile and meta, the transaction that runs features and commits their effects together,
 * the outbox, timers and the alarm. The UserObject's RPC methods are thin uses of it.
 */
export class UserHost {
  readonly sql: SqlStorage;
  readonly timers: TimerTable;
  readonly timeline: Timeline;
  readonly devices: DeviceTable;
  readonly events: EventLog;
  readonly outbox: Outbox;
  profile: UserProfile | null = null;
  private meta = new Map<string, string>();
  private armedAt: Millis | null = null;
  /** The profile document as last stored: a transaction that changed nothing skips the write. */
  private storedProfileDoc: string | null = null;
  private readonly schemas: string[];

  constructor(
    readonly state: DurableObjectState,
    readonly env: Env,
    readonly features: readonly UserFeature[],
  ) {
    this.sql = state.storage.sql;
    this.timers = new TimerTable(this.sql);
    this.timeline = new Timeline(this.sql);
    this.devices = new DeviceTable(this.sql);
    this.events = new EventLog(this.sql);
    this.outbox = new Outbox(
      this.sql,
      this.timers,
      this.timeline,
      env,
      () => this.indexShard(),
      () => sendQueueOf(this.env, this.state.id.toString()),
    );
    this.schemas = features.map((f) => f.schema).filter((s): s is string => !!s);
  }

  /** Applies the schema when this version of the code has not yet, then reads the state into memory. */
  load(): void {
    const fingerprint = userSchemaFingerprint(this.schemas);
    const hasMeta =
      this.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).toArray().length > 0;
    const schema = hasMeta
      ? this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, SCHEMA_META_KEY).toArray()[0]?.value
      : undefined;
    if (schema !== fingerprint) {
      applyUserSchema(this.sql, this.schemas);
      this.sql.exec(
        `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        SCHEMA_META_KEY,
        fingerprint,
      );
    }
    this.readState();
    this.armedAt = null;
  }

  /** The in-memory copies of what storage holds (meta, profile). */
  private readState(): void {
    this.meta = new Map(
      this.sql
        .exec<{ key: string; value: string }>(`SELECT key, value FROM meta`)
        .toArray()
        .map((r) => [r.key, r.value]),
    );
    const row = this.sql.exec<{ doc: string }>(`SELECT doc FROM profile WHERE id = 1`).toArray()[0];
    this.profile = row ? (JSON.parse(row.doc) as UserProfile) : null;
    this.storedProfileDoc = row?.doc ?? null;
    this.outbox.reset();
    this.timers.forget();
  }

  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
    this.sql.exec(
      `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      key,
      value,
    );
  }

  /** The person's index shard, chosen once from their first-seen time and kept (src/engine/placement.ts). */
  indexShard(): number | null {
    return indexShardOf(this.env, this.profile, {
      get: () => this.meta.get("indexShard"),
      set: (v) => this.setMeta("indexShard", v),
    });
  }

  /** The identified person this object was merged into, if it was: every call is forwarded there. */
  forwardTarget(): ForwardTarget | null {
    const merged = this.meta.get("mergedInto");
    return merged ? (JSON.parse(merged) as ForwardTarget) : null;
  }

  get virtualClock(): boolean {
    return this.meta.get("virtualClock") === "1";
  }

  /** Objects driven by a virtual clock (tests, replays) ignore real alarms and advance through `tick`. */
  markVirtualClock(virtual: boolean | undefined): void {
    if (virtual && !this.virtualClock) this.setMeta("virtualClock", "1");
  }

  /** The app's compiled config at `minVersion` or newer (the version the edge saw). */
  async config(appId: string, minVersion: number): Promise<AppConfig> {
    const cached = cachedAppConfig(appId);
    if (cached) {
      const config = await cached;
      if (config.version >= minVersion) return config;
    }
    // A newer config than this isolate holds: load it once, without other calls interleaving.
    let config!: AppConfig;
    await this.state.blockConcurrencyWhile(
      async () => void (config = await loadAppConfig(this.env.DB, appId, minVersion)),
    );
    return config;
  }

  /**
   * Config for work no request brought (alarms): the isolate's copy, re-checked against
   * D1's config version when older than TIMER_CONFIG_MAX_AGE, so a nightly model or a
   * segment edit reaches objects that see no events. Not on the event path.
   */
  async timerConfig(appId: string): Promise<AppConfig> {
    const cached = cachedAppConfig(appId);
    const config = cached ? await cached : undefined;
    if (config && Date.now() - config.loadedAt < TIMER_CONFIG_MAX_AGE) return config;
    const row = await this.env.DB.prepare(`SELECT config_version FROM apps WHERE id = ?`)
      .bind(appId)
      .first<{ config_version: number }>();
    const current = await this.config(appId, row?.config_version ?? 0);
    current.loadedAt = Date.now(); // confirmed current as of now
    return current;
  }

  /** The common shape of a change: config, one transaction, then the outbox and the alarm. */
  async change<T>(appId: string, minVersion: number, now: Millis, body: (ctx: UserContext, run: Run) => T): Promise<T> {
    const config = await this.config(appId, minVersion);
    const result = this.transaction(config, now, body);
    await this.afterTransaction();
    return result;
  }

  startProfile(call: Pick<IngestCall, "appId" | "userId" | "anonymous" | "now" | "events">, ctx: UserContext): void {
    const firstAt = Math.min(...call.events.map((e) => e.timestamp), call.now);
    this.profile = newProfile(call.appId, call.userId, call.anonymous, firstAt);
    (ctx as { profile: UserProfile }).profile = this.profile;
    this.setMeta("identity", JSON.stringify({ appId: call.appId, userId: call.userId, anonymous: call.anonymous }));
    this.timers.schedule({ key: "gc", dueAt: call.now + DAY, kind: "gc", payload: {} });
    ctx.touchIndex(true);
  }

  /** Lets features react to a non-event change (devices, consent), then runs what they emitted. */
  stateChanged(ctx: UserContext, run: Run): void {
    for (const f of this.features) f.onStateChange?.(ctx);
    run.drain();
  }

  /**
   * Runs `body` and everything it causes in one storage transaction: feature effects, the
   * outbox rows, index updates, the profile. A throw rolls storage back and the in-memory
   * state with it.
   */
  transaction<T>(config: AppConfig, now: Millis, body: (ctx: UserContext, run: Run) => T): T {
    const run = new Run(this.features);
    const ctx = this.context(config, now, run);
    run.ctx = ctx;
    // Export (src/domain/analytics/export.ts): this transaction's events, decisions, sends and delivery statuses.
    if (this.env.EXPORT_EVENTS === "true" && exportSinkBound(this.env)) run.exports = [];
    this.timeline.tap = run.exports ? (at, kind, detail) => run.exports?.push({ at, kind, detail }) : null;
    let result!: T;
    try {
      this.state.storage.transactionSync(() => {
        result = body(ctx, run);
        for (const write of run.commits.values()) write();
        if (this.profile) this.commitRun(ctx, run, now);
      });
    } catch (err) {
      // SQLite rolled the transaction back; the profile and meta were changed in place and must follow,
      // or the next call would persist counters of events that never applied.
      this.timeline.tap = null;
      this.events.discard();
      this.readState(); // and forgets the timers' mirror
      throw err;
    }
    this.timeline.tap = null;
    if (this.outbox.written) this.guardOutbox();
    return result;
  }

  /** What a transaction produced beyond feature writes: stats, counters, the index row, the profile. */
  private commitRun(ctx: UserContext, run: Run, now: Millis): void {
    const profile = this.profile!;
    if (run.exports?.length)
      for (const m of exportMessages(
        profile.appId,
        run.exportRows(profile),
        exportFormatOf(ctx.config.settings.exportFormat, this.env.EXPORT_FORMAT),
      ))
        this.outbox.write("INDEX", m satisfies IndexUpdate, now);
    if (run.stats.length > 0) this.outbox.write("INDEX", { op: "stats", stats: run.stats } satisfies IndexUpdate, now);
    if (run.counts.length > 0) {
      // Summed, and cut so each message stays well under the queue's 128 KB (a counter row is ~100 bytes).
      const counts = aggregate(run.counts);
      for (let i = 0; i < counts.length; i += 800)
        this.outbox.write(
          "INDEX",
          {
            op: "analytics",
            key: crypto.randomUUID(),
            appId: profile.appId,
            at: now,
            counts: counts.slice(i, i + 800),
          } satisfies IndexUpdate,
          now,
        );
    }
    if (run.indexUrgent) this.outbox.write("INDEX", this.indexUpdate(ctx, now), now);
    else if (run.indexDirty)
      this.timers.scheduleIfAbsent({
        key: "index",
        dueAt: now + counterInterval(this.env),
        kind: "index",
        payload: {},
      });
    if (run.indexUrgent) this.timers.cancel("index");
    const doc = JSON.stringify(profile);
    if (doc !== this.storedProfileDoc) {
      this.sql.exec(
        `INSERT INTO profile (id, doc) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc`,
        doc,
      );
      this.storedProfileDoc = doc;
    }
  }

  /**
   * The outbox is flushed right after the commit; should the object die before that, the alarm
   * must still come back for it. Set in the same turn as the transaction (no await between), the
   * alarm commits with its rows; when it fires after a normal flush it finds nothing and re-arms.
   */
  private guardOutbox(): void {
    this.outbox.written = false;
    if (this.virtualClock) return;
    const dueAt = Date.now() + OUTBOX_GUARD_MS;
    if (this.armedAt !== null && this.armedAt <= dueAt) return;
    this.state.storage.setAlarm(dueAt).catch((err) => console.error("outbox guard alarm failed", err));
    this.armedAt = dueAt;
  }

  /** What features may touch inside one transaction (see UserContext). */
  context(config: AppConfig, now: Millis, run: Run): UserContext {
    const memo = new Map<string, unknown>();
    const ctx: UserContext = {
      now,
      config,
      profile: this.profile as UserProfile,
      sql: this.sql,
      timers: this.timers,
      timeline: this.timeline,
      devices: { pushTargets: () => this.devices.pushTargets() },
      emit: (name, properties) => run.emit(name, properties, now, this.profile),
      enqueueSend: (job) => {
        this.outbox.enqueueSend(job, now);
        run.exports?.push({ at: now, send: job });
        run.sends.push(job.idempotencyKey);
      },
      acknowledgeSend: (idempotencyKey) => this.outbox.acknowledge(idempotencyKey),
      recordStat: (stat) => run.stats.push(stat),
      recordCounts: (rows) => void run.counts.push(...rows),
      touchIndex: (urgent) => {
        if (urgent) run.indexUrgent = true;
        else run.indexDirty = true;
      },
      live: (message) => this.broadcastLive(message),
      eventLog: (name, since) => this.events.read(name, since),
      attrs: () => this.featureAttrs(ctx),
      memo: <T>(key: string, load: () => T): T => {
        if (!memo.has(key)) memo.set(key, load());
        return memo.get(key) as T;
      },
      forget: (key) => void memo.delete(key),
      beforeCommit: (key, write) => void run.commits.set(key, write),
    };
    return ctx;
  }

  private featureAttrs(ctx: UserContext): JsonObject {
    const attrs: JsonObject = {};
    for (const f of this.features) if (f.indexAttrs) Object.assign(attrs, f.indexAttrs(ctx));
    return attrs;
  }

  private indexUpdate(ctx: UserContext, now: Millis): IndexUpdate {
    const attrs = this.featureAttrs(ctx);
    if (ctx.profile.anonymous) attrs.anonymous = true;
    // Versions must grow even under a virtual clock that stands still.
    const last = Number(this.meta.get("indexVersion") ?? 0);
    const version = Math.max(now, last + 1);
    this.setMeta("indexVersion", String(version));
    return indexRowOf(ctx.profile, version, attrs);
  }

  /** Enqueues what the transaction put in the outbox, then points the alarm at the earliest timer. */
  async afterTransaction(): Promise<void> {
    await this.outbox.flush();
    await this.rearm();
  }

  private async rearm(): Promise<void> {
    if (this.virtualClock) return;
    if (!this.timers.takeChanged() && this.armedAt !== null) return; // no timer moved since the last re-arm
    const earliest = this.timers.earliest();
    // An alarm earlier than needed is harmless (it finds nothing due and re-arms), so a known one is
    // only ever moved earlier: the outbox guard's or a cancelled timer's alarm costs a wake later,
    // not a second alarm write on the request path.
    if (this.armedAt !== null && (earliest === null || this.armedAt <= earliest)) return;
    if (earliest === null) await this.state.storage.deleteAlarm();
    else await this.state.storage.setAlarm(earliest);
    this.armedAt = earliest;
  }

  /** The alarm that fired is gone: whatever is earliest now must be armed again. */
  alarmFired(): void {
    this.armedAt = null;
  }

  /** Forgets the alarm and the in-memory state (merged away, or erased). */
  async clearAlarm(): Promise<void> {
    await this.state.storage.deleteAlarm();
    this.armedAt = null;
  }

  /** After `handOver`: nothing but the forwarding pointer is left in memory. */
  forgetProfile(): void {
    this.profile = null;
    this.storedProfileDoc = null;
    this.timers.forget();
  }

  broadcastLive(message: LiveMessage): void {
    const text = JSON.stringify(message);
    for (const ws of this.state.getWebSockets("live")) {
      try {
        ws.send(text);
      } catch {
        // A closed socket is cleaned up by webSocketClose.
      }
    }
  }

  /** Every table of this object's database (core and features'), without SQLite's and the platform's own. */
  tables(): string[] {
    return this.sql
      .exec<{ name: string }>(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 4) != '_cf_' AND name NOT LIKE 'sqlite%'`,
      )
      .toArray()
      .map((r) => r.name);
  }
}

/** Whether the export has somewhere to go: the R2 bucket or a Pipelines stream of any kind. */
function exportSinkBound(env: Env): boolean {
  return env.EXPORTS !== undefined || Object.values(PIPELINE_BINDINGS).some((b) => env[b] !== undefined);
}
