import { chromiumPath } from "./browser";

/**
 * Vitest global setup of the e2e project: finds (or installs) the browser once, before any
 * test's hook timeout runs, and fails the run with one sentence when there is none.
 */
export default function setup(): void {
  process.env.CHROME_PATH = chromiumPath();
}
