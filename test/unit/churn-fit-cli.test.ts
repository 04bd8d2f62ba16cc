import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** `npm run churn-fit -- <file.csv>`: the CLI the README documents, run as a user would. */
const run = (...args: string[]) =>
  spawnSync(process.execPath, ["scripts/churn-fit.mjs", ...args], { encoding: "utf8", timeout: 60_000 });

describe("churn-fit CLI", () => {
  it("fits the CDNOW summary to the paper's estimates and prints them as JSON", () => {
    const out = run("test/fixtures/cdnow_customers_summary.csv");
    expect(out.status, out.stderr).toBe(0);
    const fit = JSON.parse(out.stdout) as {
      r: number;
      alpha: number;
      a: number;
      b: number;
      logLikelihood: number;
      n: number;
    };
    // Fader, Hardie & Lee (2005), CDNOW: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
    expect(fit.r).toBeCloseTo(0.243, 3);
    expect(fit.alpha).toBeCloseTo(4.414, 2);
    expect(fit.a).toBeCloseTo(0.793, 3);
    expect(fit.b).toBeCloseTo(2.426, 2);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 1);
    expect(fit.n).toBe(2357);
  });

  it("says what is wrong with a file it cannot use", () => {
    expect(run().status).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), "churn-fit-"));
    const tiny = join(dir, "tiny.csv");
    writeFileSync(tiny, "ID,frequency,recency,T\n1,0,0,10\n2,1,3,10\n");
    const out = run(tiny);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/not enough data to fit/);
  });
});
