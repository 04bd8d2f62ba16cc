import { buildConsole } from "../../scripts/build-console.mjs";

/**
 * Vitest global setup of the e2e project: builds the console once before any `wrangler dev`
 * starts (each would otherwise run the same build through wrangler.toml's `[build]` at once).
 */
export default async function setup(): Promise<void> {
  await buildConsole();
}
