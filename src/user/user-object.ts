import type { Json, JsonObject } from "../json";
import { DurableObject } from "cloudflare:workers";
import { DAY, MINUTE, type Millis } from "../clock";
import { type AppConfig, cachedAppConfig, loadAppConfig } from "../config/app-config";
import type { ConsentChannel } from "../delivery/channel";
import type { SendJob } from "../delivery/send-job";
import type { CampaignStat } from "../campaigns/stats";
import { aggregate, type CounterRow } from "../analytics/counters";
import { EXPORT_ROWS_PER_MESSAGE, type ExportRow, exportRow } from "../analytics/export";
import type { Env } from "../env";
import type { BeckonEvent } from "../events/beckon-event";
import { contextRegistration, type DeviceRecord, DeviceTable, type DeviceUpdate } from "./devices";
import type { ContextPushToken } from "../events/event-context";
import type { AppSettings } from "../config/app-settings";
import type { UserContext, UserFeature } from "./feature";
import { indexRowOf, type IndexUpdate } from "./index-update";
import { refreshLifecycle } from "./lifecycle-feature";
import { applyEventToProfile, newProfile, type UserProfile } from "./profile";
import { applyUserSchema, userSchemaFingerprint } from "./storage-schema";
import {
  compareEntries,
  cursorBounds,
  encodeCursor,
  Timeline,
  type TimelineCursor,
  type TimelineEntry,
} from "./timeline";
import { type Timer, TimerTable } from "./timers";
import { userFeatures } from "./features";
import { mergeProfiles, type Handover } from "./identity-merge";
import { type UserApi, userStub } from "./user-stub";

const FEATURE_SCHEMAS = userFeatures.map((f) => f.schema).filter((s): s is string => !!s);
const USER_SCHEMA_FINGERPRINT = userSchemaFingerprint(FEATURE_SCHEMAS);
const SCHEMA_META_KEY = "schema";

/** How long processed messageIds are remembered for dedupe (invariant: ≥ 7 days). */
export const DEDUPE_WINDOW = 8 * DAY;
/** Counters reach the users index at most this often; state changes go at once. */
export const INDEX_DEBOUNCE = 1 * MINUTE;
/** How stale the isolate's config may be when an alarm (not a request) needs it. */
const TIMER_CONFIG_MAX_AGE = 5 * MINUTE;
/** How deep a chain of internal events may go (an event emitting an event…) before Beckon stops it as a loop. */
const MAX_EMIT_CHAIN = 16;
/** A safety net on internal events per transaction (a fix inside many fences legitimately emits dozens). */
const MAX_EMITTED_PER_TRANSACTION = 2000;

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

type OutboxQueue = "SENDS" | "INDEX";

export interface CommandCall {
  appId: string;
  userId: string;
  anonymous: boolean;
  feature: string;
  name: string;
  args: Json;
  now: Millis;
  configVersion?: number;
  virtualClock?: boolean;
  /** Start a profile for an unknown person (e.g. a location update before any event). */
  createIfMissing?: boolean;
}

export interface UserExport {
  profile: UserProfile;
  devices: DeviceRecord[];
  events: Record<string, SqlStorageValue>[];
  timeline: Record<string, SqlStorageValue>[];
  timers: Record<string, SqlStorageValue>[];
  features: Record<string, Record<string, SqlStorageValue>[]>;
}

/**
 * One per app + user (named `appId/u/userId` or `appId/a/anonymousId`): the only
 * writer of that person's state. Domain decisions are pure functions fed by the
 * `features`; this class owns storage, timers, the alarm and the outbox.
 */
