import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildSdk, GZIP_BUDGET, OUTPUT } from "../../scripts/build-sdk.mjs";

describe("SDK bundle", () => {
  it("is up to date with sdk/ and demo/ (run npm run build:sdk) and within its size budget", async () => {
    const { text, sizes } = (await buildSdk()) as { text: string; sizes: { sdkGzipBytes: number } };
    const committed = await readFile(OUTPUT as string, "utf8");
    expect(committed === text, "src/http/sdk/generated/sdk-bundle.ts is stale: run npm run build:sdk").toBe(true);
    expect(sizes.sdkGzipBytes).toBeLessThan(GZIP_BUDGET as number);
  }, 30_000);
});
