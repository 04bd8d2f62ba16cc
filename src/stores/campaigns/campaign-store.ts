import { and, desc, eq } from "drizzle-orm";
import { bumpConfigVersion } from "../config/config-version";
import { invalid, notFound } from "../../kernel/errors";
import { DomainError } from "../../kernel/errors";
import { database } from "../d1/client";
import { campaigns, campaignVersions } from "../d1/schema";
import { validateContent } from "../../domain/templates/render";
import { Campaign, type CampaignStatus } from "../../domain/campaigns/model";

export interface CampaignRecord {
  id: string;
  appId: string;
  name: string;
  status: CampaignStatus;
  version: number;
  definition: Campaign;
  createdAt: number;
  updatedAt: number;
}

/** Validates a definition: the zod model, then every template it holds (a template error is caught at save time). */
export function parseCampaign(input: unknown): Campaign {
  const parsed = Campaign.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  const problems = parsed.data.steps.flatMap((step, i) =>
    step.type === "message"
      ? [
          ...validateContent(step.content, `steps.${i}.content`),
          ...validateContent(step.variants ?? {}, `steps.${i}.variants`),
          ...validateContent(step.locales ?? {}, `steps.${i}.locales`),
        ].map((p) => ({
          field: p.path,
          message: `template error: ${p.message}${p.line ? ` (line ${p.line}, col ${p.col})` : ""}`,
        }))
      : [],
  );
  if (problems.length > 0)
    throw new DomainError(400, "invalid_template", `${problems[0]!.field}: ${problems[0]!.message}`, problems);
  return parsed.data;
}

const toRecord = (r: typeof campaigns.$inferSelect): CampaignRecord => ({
  ...r,
  status: r.status as CampaignStatus,
  definition: JSON.parse(r.definition),
});

/** Campaigns in D1. Every saved change is a new immutable version; the config version is bumped so objects pick it up. */
export class CampaignStore {
  constructor(private readonly d1: D1Database) {}

  private get db() {
    return database(this.d1);
  }

  async create(appId: string, def: Campaign, now: number): Promise<CampaignRecord> {
    const id = `cmp_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const definition = JSON.stringify(def);
    await this.db.batch([
      this.db
        .insert(campaigns)
        .values({ id, appId, name: def.name, status: "draft", version: 1, definition, createdAt: now, updatedAt: now }),
      this.db.insert(campaignVersions).values({ campaignId: id, version: 1, definition, createdAt: now }),
    ]);
    return (await this.get(appId, id))!;
  }

  async get(appId: string, id: string): Promise<CampaignRecord | null> {
    const [row] = await this.db
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.appId, appId), eq(campaigns.id, id)));
    return row ? toRecord(row) : null;
  }

  async require(appId: string, id: string): Promise<CampaignRecord> {
    const found = await this.get(appId, id);
    if (!found) throw notFound("campaign", id);
    return found;
  }

  async list(appId: string, status?: CampaignStatus): Promise<CampaignRecord[]> {
    const rows = await this.db
      .select()
      .from(campaigns)
      .where(status ? and(eq(campaigns.appId, appId), eq(campaigns.status, status)) : eq(campaigns.appId, appId))
      .orderBy(desc(campaigns.updatedAt));
    return rows.map(toRecord);
  }

  async update(appId: string, id: string, def: Campaign, now: number): Promise<CampaignRecord> {
    const current = await this.require(appId, id);
    if (current.status === "archived") throw new DomainError(409, "conflict", "archived campaigns cannot change");
    const version = current.version + 1;
    const definition = JSON.stringify(def);
    await this.db.batch([
      this.db
        .update(campaigns)
        .set({ name: def.name, version, definition, updatedAt: now })
        .where(eq(campaigns.id, id)),
      this.db.insert(campaignVersions).values({ campaignId: id, version, definition, createdAt: now }),
    ]);
    if (current.status === "active") await bumpConfigVersion(this.d1, appId);
    return (await this.get(appId, id))!;
  }

  async setStatus(appId: string, id: string, status: CampaignStatus, now: number): Promise<CampaignRecord> {
    const current = await this.require(appId, id);
    if (current.status === "archived" && status !== "archived")
      throw new DomainError(409, "conflict", "archived campaigns cannot be reactivated");
    await this.db.update(campaigns).set({ status, updatedAt: now }).where(eq(campaigns.id, id));
    await bumpConfigVersion(this.d1, appId);
    return (await this.get(appId, id))!;
  }

  /** Only a draft can be deleted: it never ran, so no one entered it and nothing was counted. */
  async deleteDraft(appId: string, id: string): Promise<void> {
    const current = await this.require(appId, id);
    if (current.status !== "draft")
      throw new DomainError(
        409,
        "conflict",
        `campaign is ${current.status}: only a draft that never ran can be deleted; archive it instead`,
      );
    await this.db.batch([
      this.db.delete(campaignVersions).where(eq(campaignVersions.campaignId, id)),
      this.db
        .delete(campaigns)
        .where(and(eq(campaigns.appId, appId), eq(campaigns.id, id), eq(campaigns.status, "draft"))),
    ]);
  }

  async versions(id: string): Promise<Array<{ version: number; createdAt: number }>> {
    return this.db
      .select({ version: campaignVersions.version, createdAt: campaignVersions.createdAt })
      .from(campaignVersions)
      .where(eq(campaignVersions.campaignId, id))
      .orderBy(campaignVersions.version);
  }
}
