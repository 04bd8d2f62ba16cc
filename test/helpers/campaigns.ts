import { clearKeyCache } from "../../src/stores/config/app-directory";
import { admin, type TestApp } from "./api";

/** Creates and activates a campaign through the admin API; returns its id. */
export async function launchCampaign(
  app: TestApp,
  definition: Record<string, unknown>,
  clock?: number,
): Promise<string> {
  const res = await admin(app, "/admin/campaigns", { method: "POST", json: definition, ...(clock ? { clock } : {}) });
  if (res.status !== 200) throw new Error(`create campaign: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  const act = await admin(app, `/admin/campaigns/${id}/activate`, { method: "POST" });
  if (act.status !== 200) throw new Error(`activate: ${act.status} ${await act.text()}`);
  // The edge revalidates cached config every 3 s; tests skip the wait.
  clearKeyCache();
  return id;
}

export interface Decision {
  at: number;
  detail: {
    campaignId?: string;
    sent?: string;
    suppressed?: boolean;
    deferred?: boolean;
    until?: number;
    reason?: string;
    key?: string;
    step?: string;
    variant?: string;
    entered?: boolean;
    configVersion?: number;
    converted?: boolean;
    cancelled?: boolean;
    notEntered?: boolean;
    lateMs?: number;
    nextEligibleAt?: number;
  };
}

/** The user's campaign decisions (sent, suppressed, deferred, entered…), oldest first. */
export async function decisions(app: TestApp, userId: string): Promise<Decision[]> {
  const res = await admin(app, `/admin/users/${encodeURIComponent(userId)}/timeline?limit=500`);
  const body = (await res.json()) as { entries: Array<{ kind: string; at: number; detail: Decision["detail"] }> };
  return body.entries.filter((e) => e.kind === "decision").reverse();
}

/** Messages that left for the user: `step:channel`, oldest first. */
export async function sent(app: TestApp, userId: string): Promise<string[]> {
  return (await decisions(app, userId)).filter((d) => d.detail.sent).map((d) => `${d.detail.step}:${d.detail.sent}`);
}

export const tick = (app: TestApp, userId: string, at: number) =>
  admin(app, `/admin/users/${encodeURIComponent(userId)}/tick`, { method: "POST", clock: at });
