import type { Millis } from "../kernel/clock";
import type { JsonObject } from "../kernel/json";
import type { BeckonEvent } from "../domain/events/beckon-event";
import type { CampaignStat } from "../domain/campaigns/campaign-stat";
import type { CounterRow } from "../domain/analytics/counters";
import type { UserProfile } from "../domain/profile/profile";
import type { UserContext, UserFeature } from "./feature";
import { type ExportRow, sendRow, timelineRow } from "../domain/analytics/export";
import type { SendJob } from "../domain/delivery/send-job";

/** How deep a chain of internal events may go (an event emitting an event…) before Beckon stops it as a loop. */
const MAX_EMIT_CHAIN = 16;
/** A safety net on internal events per transaction (a fix inside many fences legitimately emits dozens). */
const MAX_EMITTED_PER_TRANSACTION = 2000;

/** A row to export once the transaction knows who it belongs to: a send job, or a timeline entry. */
type PendingExport = { at: Millis; send: SendJob } | { at: Millis; kind: string; detail: JsonObject };

/** One transaction's dispatch state: internal events chain after the event that caused them. */
export class Run {
  ctx!: UserContext;
  readonly sends: string[] = [];
  readonly stats: CampaignStat[] = [];
  readonly counts: CounterRow[] = [];
  /** What this transaction exports (null: export is off): events as rows, timeline entries and sends to stamp. */
  exports: Array<ExportRow | PendingExport> | null = null;
  /** Writes features deferred to the end of the transaction (ctx.beforeCommit), by key. */
  readonly commits = new Map<string, () => void>();
  indexDirty = false;
  indexUrgent = false;
  private readonly queue: Array<{ event: BeckonEvent; depth: number }> = [];
  /** Depth of the event being handled: 0 for an SDK event, n for an event emitted at depth n − 1. */
  private depth = 0;
  private emitted = 0;

  constructor(private readonly features: readonly UserFeature[]) {}

  exportRows(who: { appId: string; userId: string }): ExportRow[] {
    const rows: ExportRow[] = [];
    for (const r of this.exports ?? []) {
      if ("type" in r) rows.push(r);
      else if ("send" in r) rows.push(sendRow(who, r.at, r.send));
      else {
        const row = timelineRow(who, r.at, r.kind, r.detail, rows.length);
        if (row) rows.push(row);
      }
    }
    return rows;
  }

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
