#!/usr/bin/env node
/**
 * `npm run openapi`: writes the OpenAPI document the Worker serves (`/openapi.json`) to
 * `openapi/beckon.openapi.json`, its openapi-typescript types to `openapi/beckon.d.ts`, and the
 * static API reference (`/docs`, Redoc inlined, no CDN) to `public/docs/index.html`. All three are
 * committed, so a fresh clone serves them with no build step; `--check` exits 1 when any is stale
 * (a test also compares the committed document with what the Worker serves).
 *
 * The document comes from the app itself (createApp, bundled by esbuild and run in Node). The Worker
 * serves it as a static asset: `public/openapi.json` is a symbolic link to the committed file, so
 * `/openapi.json` answers exactly these bytes and the Worker's bundle carries no generator.
 */
import { build } from "esbuild";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DOCUMENT = join(root, "openapi/beckon.openapi.json");
export const TYPES = join(root, "openapi/beckon.d.ts");
export const DOCS_HTML = join(root, "public/docs/index.html");
const bin = (name) => join(root, "node_modules/.bin", name);

/** `cloudflare:workers` exists only in workerd; generating the document never instantiates a Durable Object. */
const cloudflareStub = {
  name: "cloudflare-workers-stub",
  setup(b) {
    b.onResolve({ filter: /^cloudflare:workers$/ }, () => ({ path: "cloudflare:workers", namespace: "stub" }));
    b.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
      contents: "export class DurableObject {} export class WorkerEntrypoint {} export const env = {};",
      loader: "js",
    }));
  },
};

/** The document's text, as committed and served (public/openapi.json links to it). */
export async function documentText() {
  const entry = `import { createApp } from "./src/http/app"; import { documentOf } from "./src/http/openapi/document"; export default () => JSON.stringify(documentOf(createApp()));`;
  const out = await build({
    stdin: { contents: entry, resolveDir: root, loader: "ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    write: false,
    logLevel: "error",
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
    loader: { ".sql": "text" },
    plugins: [cloudflareStub],
  });
  const dir = await mkdtemp(join(tmpdir(), "beckon-openapi-"));
  try {
    const file = join(dir, "doc.mjs");
    await writeFile(file, out.outputFiles[0].text);
    const mod = await import(pathToFileURL(file).href);
    return JSON.stringify(JSON.parse(mod.default()), null, 2) + "\n";
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Generates all three files into `dir` (same relative names as the committed ones). */
async function generate(doc, dir) {
  const files = {
    document: join(dir, "beckon.openapi.json"),
    types: join(dir, "beckon.d.ts"),
    docs: join(dir, "index.html"),
  };
  await writeFile(files.document, doc);
  await run(bin("openapi-typescript"), [files.document, "-o", files.types, "--alphabetize"], { cwd: root });
  const title = JSON.parse(doc).info.title;
  await run(
    bin("redocly"),
    ["build-docs", files.document, "-o", files.docs, "--inlineBundle", "--title", title, "--lint-config", "off"],
    { cwd: root, env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" } },
  );
  return files;
}

async function main() {
  const check = process.argv.includes("--check");
  const doc = await documentText();
  const dir = await mkdtemp(join(tmpdir(), "beckon-openapi-out-"));
  try {
    const files = await generate(doc, dir);
    const pairs = [
      [files.document, DOCUMENT],
      [files.types, TYPES],
      [files.docs, DOCS_HTML],
    ];
    if (check) {
      const stale = [];
      for (const [fresh, committed] of pairs)
        if ((await readFile(fresh, "utf8")) !== (await readFile(committed, "utf8").catch(() => "")))
          stale.push(committed);
      if (stale.length) {
        console.error(`stale: ${stale.join(", ")}: run npm run openapi`);
        process.exitCode = 1;
      } else console.log("openapi files are up to date");
      return;
    }
    for (const [fresh, committed] of pairs) {
      await mkdir(dirname(committed), { recursive: true });
      await writeFile(committed, await readFile(fresh, "utf8"));
      console.log(`wrote ${committed}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
