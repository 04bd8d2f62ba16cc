import type { Millis } from "../kernel/clock";

/**
 * The compile-time registry of the commands a person's object answers: feature name → command
 * name → `{ args; result }`. It is empty here on purpose: each feature declares its own commands
 * in its folder (`engine/features/<name>/<name>-commands.ts`) and adds them to this interface by
 * declaration merging, so neither the host nor the RPC contract names a feature, and callers
 * still get each command's argument and result types. `defineFeature` (engine/feature.ts) checks
 * a feature's handlers against its entry; the host dispatches by name at run time.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the features' declaration merging (see above).
export interface UserCommands {}

export type FeatureName = keyof UserCommands & string;
export type CommandName<F extends FeatureName> = keyof UserCommands[F] & string;

/** One command's contract: what the caller sends (structured clone, validated by the handler) and what it gets back. */
export interface CommandSpec<A = unknown, R = unknown> {
  args: A;
  result: R;
}

type SpecOf<F extends FeatureName, N extends CommandName<F>> = UserCommands[F][N];
export type CommandArgs<F extends FeatureName, N extends CommandName<F>> =
  SpecOf<F, N> extends CommandSpec<infer A, unknown> ? A : never;
export type CommandResult<F extends FeatureName, N extends CommandName<F>> =
  SpecOf<F, N> extends CommandSpec<unknown, infer R> ? R : never;

/** Commands that take nothing. */
export type NoArgs = Record<string, never>;

/** Who the command is for and on what clock; the same for every command. */
export interface PersonCall {
  appId: string;
  userId: string;
  anonymous: boolean;
  now: Millis;
  configVersion?: number;
  virtualClock?: boolean;
  /** Start a profile for an unknown person (e.g. a location update before any event). */
  createIfMissing?: boolean;
}

export interface CommandCall<F extends FeatureName, N extends CommandName<F>> extends PersonCall {
  feature: F;
  name: N;
  args: CommandArgs<F, N>;
}
