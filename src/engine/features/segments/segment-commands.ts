import type { Millis } from "../../../kernel/clock";
import type { ChurnBand } from "../../../domain/segments/bgnbd";
import type { RfmScore } from "../../../domain/segments/rfm";
import type { CommandSpec, NoArgs } from "../../user-commands";

export interface ChurnScore {
  /** Repeat purchase days (distinct purchase days − 1). */
  x: number;
  /** Weeks from the first to the last purchase. */
  tx: number;
  /** Weeks from the first purchase to now. */
  T: number;
  pAlive: number;
  expectedPurchases30: number;
  band: ChurnBand;
}

/** A person's scores: RFM against the app's cut points, churn against the nightly BG/NBD fit. */
export interface ScoreState {
  rfm: RfmScore | null;
  churn: ChurnScore | null;
  modelVersion: number;
  at: Millis;
}

/** Admin tools, tests and replays (engine/user-commands.ts). */
export interface SegmentCommands {
  /** Re-evaluate now: the segments entered and exited, and the memberships after. */
  evaluate: CommandSpec<NoArgs, { entered: string[]; exited: string[]; members: string[] }>;
}

export interface ScoringCommands {
  /** Re-score now. */
  rescore: CommandSpec<NoArgs, ScoreState>;
}

declare module "../../user-commands" {
  interface UserCommands {
    segments: SegmentCommands;
    scoring: ScoringCommands;
  }
}
