import type { JsonObject } from "../../../kernel/json";
import type { Fix } from "../../../domain/geo/transition";
import type { CommandSpec, NoArgs } from "../../user-commands";

/** What `POST /v1/location` answers: the fixes applied or ignored and the crossings they caused. */
export interface LocationSummary {
  applied: number;
  ignored: Array<{ index: number; reason: string }>;
  entered: string[];
  exited: string[];
  dwelled: string[];
  inside: string[];
}

/** What the edge may ask of the geofence feature (engine/user-commands.ts). */
export interface GeofenceCommands {
  /** `POST /v1/location`: fixes validated at the edge, at most 1000. */
  location: CommandSpec<{ fixes: Fix[] }, LocationSummary>;
  /** The inside-set and last fix (admin and tests): the feature's `describe`. */
  state: CommandSpec<NoArgs, JsonObject>;
}

declare module "../../user-commands" {
  interface UserCommands {
    geofences: GeofenceCommands;
  }
}
