import { desc, eq } from "drizzle-orm";
import { registerConfigPart } from "../config/app-config";
import { database } from "../d1/client";
import { modelParams } from "../d1/schema";
import type { BgNbdFit } from "../../domain/segments/bgnbd-fit";
import type { RejectedFit } from "../../domain/segments/fit-acceptance";
import type { RfmCutPoints } from "../../domain/segments/rfm";

/** An app's segmentation model as of its last nightly run: what every UserObject scores with. */
export interface AppModel {
  version: number;
  computedAt: number;
  purchasers: number;
  cutPoints: RfmCutPoints | null;
  bgnbd: BgNbdFit | null;
  /** The latest nightly fit that was refused (not converged, degenerate), if the last run refused one. */
  bgnbdRejected?: RejectedFit | null;
}

export const NO_MODEL: AppModel = { version: 0, computedAt: 0, purchasers: 0, cutPoints: null, bgnbd: null };

export async function loadModel(d1: D1Database, appId: string): Promise<AppModel> {
  const [row] = await database(d1)
    .select()
    .from(modelParams)
    .where(eq(modelParams.appId, appId))
    .orderBy(desc(modelParams.version))
    .limit(1);
  if (!row) return NO_MODEL;
  return {
    version: row.version,
    computedAt: row.computedAt,
    purchasers: row.purchasers,
    cutPoints: row.cutPoints ? (JSON.parse(row.cutPoints) as RfmCutPoints) : null,
    bgnbd: row.bgnbd ? (JSON.parse(row.bgnbd) as BgNbdFit) : null,
    bgnbdRejected: row.bgnbdRejected ? (JSON.parse(row.bgnbdRejected) as RejectedFit) : null,
  };
}

export async function saveModel(d1: D1Database, appId: string, model: Omit<AppModel, "version">): Promise<AppModel> {
  const previous = await loadModel(d1, appId);
  const version = previous.version + 1;
  await database(d1)
    .insert(modelParams)
    .values({
      appId,
      version,
      computedAt: model.computedAt,
      purchasers: model.purchasers,
      cutPoints: model.cutPoints ? JSON.stringify(model.cutPoints) : null,
      bgnbd: model.bgnbd ? JSON.stringify(model.bgnbd) : null,
      bgnbdRejected: model.bgnbdRejected ? JSON.stringify(model.bgnbdRejected) : null,
    })
    .onConflictDoNothing();
  return { ...model, version };
}

/** The `models` part of the compiled app config (read once per config version, never on the event path). */
export const modelsConfigPart = {
  name: "segmentModels",
  load: (d1: D1Database, appId: string) => loadModel(d1, appId),
};
registerConfigPart<AppModel>(modelsConfigPart);
