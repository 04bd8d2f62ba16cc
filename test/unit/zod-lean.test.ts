import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as zod from "zod";
// @ts-expect-error plain JS module without types (TypeScript checks against zod itself)
import * as lean from "../../src/zod-lean/index.js";

/** What the Worker's bundle leaves out of zod's exports (src/zod-lean/external.js). */
const LEFT_OUT = [
  "ZodCompileAsyncError",
  "ZodCompileUnsupportedError",
  "compile",
  "core",
  "fromJSONSchema",
  "locales",
  "withParser",
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}
const ALL_SOURCES = [...sources("src"), ...sources("workers")];

describe("zod in the Worker's bundle (src/zod-lean)", () => {
  it("exports zod's values, the same ones, minus only the documented exports", () => {
    const full = Object.keys(zod).sort();
    const kept = Object.keys(lean).sort();
    expect(full.filter((k) => !kept.includes(k))).toEqual(LEFT_OUT);
    expect(kept.filter((k) => !full.includes(k))).toEqual([]);
    for (const key of kept)
      if (!["z", "default", "iso", "coerce"].includes(key))
        expect(lean[key], key).toBe((zod as Record<string, unknown>)[key]);
    expect(lean.string().parse("x")).toBe("x");
  });

  it("its `z` holds only what @hono/zod-openapi reads, and says so on any other use", () => {
    expect(lean.z.ZodType).toBe(zod.ZodType);
    expect(() => lean.z.string).toThrow(/import \* as z from "zod"/);
  });

  it("English error messages stay (schemas.js configures them without the locales namespace)", () => {
    const r = lean.object({ a: lean.string() }).safeParse({ a: 1 });
    expect(r.error.issues[0].message).toBe("Invalid input: expected string, received number");
  });

  it("sources import zod as a namespace, no zod subpath, and read no left-out export", () => {
    const named =
      /import\s+(type\s+)?\{[^}]*\bz\b[^}]*\}\s+from\s+"(zod|@hono\/zod-openapi)"|import\s+z\s+from\s+"zod"|from\s+"zod\//;
    expect(ALL_SOURCES.filter((file) => named.test(readFileSync(file, "utf8")))).toEqual([]);
    const leftOut = new RegExp(`\\bz\\.(${LEFT_OUT.filter((k) => k !== "core").join("|")})\\b|\\bz\\.core\\.(?!\\$)`);
    expect(ALL_SOURCES.filter((file) => leftOut.test(readFileSync(file, "utf8")))).toEqual([]);
  });
});
