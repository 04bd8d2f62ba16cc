import { DurableObject } from "cloudflare:workers";
import { DAY, type Millis } from "../kernel/clock";
import type { Json, JsonObject } from "../kernel/json";
import type { ConsentChannel } from "../domain/delivery/channel";
import { exportRow } from "../domain/analytics/export";
import { applyEventToProfile } from "../domain/profile/profile";
import type { Env } from "../env";
import { registerContextToken } from "./context-token";
import type { DeviceUpdate } from "./devices";
import type { LiveMessage, UserContext } from "./feature";
import { userFeatures } from "./features";
import type { Handover } from "./identity-merge";
import { absorbAnonymousIds, handOver } from "./identity-handover";
import { Run } from "./run";
import { compareEntries, encodeCursor, type TimelineCursor, type TimelineEntry } from "./timeline";
import type { Timer } from "./timers";
import type { IngestCall, IngestResult, ProfileView, UserApi, UserExport } from "./user-api";
import type { CommandCall, CommandName, CommandResult, FeatureName } from "./user-commands";
import { UserHost } from "./user-host";
import { userStub } from "./user-stub";

/** How long processed messageIds are remembered for dedupe (invariant: ≥ 7 days). */
const DEDUPE_WINDOW = 8 * DAY;
/** The tables every object has; the rest belong to features (in-app messages, cards, journeys…). */
const CORE_TABLES = new Set([
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

/**
 * One per app + person (named `appId/u/userId` or `appId/a/anonymousId`): the only writer of
 * that person's state. Each RPC method is one use (docs/architecture.md); the storage,
 * transaction, outbox and alarm machinery they share is the `UserHost`, and behaviour comes
 * from the features (`./features.ts`).
 */
export class UserObject extends DurableObject<Env> implements UserApi {
  readonly host: UserHost;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.host = new UserHost(ctx, env, userFeatures);
    ctx.blockConcurrencyWhile(async () => this.host.load());
    // Heartbeats from connected apps are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Another UserObject (identity merge and forwarding). */
  private peer(name: string): UserApi {
    return userStub(this.env.USER, name);
  }

  /** A merged visitor's object runs nothing itself: the call goes to the person who absorbed it. */
  private forwarded<C extends { userId: string; anonymous: boolean }>(call: C): { to: UserApi; call: C } | null {
    const target = this.host.forwardTarget();
    return target ? { to: this.peer(target.name), call: { ...call, userId: target.userId, anonymous: false } } : null;
  }

  /** Whether this object holds an identified person (not a forwarding pointer, not empty): alias-of-identified check. */
  async isIdentifiedPerson(): Promise<boolean> {
    const p = this.host.profile;
    return p !== null && !p.anonymous && !this.host.forwardTarget();
  }

  /** Benchmark floor: an RPC that does nothing. */
  async noop(): Promise<number> {
    return 1;
  }

  async ingest(call: IngestCall): Promise<IngestResult> {
    const fwd = this.forwarded(call);
    if (fwd) return fwd.to.ingest(fwd.call);
    const host = this.host;
    if (!call.anonymous) await absorbAnonymousIds(host, this.ctx.id.name, call, (name) => this.peer(name));
    return host.change(call.appId, call.configVersion, call.now, (ctx, run) => {
      const result: IngestResult = { applied: 0, duplicates: 0, enqueued: [] };
      const settings = ctx.config.settings;
      if (!host.profile) host.startProfile(call, ctx);
      host.markVirtualClock(call.virtualClock);
      const fresh = host.events.claim(
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
        if (event.pushToken) registerContextToken(host, ctx, event.pushToken, settings);
        const unmapped = ctx.profile.unmappedTimezone;
        const change = applyEventToProfile(ctx.profile, event, settings);
        // An unmappable time zone keeps the previous one; the timeline says so once per new value.
        if (ctx.profile.unmappedTimezone && ctx.profile.unmappedTimezone !== unmapped)
          ctx.timeline.add(call.now, "decision", { ignored: "timezone", ...ctx.profile.unmappedTimezone });
        host.events.append(event);
        run.exports?.push(exportRow(call.appId, call.userId, call.anonymous, event));
        if (change.traitsChanged) ctx.touchIndex(false);
        run.dispatch(event);
      }
      if (result.applied > 0) {
        ctx.touchIndex(false);
        for (const f of host.features) f.afterEvents?.(ctx);
        run.drain();
        host.events.flush();
        host.events.trim(settings.recentEvents);
      }
      result.enqueued = run.sends;
      return result;
    });
  }

  /** Called on an anonymous object by the identified one: hands over its history and forwards from now on. */
  async handOver(target: { name: string; userId: string }): Promise<Handover | null> {
    return handOver(this.host, target);
  }

  async updateDevices(call: Omit<IngestCall, "events"> & { update: DeviceUpdate }): Promise<{ devices: number }> {
    const fwd = this.forwarded(call);
    if (fwd) return fwd.to.updateDevices(fwd.call);
    const host = this.host;
    const u = call.update;
    await host.change(call.appId, call.configVersion, call.now, (ctx, run) => {
      if (!host.profile) host.startProfile({ ...call, events: [] }, ctx);
      const p = ctx.profile;
      for (const d of u.register ?? []) {
        host.devices.register(d, call.now);
        if (d.provider) p.hadPushToken = true;
        ctx.timeline.add(call.now, "device", { registered: d.provider, platform: d.platform });
      }
      for (const token of u.unregister ?? [])
        if (host.devices.remove(token, "unregistered by the app", call.now))
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
      host.stateChanged(ctx, run);
      ctx.touchIndex(false);
    });
    return { devices: host.devices.list().length };
  }

  /** Delivery feedback: the provider says this token is dead (uninstall → churned rule). */
  async invalidateDevice(call: { appId: string; token: string; reason: string; now: Millis }): Promise<boolean> {
    const host = this.host;
    if (!host.profile) return false;
    return host.change(call.appId, 0, call.now, (ctx, run) => {
      const removed = host.devices.remove(call.token, call.reason, call.now);
      if (removed) ctx.timeline.add(call.now, "device", { invalidated: call.token.slice(0, 12), reason: call.reason });
      host.stateChanged(ctx, run);
      return removed;
    });
  }

  /** Consent change from a provider (Twilio STOP, email complaint…) or the admin API. */
  async setConsent(call: {
    appId: string;
    channel: ConsentChannel;
    status: "opted_in" | "opted_out" | "unknown";
    source: string;
    now: Millis;
  }): Promise<void> {
    const host = this.host;
    if (!host.profile) return;
    await host.change(call.appId, 0, call.now, (ctx, run) => {
      ctx.profile.consent[call.channel] = { status: call.status, at: call.now, source: call.source };
      ctx.timeline.add(call.now, "consent", { channel: call.channel, status: call.status, source: call.source });
      host.stateChanged(ctx, run);
      ctx.touchIndex(true);
    });
  }

  async getProfile(): Promise<ProfileView | null> {
    const host = this.host;
    const profile = host.profile;
    if (!profile) return null;
    const identity = JSON.parse(host.getMeta("identity") ?? "{}") as { appId?: string };
    const config = await host.config(identity.appId ?? profile.appId, 0);
    const ctx = host.context(config, Date.now(), new Run(host.features));
    const features: JsonObject = {};
    for (const f of host.features) if (f.describe) features[f.name] = f.describe(ctx);
    return { profile, devices: host.devices.list(), timers: host.timers.list(), features };
  }

  async getTimeline(opts: {
    limit: number;
    before?: TimelineCursor;
  }): Promise<{ entries: TimelineEntry[]; next: string | null } | null> {
    if (!this.host.profile) return null;
    // One more than a page from each source tells whether an older page exists.
    const before = opts.before ? { before: opts.before } : {};
    const decisions = this.host.timeline.list({ limit: opts.limit + 1, ...before });
    const events = this.host.events.page(opts.limit + 1, opts.before);
    const merged = [...decisions, ...events].sort(compareEntries);
    const entries = merged.slice(0, opts.limit);
    return { entries, next: merged.length > opts.limit ? encodeCursor(entries[entries.length - 1]!) : null };
  }

  /** GDPR export: everything stored about the person, the features' tables included. */
  async exportData(): Promise<UserExport | null> {
    const host = this.host;
    if (!host.profile) return null;
    const all = (table: string) => host.sql.exec(`SELECT * FROM "${table}"`).toArray();
    const featureTables = host.tables().filter((name) => !CORE_TABLES.has(name));
    return {
      profile: host.profile,
      devices: host.devices.list(),
      events: all("events"),
      timeline: all("timeline"),
      timers: all("timers"),
      features: Object.fromEntries(featureTables.map((t) => [t, all(t)])),
    };
  }

  /**
   * Erasure: closes sockets and deletes every row and the alarm. Only the index version survives
   * (a number, naming nobody): updates issued before the erase are at or below the returned
   * version, which the D1 tombstone records, and a person who comes back later starts above it.
   */
  async erase(now: Millis): Promise<{ existed: boolean; anonymousIds: string[]; version: number }> {
    const host = this.host;
    const existed = host.profile !== null || host.forwardTarget() !== null;
    const anonymousIds = host.profile?.anonymousIds ?? [];
    const version = Math.max(now, Number(host.getMeta("indexVersion") ?? 0));
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.close(1000, "user erased");
      } catch {
        // already closed
      }
    }
    await host.clearAlarm();
    await this.ctx.storage.deleteAll();
    host.load();
    host.setMeta("indexVersion", String(version));
    return { existed, anonymousIds, version };
  }

  /**
   * Runs a feature's command (see UserFeature.commands) in one transaction: how routes,
   * queue consumers and webhooks act on a person without a dedicated RPC method each. The host
   * dispatches by name and knows no feature; the types come from the registry (user-commands.ts).
   */
  async command<F extends FeatureName, N extends CommandName<F>>(
    call: CommandCall<F, N> & { createIfMissing: true },
  ): Promise<CommandResult<F, N>>;
  async command<F extends FeatureName, N extends CommandName<F>>(
    call: CommandCall<F, N>,
  ): Promise<CommandResult<F, N> | null>;
  async command<F extends FeatureName, N extends CommandName<F>>(
    call: CommandCall<F, N>,
  ): Promise<CommandResult<F, N> | null> {
    const fwd = this.forwarded(call);
    if (fwd) return fwd.to.command(fwd.call);
    const host = this.host;
    const handler = host.features.find((f) => f.name === call.feature)?.commands?.[call.name];
    if (!handler) throw new Error(`unknown command ${call.feature}.${call.name}`);
    if (!host.profile && !call.createIfMissing) return null;
    const result = await host.change(call.appId, call.configVersion ?? 0, call.now, (ctx, run) => {
      if (!host.profile) host.startProfile({ ...call, events: [] }, ctx);
      host.markVirtualClock(call.virtualClock);
      const result = handler.invoke(ctx, call.args);
      run.drain();
      return result;
    });
    // The one place the registry's types meet the run-time lookup: `defineFeature` checked that
    // the handler registered under this feature and name returns this command's result.
    return result as CommandResult<F, N>;
  }

  /** `GET /v1/connect` arrives here: a hibernatable WebSocket for live in-app delivery. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 426 });
    const host = this.host;
    const appId = request.headers.get("x-beckon-app") ?? host.profile?.appId;
    if (!appId) return new Response("unknown app", { status: 400 });
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, ["live"]);
    if (host.profile) {
      const config = await host.config(appId, Number(request.headers.get("x-beckon-config-version") ?? 0));
      const messages: LiveMessage[] = [];
      host.transaction(config, Date.now(), (ctx) => {
        for (const f of host.features) if (f.onLiveConnect) messages.push(...f.onLiveConnect(ctx));
      });
      for (const m of messages) server.send(JSON.stringify(m));
      await host.afterTransaction();
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(_ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const host = this.host;
    if (!host.profile || typeof data !== "string") return;
    let message: Json;
    try {
      message = JSON.parse(data) as Json;
    } catch {
      return;
    }
    await host.change(host.profile.appId, 0, Date.now(), (ctx, run) => {
      for (const f of host.features) f.onLiveMessage?.(ctx, message);
      run.drain();
    });
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  override async alarm(): Promise<void> {
    this.host.alarmFired();
    // Objects driven by a virtual clock (tests, replays) advance only through tick().
    if (this.host.virtualClock) return;
    await this.runDueTimers(Date.now());
  }

  /** Runs every timer due at `now` (virtual time in tests and replays; the alarm uses the wall clock). */
  async tick(now: Millis): Promise<{ fired: number }> {
    return { fired: await this.runDueTimers(now) };
  }

  private async runDueTimers(now: Millis): Promise<number> {
    const host = this.host;
    if (!host.profile) {
      host.alarmFired();
      return 0;
    }
    const config = await host.timerConfig(host.profile.appId);
    let fired = 0;
    for (;;) {
      const due = host.timers.due(now, 50);
      if (due.length === 0) break;
      for (const timer of due) {
        // Each timer: delete the row and apply its effect in one transaction, so a re-fired alarm never repeats it.
        host.transaction(config, now, (ctx, run) => {
          // An earlier handler may have moved or removed this timer: act on the row as it is now.
          const current = host.timers.get(timer.key);
          if (!current || current.dueAt > now) return;
          host.timers.cancel(current.key);
          fired++;
          this.handleTimer(ctx, current);
          run.drain();
        });
      }
      if (due.length < 50) break;
    }
    await host.afterTransaction();
    return fired;
  }

  private handleTimer(ctx: UserContext, timer: Timer): void {
    const host = this.host;
    switch (timer.kind) {
      case "gc":
        host.events.forgetSeenBefore(ctx.now - DEDUPE_WINDOW);
        host.timers.schedule({ key: "gc", dueAt: ctx.now + DAY, kind: "gc", payload: {} });
        return;
      case "index":
        return ctx.touchIndex(true);
      case "outbox":
        return; // the flush after this transaction retries the outbox
      case "outbox-resend":
        return host.outbox.resendUnacknowledged(ctx.now);
    }
    for (const f of host.features) {
      const handler = f.timers?.[timer.kind];
      if (handler) return handler(ctx, timer);
    }
    ctx.timeline.add(ctx.now, "decision", {
      dropped: "timer",
      kind: timer.kind,
      reason: "no handler for this timer kind",
    });
  }
}
