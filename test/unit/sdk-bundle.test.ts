import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildSdk, GZIP_BUDGET, OUTPUTS } from "../../scripts/build-sdk.mjs";

describe("SDK bundle", () => {
  it("is up to date with sdk/ (run npm run build:sdk) and within its size budget", async () => {
    const { files, sizes } = (await buildSdk()) as {
      files: Record<string, string>;
      sizes: { sdkGzipBytes: number };
    };
    for (const [name, path] of Object.entries(OUTPUTS as Record<string, string>))
      expect((await readFile(path, "utf8")) === files[name], `${path} is stale: run npm run build:sdk`).toBe(true);
    expect(sizes.sdkGzipBytes).toBeLessThan(GZIP_BUDGET as number);
  }, 30_000);
});
