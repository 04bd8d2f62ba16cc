import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildParquetCodec, OUTPUT } from "../../scripts/build-parquet-codec.mjs";
import { parquetReadObjects, parquetWriteBuffer } from "../../workers/vendor/parquet-codec.mjs";

describe("Parquet codec module", () => {
  it("is up to date with the installed hyparquet packages (run node scripts/build-parquet-codec.mjs)", async () => {
    const { text } = (await buildParquetCodec()) as { text: string };
    const committed = await readFile(OUTPUT as string, "utf8");
    expect(
      committed === text,
      "workers/vendor/parquet-codec.mjs is stale: run node scripts/build-parquet-codec.mjs",
    ).toBe(true);
  }, 30_000);

  it("writes what it reads back", async () => {
    const file = parquetWriteBuffer({
      columnData: [
        { name: "id", type: "STRING", nullable: false, data: ["a", "b"] },
        { name: "n", type: "INT32", nullable: false, data: [1, 2] },
        { name: "detail", type: "JSON", nullable: true, data: [{ x: [1] }, null] },
      ],
    });
    expect(await parquetReadObjects({ file })).toEqual([
      { id: "a", n: 1, detail: { x: [1] } },
      { id: "b", n: 2, detail: null },
    ]);
  });
});
