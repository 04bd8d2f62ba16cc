import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as zod from "zod";
// @ts-expect-error plain JS module without types (TypeScript checks against zod itself)
import * as lean from "../../src/zod-lean/index.js";

/** What the Worker's bundle leaves out of zod's namespace (src/zod-lean/external.js). */
const LEFT_OUT = ["ZodCompileAsyncError", "ZodCompileUnsupportedError", "compile", "core", "fromJSONSchema", "locales", "withParser"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
}

describe("zod in the Worker's bundle (src/zod-lean)", () => {
  it("is zod's namespace, the same values, minus only the documented exports", () => {
    const full = Object.keys(zod.z).sort();
    const kept = Object.keys(lean.z).sort();
    expect(full.filter((k) => !kept.includes(k))).toEqual(LEFT_OUT);
    expect(kept.filter((k) => !full.includes(k))).toEqual([]);
    for (const key of kept) if (!["z", "default", "iso", "coerce"].includes(key)) expect(lean.z[key], key).toBe((zod.z as Record<string, unknown>)[key]);
    expect(lean.z.string().parse("x")).toBe("x");
  });

  it("English error messages stay (schemas.js configures them without the locales namespace)", () => {
    const r = lean.z.object({ a: lean.z.string() }).safeParse({ a: 1 });
    expect(r.error.issues[0].message).toBe("Invalid input: expected string, received number");
  });

  it("no source reads a left-out export at run time", () => {
    const pattern = new RegExp(`\\bz\\.(${LEFT_OUT.filter((k) => k !== "core").join("|")})\\b|\\bz\\.core\\.(?!\\$)`);
    const offenders = [...sources("src"), ...sources("workers")].filter((file) => pattern.test(readFileSync(file, "utf8")));
    expect(offenders).toEqual([]);
  });
});
