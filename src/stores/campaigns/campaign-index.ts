import { and, eq, inArray } from "drizzle-orm";
import { registerConfigPart } from "../config/app-config";
import { database } from "../d1/client";
import { campaigns } from "../d1/schema";
import { Campaign, type CampaignStatus } from "../../domain/campaigns/model";
import { TRIGGER_EVENTS } from "../../domain/events/reserved-events";

export { TRIGGER_EVENTS };

export interface CompiledCampaign {
  id: string;
  version: number;
  status: CampaignStatus;
  def: Campaign;
  startAt: number | null;
  endAt: number | null;
}

/**
 * The app's campaigns, compiled once per config version and indexed by the event
 * names that matter, so matching an event costs a map lookup, not a scan.
 */
export interface CampaignIndex {
  byId: Map<string, CompiledCampaign>;
  /** Entry triggers (event, inaction start, lifecycle, geofence, segment), highest priority first. */
  entryByEvent: Map<string, CompiledCampaign[]>;
  /** Inaction triggers cancelled by this event. */
  cancelByEvent: Map<string, CompiledCampaign[]>;
  /** Campaigns whose conversion goal is this event: active and paused ones (people messaged before a pause still convert). */
  goalByEvent: Map<string, CompiledCampaign[]>;
  /** Status of every non-draft campaign (journeys in flight stop when theirs is paused or archived). */
  status: Map<string, CampaignStatus>;
}

export function entryEventOf(def: Campaign): string | null {
  const t = def.trigger;
  switch (t.type) {
    case "event":
      return t.event;
    case "inaction":
      return t.start.event;
    case "lifecycle":
      return TRIGGER_EVENTS.lifecycle;
    case "geofence":
      return TRIGGER_EVENTS.geofence[t.on];
    case "beacon":
      return TRIGGER_EVENTS.beacon[t.on];
    case "segment":
      return TRIGGER_EVENTS.segment[t.on];
    default:
      return null; // broadcast and api campaigns are entered by command
  }
}

export function buildCampaignIndex(
  rows: Array<{ id: string; version: number; status: CampaignStatus; definition: string }>,
): CampaignIndex {
  const index: CampaignIndex = {
    byId: new Map(),
    entryByEvent: new Map(),
    cancelByEvent: new Map(),
    goalByEvent: new Map(),
    status: new Map(),
  };
  const push = (map: Map<string, CompiledCampaign[]>, key: string, c: CompiledCampaign) => {
    const list = map.get(key) ?? [];
    list.push(c);
    map.set(key, list);
  };
  for (const row of rows) {
    index.status.set(row.id, row.status);
    if (row.status !== "active" && row.status !== "paused") continue;
    const def = Campaign.parse(JSON.parse(row.definition));
    const c: CompiledCampaign = {
      id: row.id,
      version: row.version,
      status: row.status,
      def,
      startAt: def.startAt ? Date.parse(def.startAt) : null,
      endAt: def.endAt ? Date.parse(def.endAt) : null,
    };
    if (row.status === "paused") {
      if (def.goal) push(index.goalByEvent, def.goal.event, c);
      continue;
    }
    index.byId.set(c.id, c);
    const entry = entryEventOf(def);
    if (entry) push(index.entryByEvent, entry, c);
    if (def.trigger.type === "inaction") push(index.cancelByEvent, def.trigger.cancel.event, c);
    if (def.goal) push(index.goalByEvent, def.goal.event, c);
  }
  for (const list of index.entryByEvent.values())
    list.sort((a, b) => b.def.priority - a.def.priority || a.id.localeCompare(b.id));
  return index;
}

export const campaignsPart = {
  name: "campaigns",
  async load(d1: D1Database, appId: string): Promise<CampaignIndex> {
    const rows = await database(d1)
      .select({
        id: campaigns.id,
        version: campaigns.version,
        status: campaigns.status,
        definition: campaigns.definition,
      })
      .from(campaigns)
      .where(and(eq(campaigns.appId, appId), inArray(campaigns.status, ["active", "paused", "archived"])));
    return buildCampaignIndex(rows);
  },
};
registerConfigPart(campaignsPart);
