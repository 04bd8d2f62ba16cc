import type { ShardEnv } from "../d1/index-shards";
import { and, desc, eq } from "drizzle-orm";
import type { AppContext } from "../config/app-directory";
import { database } from "../d1/client";
import { approvals, campaignVersions } from "../d1/schema";
import { DomainError, notFound } from "../../kernel/errors";
import type { Principal } from "../config/app-directory";
import { estimateAudience } from "./audience-estimate";
import { type CampaignRecord, CampaignStore } from "./campaign-store";

/**
 * Approvals (docs/console.md "Roles and approvals"): with `settings.approvals.audienceOver = N`, activating
 * a campaign whose estimated audience (the estimate's upper bound, so an estimate never lets a
 * large send through) exceeds N people creates a pending request instead; a different person with
 * the approver right approves it, which activates the campaign version that was asked for.
 */
export type ApprovalRow = typeof approvals.$inferSelect;

export type ActivationResult =
  | { kind: "activated"; campaign: CampaignRecord }
  | { kind: "pending"; approval: ApprovalRow };

export async function requestActivation(
  env: ShardEnv,
  app: AppContext,
  principal: Principal,
  id: string,
  now: number,
): Promise<ActivationResult> {
  const d1 = env.DB;
  const store = new CampaignStore(d1);
  const current = await store.require(app.appId, id);
  const rule = app.settings.approvals;
  if (!rule || current.status === "active" || current.status === "archived")
    return { kind: "activated", campaign: await store.setStatus(app.appId, id, "active", now) };
  const db = database(d1);
  const [approved] = await db
    .select()
    .from(approvals)
    .where(
      and(
        eq(approvals.campaignId, id),
        eq(approvals.campaignVersion, current.version),
        eq(approvals.status, "approved"),
      ),
    )
    .limit(1);
  if (approved) return { kind: "activated", campaign: await store.setStatus(app.appId, id, "active", now) };
  const estimate = await estimateAudience(env, app.appId, current.definition, now);
  if (estimate.audience.max <= rule.audienceOver)
    return { kind: "activated", campaign: await store.setStatus(app.appId, id, "active", now) };
  const pending = await db
    .select()
    .from(approvals)
    .where(and(eq(approvals.appId, app.appId), eq(approvals.campaignId, id), eq(approvals.status, "pending")));
  const same = pending.find((p) => p.campaignVersion === current.version);
  if (same) return { kind: "pending", approval: same };
  // A request for an older version is moot: the definition it would approve is no longer the campaign.
  for (const p of pending)
    await db
      .update(approvals)
      .set({ status: "superseded", decidedAt: now, note: `superseded by a request for version ${current.version}` })
      .where(and(eq(approvals.id, p.id), eq(approvals.status, "pending")));
  const row: ApprovalRow = {
    id: `apr_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`,
    appId: app.appId,
    campaignId: id,
    campaignVersion: current.version,
    action: "activate",
    status: "pending",
    audience: estimate.audience.max,
    threshold: rule.audienceOver,
    requestedBy: principal.id,
    requestedAt: now,
    decidedBy: null,
    decidedAt: null,
    note: null,
  };
  await db.insert(approvals).values(row);
  return { kind: "pending", approval: row };
}

export async function listApprovals(
  d1: D1Database,
  appId: string,
  status: ApprovalRow["status"] | undefined,
  limit: number,
): Promise<ApprovalRow[]> {
  return database(d1)
    .select()
    .from(approvals)
    .where(status ? and(eq(approvals.appId, appId), eq(approvals.status, status)) : eq(approvals.appId, appId))
    .orderBy(desc(approvals.requestedAt))
    .limit(limit);
}

export async function getApproval(d1: D1Database, appId: string, id: string): Promise<ApprovalRow> {
  const [row] = await database(d1)
    .select()
    .from(approvals)
    .where(and(eq(approvals.appId, appId), eq(approvals.id, id)));
  if (!row) throw notFound("approval", id);
  return row;
}

/** Approve (activating the requested version) or reject a pending request; never the requester's own. */
export async function decide(
  d1: D1Database,
  appId: string,
  principal: Principal,
  id: string,
  decision: "approved" | "rejected",
  note: string | undefined,
  now: number,
): Promise<{ approval: ApprovalRow; campaign: CampaignRecord | null }> {
  const row = await getApproval(d1, appId, id);
  if (row.status !== "pending") throw new DomainError(409, "conflict", `approval ${id} is ${row.status}`);
  if (row.requestedBy === principal.id)
    throw new DomainError(
      403,
      "forbidden",
      `you requested this activation: a different person with the approver right must ${decision === "approved" ? "approve" : "reject"} it`,
      [{ field: "approver", message: "requester cannot decide their own request" }],
    );
  const store = new CampaignStore(d1);
  const campaign = await store.require(appId, row.campaignId);
  const db = database(d1);
  if (decision === "approved" && campaign.version !== row.campaignVersion) {
    await db
      .update(approvals)
      .set({
        status: "superseded",
        decidedAt: now,
        note: `the campaign changed to version ${campaign.version} after the request`,
      })
      .where(and(eq(approvals.id, id), eq(approvals.status, "pending")));
    throw new DomainError(
      409,
      "conflict",
      `the campaign changed (version ${row.campaignVersion} → ${campaign.version}) after the request; activate it again to ask for the new version`,
    );
  }
  const [updated] = await db
    .update(approvals)
    .set({ status: decision, decidedBy: principal.id, decidedAt: now, note: note ?? null })
    .where(and(eq(approvals.id, id), eq(approvals.status, "pending")))
    .returning();
  if (!updated) throw new DomainError(409, "conflict", `approval ${id} was decided meanwhile`);
  const activated = decision === "approved" ? await store.setStatus(appId, row.campaignId, "active", now) : null;
  return { approval: updated, campaign: activated };
}

/** One stored version of a campaign's definition. */
export async function campaignVersion(
  d1: D1Database,
  campaignId: string,
  version: number,
): Promise<{ version: number; createdAt: number; definition: unknown } | null> {
  const [row] = await database(d1)
    .select()
    .from(campaignVersions)
    .where(and(eq(campaignVersions.campaignId, campaignId), eq(campaignVersions.version, version)));
  return row
    ? { version: row.version, createdAt: row.createdAt, definition: JSON.parse(row.definition) as unknown }
    : null;
}