export class UserObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly timers: TimerTable;
  private readonly timeline: Timeline;
  private readonly devices: DeviceTable;
  private profile: UserProfile | null = null;
  private meta = new Map<string, string>();
  private armedAt: Millis | null = null;
  /** Set when a transaction writes outbox rows; cleared once the alarm covers them. */
  private outboxWritten = false;
  /**
   * Outbox rows may be waiting unless the last complete flush started after the last write
   * (a count, since writes can land while a flush awaits the queue). Unknown after a restart.
   */
  private outboxWrites = 1;
  private outboxFlushedAt = 0;
  /** Applied events not yet in the `events` table: written in multi-row statements, and before any read of the log. */
  private unloggedEvents: BeckonEvent[] = [];
  /** The profile document as last stored: a transaction that changed nothing skips the write. */
  private storedProfileDoc: string | null = null;
  private readonly features: readonly UserFeature[] = userFeatures;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.timers = new TimerTable(this.sql);
    this.timeline = new Timeline(this.sql);
    this.devices = new DeviceTable(this.sql);
    ctx.blockConcurrencyWhile(async () => this.load());
    // Heartbeats from connected apps are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  private load(): void {
    const hasMeta =
      this.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).toArray().length > 0;
    const schema = hasMeta
      ? this.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, SCHEMA_META_KEY).toArray()[0]?.value
      : undefined;
    if (schema !== USER_SCHEMA_FINGERPRINT) {
      applyUserSchema(this.sql, FEATURE_SCHEMAS);
      this.sql.exec(
        `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
        SCHEMA_META_KEY,
        USER_SCHEMA_FINGERPRINT,
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
    this.outboxWrites++;
    this.timers.forget();
  }

  /** Another UserObject (identity merge and forwarding). */
  private peer(name: string): UserApi {
    return userStub(this.env.USER, name);
  }

  private setMeta(key: string, value: string): void {
    this.meta.set(key, value);
    this.sql.exec(
      `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      key,
      value,
    );
  }

  private async config(appId: string, minVersion: number): Promise<AppConfig> {
    const cached = cachedAppConfig(appId);
    if (cached) {
      const config = await cached;
      if (config.version >= minVersion) return config;
    }
    // A newer config than this isolate holds: load it once, without other calls interleaving.
    let config!: AppConfig;
    await this.ctx.blockConcurrencyWhile(
      async () => void (config = await loadAppConfig(this.env.DB, appId, minVersion)),
    );
    return config;
  }

  /** Whether this object holds an identified person (not a forwarding pointer, not empty): alias-of-identified check. */
  async isIdentifiedPerson(): Promise<boolean> {
    return this.profile !== null && !this.profile.anonymous && !this.meta.get("mergedInto");
  }

  /** Benchmark floor: an RPC that does nothing. */
  async noop(): Promise<number> {
    return 1;
  }

  /**
   * Config for work no request brought (alarms): the isolate's copy, re-checked against
   * D1's config version when older than TIMER_CONFIG_MAX_AGE, so a nightly model or a
   * segment edit reaches objects that see no events. Not on the event path.
   */
  private async timerConfig(appId: string): Promise<AppConfig> {
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

  // ───────────────────────── ingest ─────────────────────────

  async ingest(call: IngestCall): Promise<IngestResult> {
    const mergedInto = this.meta.get("mergedInto");
    if (mergedInto) {
      const target = JSON.parse(mergedInto) as { name: string; userId: string };
      return this.peer(target.name).ingest({ ...call, userId: target.userId, anonymous: false });
    }
    const config = await this.config(call.appId, call.configVersion);
    if (!call.anonymous) await this.absorbAnonymousIds(call);

    const result: IngestResult = { applied: 0, duplicates: 0, enqueued: [] };
    const exported: ExportRow[] = [];
    const exporting = !!this.env.EXPORTS && this.env.EXPORT_EVENTS === "true";
    this.transaction(config, call.now, (ctx, run) => {
      if (!this.profile) this.startProfile(call, ctx);
      if (call.virtualClock && this.meta.get("virtualClock") !== "1") this.setMeta("virtualClock", "1");
      const fresh = this.claimMessageIds(
        call.events.map((e) => e.messageId),
        call.now,
      );
      for (const event of call.events) {
        // A messageId applies once: a retry of an earlier call, or a repeat within this one, is a duplicate.
        if (!fresh.delete(event.messageId)) {
          result.duplicates++;
          continue;
        }
        result.applied++;
        // Before the event runs, so a push the event triggers can reach the device it reported.
        if (event.pushToken) this.registerContextToken(ctx, event.pushToken, config.settings);
        const unmapped = ctx.profile.unmappedTimezone;
        const change = applyEventToProfile(ctx.profile, event, config.settings);
        // An unmappable time zone keeps the previous one; the timeline says so once per new value.
        if (ctx.profile.unmappedTimezone && ctx.profile.unmappedTimezone !== unmapped)
          ctx.timeline.add(call.now, "decision", { ignored: "timezone", ...ctx.profile.unmappedTimezone });
        this.unloggedEvents.push(event);
        if (exporting) exported.push(exportRow(call.appId, call.userId, call.anonymous, event));
        if (change.traitsChanged) ctx.touchIndex(false);
        run.dispatch(event);
      }
      if (result.applied > 0) {
        ctx.touchIndex(false);
        refreshLifecycle(ctx);
        run.drain();
        this.logEvents();
        this.sql.exec(
          `DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?`,
          config.settings.recentEvents,
        );
      }
      for (let i = 0; i < exported.length; i += EXPORT_ROWS_PER_MESSAGE)
        this.writeOutbox(
          "INDEX",
          {
            op: "export",
            key: crypto.randomUUID(),
            appId: call.appId,
            rows: exported.slice(i, i + EXPORT_ROWS_PER_MESSAGE),
          } satisfies IndexUpdate,
          call.now,
        );
      result.enqueued = run.sends;
    });
    await this.afterTransaction();
    return result;
  }

  /**
   * A push token from `context.device.token` (Segment's mobile libraries send it with every call):
   * registered like `POST /v1/devices` would, once; consent is untouched (push still needs
   * `opted_in`). A token the provider declared invalid is not revived by context: only an explicit
   * registration does that, so an app still reporting a dead token does not flap uninstall state.
   */
  private registerContextToken(ctx: UserContext, t: ContextPushToken, settings: AppSettings): void {
    const handled = ctx.memo("devices.contextTokens", () => new Set<string>());
    if (handled.has(t.token)) return;
    handled.add(t.token);
    const registration = contextRegistration(t, settings.iosPushProvider);
    if (!registration) {
      // Noted once per token, not on every call that repeats it.
      if (this.meta.get("contextTokenIgnored") === t.token) return;
      this.setMeta("contextTokenIgnored", t.token);
      ctx.timeline.add(ctx.now, "device", {
        ignored: t.token.slice(0, 12),
        source: "context.device.token",
        reason: "no platform: context.device.type or context.os.name must say iOS or Android",
      });
      return;
    }
    const known = this.devices.find(t.token);
    if (
      known &&
      (known.status !== "active" ||
        (known.provider === registration.provider && known.platform === registration.platform))
    )
      return;
    this.devices.register(registration, ctx.now);
    ctx.profile.hadPushToken = true;
    ctx.timeline.add(ctx.now, "device", {
      registered: registration.provider,
      platform: registration.platform,
      source: "context.device.token",
    });
    // Mobile libraries never unregister a rotated token, and a public write key could send any number:
    // beyond MAX_ACTIVE_CONTEXT_DEVICES the oldest registration is retired, so sends per person stay bounded.
    const oldest = this.devices.oldestActiveBeyond(MAX_ACTIVE_CONTEXT_DEVICES);
    if (
      oldest &&
      this.devices.remove(oldest, `replaced: more than ${MAX_ACTIVE_CONTEXT_DEVICES} active devices`, ctx.now)
    )
      ctx.timeline.add(ctx.now, "device", {
        retired: oldest.slice(0, 12),
        reason: `more than ${MAX_ACTIVE_CONTEXT_DEVICES} active devices`,
      });
  }

  /** Lets features react to a non-event change (devices, consent), then runs what they emitted. */
  private stateChanged(ctx: UserContext, run: Run): void {
    for (const f of this.features) f.onStateChange?.(ctx);
    run.drain();
  }

  /** Writes the applied events into the log, 16 rows (96 bound parameters) per statement, in order. */
  private logEvents(): void {
    const events = this.unloggedEvents;
    if (events.length === 0) return;
    this.unloggedEvents = [];
    for (let i = 0; i < events.length; i += 16) {
      const chunk = events.slice(i, i + 16);
      this.sql.exec(
        `INSERT INTO events (message_id, type, name, at, properties, context) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?)").join(", ")}`,
        ...chunk.flatMap((e) => [
          e.messageId,
          e.type,
          e.name,
          e.timestamp,
          JSON.stringify(e.properties),
          e.context ? JSON.stringify(e.context) : null,
        ]),
      );
    }
  }

  /** Records messageIds as seen, in as few statements as the bound-parameter limit allows; returns the new ones. */
  private claimMessageIds(ids: string[], now: Millis): Set<string> {
    const fresh = new Set<string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 50) {
      const chunk = unique.slice(i, i + 50);
      const rows = this.sql
        .exec<{ message_id: string }>(
          `INSERT OR IGNORE INTO seen_messages (message_id, at) VALUES ${chunk.map(() => "(?, ?)").join(", ")} RETURNING message_id`,
          ...chunk.flatMap((id) => [id, now]),
        )
        .toArray();
      for (const r of rows) fresh.add(r.message_id);
    }
    return fresh;
  }

  private startProfile(call: IngestCall, ctx: UserContext): void {
    const firstAt = Math.min(...call.events.map((e) => e.timestamp), call.now);
    this.profile = newProfile(call.appId, call.userId, call.anonymous, firstAt);
    (ctx as { profile: UserProfile }).profile = this.profile;
    this.setMeta("identity", JSON.stringify({ appId: call.appId, userId: call.userId, anonymous: call.anonymous }));
    this.timers.schedule({ key: "gc", dueAt: call.now + DAY, kind: "gc", payload: {} });
    ctx.touchIndex(true);
  }

  // ───────────────────────── identity merge ─────────────────────────

  /** An identified user absorbs the history of each anonymous id seen with it, once. */
  private async absorbAnonymousIds(call: IngestCall): Promise<void> {
    const absorbed = new Set(this.profile?.anonymousIds ?? []);
    const pending = new Set<string>();
    for (const e of call.events) {
      if (e.anonymousId && !absorbed.has(e.anonymousId)) pending.add(e.anonymousId);
      if (e.type === "alias" && e.previousId && e.previousId !== call.userId && !absorbed.has(e.previousId))
        pending.add(e.previousId);
    }
    for (const anonymousId of pending) {
      const name = `${call.appId}/a/${anonymousId}`;
      const handover = await this.peer(name).handOver({
        name: this.ctx.id.name ?? `${call.appId}/u/${call.userId}`,
        userId: call.userId,
      });
      const config = await this.config(call.appId, call.configVersion);
      this.transaction(config, call.now, (ctx) => {
        if (!this.profile)
          this.startProfile(
            {
              ...call,
              events: handover?.events.length
                ? [{ timestamp: handover.profile.firstSeen } as BeckonEvent]
                : call.events,
            },
            ctx,
          );
        mergeProfiles(ctx.profile, anonymousId, handover);
        if (handover) {
          for (const e of handover.events)
            this.sql.exec(
              `INSERT INTO events (message_id, type, name, at, properties, context) VALUES (?, ?, ?, ?, ?, ?)`,
              e.messageId,
              e.type,
              e.name,
              e.at,
              e.properties,
              e.context ?? null,
            );
          for (const id of handover.seen)
            this.sql.exec(`INSERT OR IGNORE INTO seen_messages (message_id, at) VALUES (?, ?)`, id, call.now);
          for (const d of handover.devices) this.devices.restore(d);
          for (const f of this.features) {
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

  /** Called on an anonymous object by the identified one: hands over its history and forwards from now on. */
  async handOver(target: { name: string; userId: string }): Promise<Handover | null> {
    if (this.meta.get("mergedInto")) return null;
    // Send jobs and stats already decided here must still leave before the tables are cleared.
    await this.flushOutbox();
    const profile = this.profile;
    const handover: Handover | null = profile
      ? {
          profile,
          events: this.sql
            .exec<{
              message_id: string;
              type: string;
              name: string;
              at: number;
              properties: string;
              context: string | null;
            }>(`SELECT message_id, type, name, at, properties, context FROM events ORDER BY seq`)
            .toArray()
            .map((r) => ({
              messageId: r.message_id,
              type: r.type,
              name: r.name,
              at: r.at,
              properties: r.properties,
              context: r.context,
            })),
          seen: this.sql
            .exec<{ message_id: string }>(`SELECT message_id FROM seen_messages`)
            .toArray()
            .map((r) => r.message_id),
          devices: this.devices.list(),
          features: Object.fromEntries(
            this.features.filter((f) => f.handOver).map((f) => [f.name, f.handOver!(this.sql)]),
          ),
        }
      : null;
    // Forward from now on; the anonymous object keeps nothing else.
    this.ctx.storage.transactionSync(() => {
      for (const table of this.tables())
        if (table !== "meta" && table !== "schema_version" && table !== "outbox")
          this.sql.exec(`DELETE FROM "${table}"`);
      // Sends already on the queue would be acknowledged to the identified object: stop tracking them here.
      this.sql.exec(`DELETE FROM outbox WHERE enqueued_at IS NOT NULL`);
      this.setMeta("mergedInto", JSON.stringify(target));
    });
    this.profile = null;
    this.storedProfileDoc = null;
    this.timers.forget();
    await this.ctx.storage.deleteAlarm();
    this.armedAt = null;
    if (profile)
      await this.env.INDEX.send({ op: "delete", appId: profile.appId, userId: profile.userId, version: Date.now() });
    return handover;
  }

  // ───────────────────────── devices, consent, profile ─────────────────────────

  async updateDevices(call: Omit<IngestCall, "events"> & { update: DeviceUpdate }): Promise<{ devices: number }> {
    const mergedInto = this.meta.get("mergedInto");
    if (mergedInto) {
      const target = JSON.parse(mergedInto) as { name: string; userId: string };
      return this.peer(target.name).updateDevices({ ...call, userId: target.userId, anonymous: false });
    }
    const config = await this.config(call.appId, call.configVersion);
    const u = call.update;
    this.transaction(config, call.now, (ctx, run) => {
      if (!this.profile) this.startProfile({ ...call, events: [] }, ctx);
      const p = ctx.profile;
      for (const d of u.register ?? []) {
        this.devices.register(d, call.now);
        if (d.provider) p.hadPushToken = true;
        ctx.timeline.add(call.now, "device", { registered: d.provider, platform: d.platform });
      }
      for (const token of u.unregister ?? [])
        if (this.devices.remove(token, "unregistered by the app", call.now))
          ctx.timeline.add(call.now, "device", { unregistered: token.slice(0, 12) });
      if (u.email !== undefined) p.email = u.email?.toLowerCase() ?? null;
      if (u.phone !== undefined) p.phone = u.phone;
      if (u.timezone !== undefined) p.timezone = u.timezone;
      if (u.locale !== undefined) p.locale = u.locale;
      for (const [channel, status] of Object.entries(u.consent ?? {}) as [
        ConsentChannel,
        "opted_in" | "opted_out" | "unknown",
      ][]) {
        if (p.consent[channel]?.status === status) continue;
        p.consent[channel] = { status, at: call.now, source: u.source ?? "sdk" };
        ctx.timeline.add(call.now, "consent", { channel, status, source: u.source ?? "sdk" });
      }
      refreshLifecycle(ctx);
      this.stateChanged(ctx, run);
      ctx.touchIndex(false);
    });
    await this.afterTransaction();
    return { devices: this.devices.list().length };
  }

  /** Delivery feedback: the provider says this token is dead (uninstall → churned rule). */
  async invalidateDevice(call: { appId: string; token: string; reason: string; now: Millis }): Promise<boolean> {
    if (!this.profile) return false;
    const config = await this.config(call.appId, 0);
    let removed = false;
    this.transaction(config, call.now, (ctx, run) => {
      removed = this.devices.remove(call.token, call.reason, call.now);
      if (removed) ctx.timeline.add(call.now, "device", { invalidated: call.token.slice(0, 12), reason: call.reason });
      refreshLifecycle(ctx);
      this.stateChanged(ctx, run);
    });
    await this.afterTransaction();
    return removed;
  }

  /** Consent change from a provider (Twilio STOP, email complaint…) or the admin API. */
  async setConsent(call: {
    appId: string;
    channel: ConsentChannel;
    status: "opted_in" | "opted_out" | "unknown";
    source: string;
    now: Millis;
  }): Promise<void> {
    if (!this.profile) return;
    const config = await this.config(call.appId, 0);
    this.transaction(config, call.now, (ctx, run) => {
      ctx.profile.consent[call.channel] = { status: call.status, at: call.now, source: call.source };
      ctx.timeline.add(call.now, "consent", { channel: call.channel, status: call.status, source: call.source });
      refreshLifecycle(ctx);
      this.stateChanged(ctx, run);
      ctx.touchIndex(true);
    });
    await this.afterTransaction();
  }

  async getProfile(): Promise<ProfileView | null> {
    if (!this.profile) return null;
    const identity = JSON.parse(this.meta.get("identity") ?? "{}") as { appId?: string };
    const config = await this.config(identity.appId ?? this.profile.appId, 0);
    const ctx = this.context(config, Date.now(), new Run(this.features));
    const features: JsonObject = {};
    for (const f of this.features) if (f.describe) features[f.name] = f.describe(ctx);
    return { profile: this.profile, devices: this.devices.list(), timers: this.timers.list(), features };
  }

  async getTimeline(opts: {
    limit: number;
    before?: TimelineCursor;
  }): Promise<{ entries: TimelineEntry[]; next: string | null } | null> {
    if (!this.profile) return null;
    // One more than a page from each source tells whether an older page exists.
    const decisions = this.timeline.list({ limit: opts.limit + 1, ...(opts.before ? { before: opts.before } : {}) });
    const [at, seq] = cursorBounds("event", opts.before);
    const events = this.sql
      .exec<{
        seq: number;
        message_id: string;
        type: string;
        name: string;
        at: number;
        properties: string;
        context: string | null;
      }>(
        `SELECT seq, message_id, type, name, at, properties, context FROM events WHERE at < ? OR (at = ? AND seq < ?) ORDER BY at DESC, seq DESC LIMIT ?`,
        at,
        at,
        seq,
        opts.limit + 1,
      )
      .toArray()
      .map(
        (r): TimelineEntry => ({
          seq: r.seq,
          at: r.at,
          kind: "event",
          detail: {
            messageId: r.message_id,
            type: r.type,
            name: r.name,
            properties: JSON.parse(r.properties),
            ...(r.context ? { context: JSON.parse(r.context) } : {}),
          },
        }),
      );
    const merged = [...decisions, ...events].sort(compareEntries);
    const entries = merged.slice(0, opts.limit);
    return { entries, next: merged.length > opts.limit ? encodeCursor(entries[entries.length - 1]!) : null };
  }

  /** Every table of this object's database (core and features'), without SQLite's and the platform's own. */
  private tables(): string[] {
    return this.sql
      .exec<{ name: string }>(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 4) != '_cf_' AND name NOT LIKE 'sqlite%'`,
      )
      .toArray()
      .map((r) => r.name);
  }

  /** GDPR export: everything stored about the person. */
  async exportData(): Promise<UserExport | null> {
    if (!this.profile) return null;
    const all = (table: string) => this.sql.exec(`SELECT * FROM "${table}"`).toArray();
    // Every table the features created too (in-app messages, cards, journeys, geofence state…).
    const core = new Set([
      "profile",
      "devices",
      "events",
      "timeline",
      "timers",
      "meta",
      "schema_version",
      "outbox",
      "seen_messages",
    ]);
    const featureTables = this.tables().filter((name) => !core.has(name));
    return {
      profile: this.profile,
      devices: this.devices.list(),
      events: all("events"),
      timeline: all("timeline"),
      timers: all("timers"),
      features: Object.fromEntries(featureTables.map((t) => [t, all(t)])),
    };
  }

  /** GDPR erasure: deletes all of this object's storage and its alarm. */
  /**
   * Erasure: closes sockets and deletes every row and the alarm. Only the index version survives
   * (a number, naming nobody): updates issued before the erase are at or below the returned
   * version, which the D1 tombstone records, and a person who comes back later starts above it.
   */
  async erase(now: Millis): Promise<{ existed: boolean; anonymousIds: string[]; version: number }> {
    const existed = this.profile !== null || this.meta.has("mergedInto");
    const anonymousIds = this.profile?.anonymousIds ?? [];
    const version = Math.max(now, Number(this.meta.get("indexVersion") ?? 0));
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(1000, "user erased");
      } catch {
        // already closed
      }
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.load();
    this.setMeta("indexVersion", String(version));
    return { existed, anonymousIds, version };
  }

  // ───────────────────────── feature commands and live connections ─────────────────────────

  /**
   * Runs a feature's command (see UserFeature.commands) in one transaction: how routes,
   * queue consumers and webhooks act on a person without a dedicated RPC method each.
   */
  async command(call: CommandCall): Promise<Json> {
    const mergedInto = this.meta.get("mergedInto");
    if (mergedInto) {
      const target = JSON.parse(mergedInto) as { name: string; userId: string };
      return this.peer(target.name).command({ ...call, userId: target.userId, anonymous: false });
    }
    const handler = this.features.find((f) => f.name === call.feature)?.commands?.[call.name];
    if (!handler) throw new Error(`unknown command ${call.feature}.${call.name}`);
    if (!this.profile && !call.createIfMissing) return null;
    const config = await this.config(call.appId, call.configVersion ?? 0);
    let result: Json = null;
    this.transaction(config, call.now, (ctx, run) => {
      if (!this.profile)
        this.startProfile(
          { ...call, configVersion: call.configVersion ?? 0, virtualClock: call.virtualClock ?? false, events: [] },
          ctx,
        );
      if (call.virtualClock && this.meta.get("virtualClock") !== "1") this.setMeta("virtualClock", "1");
      result = handler(ctx, call.args);
      run.drain();
    });
    await this.afterTransaction();
    return result;
  }

  /** `GET /v1/connect` arrives here: a hibernatable WebSocket for live in-app delivery. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 426 });
    const appId = request.headers.get("x-beckon-app") ?? this.profile?.appId;
    if (!appId) return new Response("unknown app", { status: 400 });
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, ["live"]);
    if (this.profile) {
      const config = await this.config(appId, Number(request.headers.get("x-beckon-config-version") ?? 0));
      const messages: Json[] = [];
      this.transaction(config, Date.now(), (ctx) => {
        for (const f of this.features) if (f.onLiveConnect) messages.push(...f.onLiveConnect(ctx));
      });
      for (const m of messages) server.send(JSON.stringify(m));
      await this.afterTransaction();
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(_ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (!this.profile || typeof data !== "string") return;
    let message: Json;
    try {
      message = JSON.parse(data) as Json;
    } catch {
      return;
    }
    const config = await this.config(this.profile.appId, 0);
    this.transaction(config, Date.now(), (ctx, run) => {
      for (const f of this.features) f.onLiveMessage?.(ctx, message);
      run.drain();
    });
    await this.afterTransaction();
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  // ───────────────────────── timers ─────────────────────────

  override async alarm(): Promise<void> {
    // The alarm that fired is gone: whatever is earliest now must be armed again.
    this.armedAt = null;
    // Objects driven by a virtual clock (tests, replays) advance only through tick().
    if (this.meta.get("virtualClock") === "1") return;
    await this.runDueTimers(Date.now());
  }

  /** Runs every timer due at `now` (virtual time in tests and replays; the alarm uses the wall clock). */
  async tick(now: Millis): Promise<{ fired: number }> {
    return { fired: await this.runDueTimers(now) };
  }

  private async runDueTimers(now: Millis): Promise<number> {
    if (!this.profile) {
      this.armedAt = null;
      return 0;
    }
    const config = await this.timerConfig(this.profile.appId);
    let fired = 0;
    for (;;) {
      const due = this.timers.due(now, 50);
      if (due.length === 0) break;
      for (const timer of due) {
        // Each timer: delete the row and apply its effect in one transaction, so a re-fired alarm never repeats it.
        this.transaction(config, now, (ctx, run) => {
          // An earlier handler may have moved or removed this timer: act on the row as it is now.
          const current = this.timers.get(timer.key);
          if (!current || current.dueAt > now) return;
          this.timers.cancel(current.key);
          fired++;
          this.handleTimer(ctx, current);
          run.drain();
        });
      }
      if (due.length < 50) break;
    }
    await this.afterTransaction();
    return fired;
  }

  private handleTimer(ctx: UserContext, timer: Timer): void {
    if (timer.kind === "gc") {
      this.sql.exec(`DELETE FROM seen_messages WHERE at < ?`, ctx.now - DEDUPE_WINDOW);
      this.timers.schedule({ key: "gc", dueAt: ctx.now + DAY, kind: "gc", payload: {} });
      return;
    }
    if (timer.kind === "index") {
      ctx.touchIndex(true);
      return;
    }
    if (timer.kind === "outbox") return; // the flush after this transaction retries the outbox
    if (timer.kind === "outbox-resend") return this.resendUnacknowledged(ctx);
    for (const f of this.features) {
      const handler = f.timers?.[timer.kind];
      if (handler) return handler(ctx, timer);
    }
    ctx.timeline.add(ctx.now, "decision", {
      dropped: "timer",
      kind: timer.kind,
      reason: "no handler for this timer kind",
    });
  }

  // ───────────────────────── machinery ─────────────────────────

  private transaction(config: AppConfig, now: Millis, body: (ctx: UserContext, run: Run) => void): void {
    const run = new Run(this.features);
    const ctx = this.context(config, now, run);
    run.ctx = ctx;
    try {
      this.ctx.storage.transactionSync(() => {
        body(ctx, run);
        for (const write of run.commits.values()) write();
        if (this.profile) {
          if (run.stats.length > 0)
            this.writeOutbox("INDEX", { op: "stats", stats: run.stats } satisfies IndexUpdate, now);
          if (run.counts.length > 0) {
            // Summed, and cut so each message stays well under the queue's 128 KB (a counter row is ~100 bytes).
            const counts = aggregate(run.counts);
            for (let i = 0; i < counts.length; i += 800)
              this.writeOutbox(
                "INDEX",
                {
                  op: "analytics",
                  key: crypto.randomUUID(),
                  appId: this.profile.appId,
                  at: now,
                  counts: counts.slice(i, i + 800),
                } satisfies IndexUpdate,
                now,
              );
          }
          if (run.indexUrgent) this.writeOutbox("INDEX", this.indexUpdate(ctx, now), now);
          else if (run.indexDirty)
            this.timers.scheduleIfAbsent({ key: "index", dueAt: now + INDEX_DEBOUNCE, kind: "index", payload: {} });
          if (run.indexUrgent) this.timers.cancel("index");
          const doc = JSON.stringify(this.profile);
          if (doc !== this.storedProfileDoc) {
            this.sql.exec(
              `INSERT INTO profile (id, doc) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc`,
              doc,
            );
            this.storedProfileDoc = doc;
          }
        }
      });
    } catch (err) {
      // SQLite rolled the transaction back; the profile and meta were changed in place and must follow,
      // or the next call would persist counters of events that never applied.
      this.outboxWritten = false;
      this.unloggedEvents = [];
      this.readState(); // and forgets the timers' mirror
      throw err;
    }
    if (this.outboxWritten) this.guardOutbox();
  }

  /**
   * The outbox is flushed right after the commit; should the object die before that, the alarm
   * must still come back for it. Set in the same turn as the transaction (no await between), the
   * alarm commits with its rows; when it fires after a normal flush it finds nothing and re-arms.
   */
  private guardOutbox(): void {
    this.outboxWritten = false;
    if (this.meta.get("virtualClock") === "1") return;
    const dueAt = Date.now() + OUTBOX_GUARD_MS;
    if (this.armedAt !== null && this.armedAt <= dueAt) return;
    this.ctx.storage.setAlarm(dueAt).catch((err) => console.error("outbox guard alarm failed", err));
    this.armedAt = dueAt;
  }

  private context(config: AppConfig, now: Millis, run: Run): UserContext {
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
      enqueueSend: (job: SendJob) => {
        this.writeOutbox("SENDS", job, now, job.idempotencyKey);
        // Re-sent unless the consumer reports back first (see resendUnacknowledged).
        this.timers.scheduleIfAbsent({
          key: "outbox-resend",
          dueAt: now + this.resendAfterMs(),
          kind: "outbox-resend",
          payload: {},
        });
        run.sends.push(job.idempotencyKey);
      },
      acknowledgeSend: (idempotencyKey: string) => {
        this.sql.exec(`DELETE FROM outbox WHERE send_key = ?`, idempotencyKey);
        // Nothing left to watch: spare the alarm a wake for the re-send check.
        if (this.sql.exec(`SELECT 1 FROM outbox WHERE send_key IS NOT NULL LIMIT 1`).toArray().length === 0)
          this.timers.cancel("outbox-resend");
      },
      recordStat: (stat) => run.stats.push(stat),
      recordCounts: (rows) => void run.counts.push(...rows),
      touchIndex: (urgent) => {
        if (urgent) run.indexUrgent = true;
        else run.indexDirty = true;
      },
      live: (message) => this.broadcastLive(message),
      eventLog: (name, since = Number.NEGATIVE_INFINITY) => {
        this.logEvents(); // this call's events so far belong in what features read
        return this.sql
          .exec<{ at: number; properties: string }>(
            `SELECT at, properties FROM events WHERE name = ? AND at >= ? ORDER BY at`,
            name,
            since,
          )
          .toArray();
      },
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

  /** OUTBOX_RESEND_MS (tests shorten it), else 1 minute. */
  private resendAfterMs(): number {
    const ms = Number(this.env.OUTBOX_RESEND_MS);
    return Number.isFinite(ms) && ms > 0 ? ms : RESEND_AFTER_MS;
  }

  private writeOutbox(queue: OutboxQueue, body: unknown, now: Millis, sendKey: string | null = null): void {
    this.outboxWritten = true;
    this.outboxWrites++;
    this.sql.exec(
      `INSERT INTO outbox (queue, body, created_at, send_key) VALUES (?, ?, ?, ?)`,
      queue,
      JSON.stringify(body),
      now,
      sendKey,
    );
  }

  /**
   * A send job the queue took but the delivery consumer never reported on (the queue lost it, or
   * the process died): enqueued again, with backoff, until the consumer reports back. The consumer's
   * claim makes a duplicate harmless, and it reports a re-sent job's state even when already settled.
   */
  private resendUnacknowledged(ctx: UserContext): void {
    const rows = this.sql
      .exec<{ id: number; created_at: number; resends: number; body: string }>(
        `SELECT id, created_at, resends, body FROM outbox WHERE send_key IS NOT NULL AND enqueued_at IS NOT NULL`,
      )
      .toArray();
    let next: number | null = null;
    for (const r of rows) {
      const due = r.created_at + this.resendAfterMs() * 2 ** r.resends;
      if (due > ctx.now) {
        next = next === null ? due : Math.min(next, due);
        continue;
      }
      if (r.resends >= MAX_RESENDS) {
        const job = JSON.parse(r.body) as SendJob;
        ctx.timeline.add(ctx.now, "decision", {
          campaignId: job.campaignId,
          key: job.idempotencyKey,
          unconfirmed: true,
          reason: `the delivery consumer never reported on this send after ${MAX_RESENDS} re-sends`,
        });
        this.sql.exec(`DELETE FROM outbox WHERE id = ?`, r.id);
        continue;
      }
      const job = { ...(JSON.parse(r.body) as SendJob), resend: r.resends + 1 };
      this.sql.exec(
        `UPDATE outbox SET enqueued_at = NULL, resends = resends + 1, body = ? WHERE id = ?`,
        JSON.stringify(job),
        r.id,
      );
      this.outboxWritten = true;
      this.outboxWrites++;
      const again = r.created_at + this.resendAfterMs() * 2 ** (r.resends + 1);
      next = next === null ? again : Math.min(next, again);
    }
    if (next !== null) this.timers.schedule({ key: "outbox-resend", dueAt: next, kind: "outbox-resend", payload: {} });
  }

  /** Enqueues what the transaction put in the outbox, then points the alarm at the earliest timer. */
  private async afterTransaction(): Promise<void> {
    await this.flushOutbox();
    await this.rearm();
  }

  private async flushOutbox(): Promise<void> {
    const writes = this.outboxWrites;
    if (writes === this.outboxFlushedAt) return; // nothing written since the last complete flush
    try {
      for (;;) {
        const rows = this.sql
          .exec<{ id: number; queue: OutboxQueue; body: string }>(
            `SELECT id, queue, body FROM outbox WHERE enqueued_at IS NULL ORDER BY id LIMIT 100`,
          )
          .toArray();
        if (rows.length === 0) break;
        for (const queue of ["SENDS", "INDEX"] as const) {
          for (const batch of queueBatches(rows.filter((r) => r.queue === queue))) {
            const binding = queue === "SENDS" ? this.env.SENDS : this.env.INDEX;
            const sendable = batch.filter((r) => r.body.length <= MAX_QUEUE_MESSAGE_BYTES);
            for (const r of batch.filter((r) => r.body.length > MAX_QUEUE_MESSAGE_BYTES)) {
              // Larger than a queue message may be: it can never be sent, so record it instead of blocking the outbox.
              this.timeline.add(Date.now(), "decision", {
                dropped: queue === "SENDS" ? "send" : "index update",
                bytes: r.body.length,
                reason: "larger than a queue message (128 KB)",
              });
              this.sql.exec(`DELETE FROM outbox WHERE id = ?`, r.id);
            }
            if (sendable.length > 0)
              await binding.sendBatch(
                sendable.map((r) => ({ body: JSON.parse(r.body), contentType: "json" as const })),
              );
            // Index updates are done once enqueued; send jobs wait for the consumer's report (acknowledgeSend).
            const at = Date.now();
            for (const r of sendable) {
              if (queue === "SENDS") this.sql.exec(`UPDATE outbox SET enqueued_at = ? WHERE id = ?`, at, r.id);
              else this.sql.exec(`DELETE FROM outbox WHERE id = ?`, r.id);
            }
          }
        }
        if (rows.length < 100) break;
      }
      this.outboxFlushedAt = Math.max(this.outboxFlushedAt, writes);
    } catch (err) {
      // The rows stay; a retry timer sends them again (consumers dedupe on the idempotency key).
      console.error("outbox flush failed; will retry", err);
      this.timers.scheduleIfAbsent({ key: "outbox", dueAt: Date.now() + 5_000, kind: "outbox", payload: {} });
    }
  }

  private async rearm(): Promise<void> {
    if (this.meta.get("virtualClock") === "1") return;
    if (!this.timers.takeChanged() && this.armedAt !== null) return; // no timer moved since the last re-arm
    const earliest = this.timers.earliest();
    // An alarm earlier than needed is harmless (it finds nothing due and re-arms), so a known one is
    // only ever moved earlier: the outbox guard's or a cancelled timer's alarm costs a wake later,
    // not a second alarm write on the request path.
    if (this.armedAt !== null && (earliest === null || this.armedAt <= earliest)) return;
    if (earliest === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(earliest);
    this.armedAt = earliest;
  }

  private broadcastLive(message: Json): void {
    const text = JSON.stringify(message);
    for (const ws of this.ctx.getWebSockets("live")) {
      try {
        ws.send(text);
      } catch {
        // A closed socket is cleaned up by webSocketClose.
      }
    }
  }
}

/** Active push devices a person keeps when new tokens arrive in `context.device.token` (docs/api.md "Context kept"). */
const MAX_ACTIVE_CONTEXT_DEVICES = 10;

/** How soon an alarm comes back for outbox rows a dead object never flushed. */
const OUTBOX_GUARD_MS = 5_000;
/** A send the consumer has not reported on is enqueued again after 1 min, then 2, 4 … (8 times, ~4 h in all). */
const RESEND_AFTER_MS = 60_000;
const MAX_RESENDS = 8;

/** Queue limits: 128 KB per message, 100 messages and 256 KB per sendBatch (with headroom). */
const MAX_QUEUE_MESSAGE_BYTES = 120 * 1024;
const MAX_QUEUE_BATCH_BYTES = 240 * 1024;

function queueBatches<T extends { body: string }>(rows: T[]): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const r of rows) {
    if (current.length > 0 && (current.length >= 100 || bytes + r.body.length > MAX_QUEUE_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += r.body.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** One transaction's dispatch state: internal events chain after the event that caused them. */
class Run {
  ctx!: UserContext;
  readonly sends: string[] = [];
  readonly stats: CampaignStat[] = [];
  readonly counts: CounterRow[] = [];
  /** Writes features deferred to the end of the transaction (ctx.beforeCommit), by key. */
  readonly commits = new Map<string, () => void>();
  indexDirty = false;
  indexUrgent = false;
  private readonly queue: Array<{ event: BeckonEvent; depth: number }> = [];
  /** Depth of the event being handled: 0 for an SDK event, n for an event emitted at depth n − 1. */
  private depth = 0;
  private emitted = 0;

  constructor(private readonly features: readonly UserFeature[]) {}

  dispatch(event: BeckonEvent): void {
    this.handle(event, 0);
    this.drain();
  }

  emit(name: string, properties: JsonObject, now: Millis, profile: UserProfile | null): void {
    const depth = this.depth + 1;
    // A chain deeper than MAX_EMIT_CHAIN is a loop (A emits B emits A…); the total is a separate safety net.
    if (depth > MAX_EMIT_CHAIN || this.emitted >= MAX_EMITTED_PER_TRANSACTION) {
      this.ctx.timeline.add(now, "decision", {
        dropped: name,
        reason:
          depth > MAX_EMIT_CHAIN
            ? "internal event chain too deep (loop?)"
            : "too many internal events in one transaction",
      });
      return;
    }
    this.queue.push({
      depth,
      event: {
        messageId: `internal:${name}:${now}:${this.emitted++}`,
        type: "track",
        name,
        properties,
        timestamp: now,
        receivedAt: now,
        internal: true,
        ...(profile && !profile.anonymous ? { userId: profile.userId } : {}),
      },
    });
  }

  drain(): void {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) this.handle(next.event, next.depth);
  }

  private handle(event: BeckonEvent, depth: number): void {
    const outer = this.depth;
    this.depth = depth;
    try {
      for (const f of this.features) f.onEvent?.(this.ctx, event);
    } finally {
      this.depth = outer;
    }
  }
}
