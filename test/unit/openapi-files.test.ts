import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const run = promisify(execFile);

describe("generated OpenAPI files", () => {
  it("openapi/beckon.d.ts and public/docs/index.html are what npm run openapi makes of the document (run it when this fails)", async () => {
    const { stdout } = await run(process.execPath, [join(root, "scripts/openapi.mjs"), "--check"], {
      cwd: root,
      timeout: 120_000,
    }).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`stale generated files: ${e.stderr ?? ""}${e.stdout ?? ""}`);
    });
    expect(stdout).toContain("up to date");
  }, 150_000);

  it("the docs page loads no script from elsewhere: Redoc is inlined", async () => {
    const html = await readFile(join(root, "public/docs/index.html"), "utf8");
    expect(html).toContain("<title>Beckon API</title>");
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/i);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:[^>]+stylesheet/i);
  });
});
