import type { CommandSpec } from "../../user-commands";

/** What the edge may ask of the identity feature (engine/user-commands.ts). */
export interface IdentityCommands {
  /** Identity verification in `warn` mode: note that a call naming this person came without a valid user token. */
  unverified: CommandSpec<{ problem: string; path: string }, true>;
}

declare module "../../user-commands" {
  interface UserCommands {
    identity: IdentityCommands;
  }
}
