#!/usr/bin/env node
/**
 * Builds the operator console (console/ → public/console/), served by the Worker through
 * Workers Static Assets at /console. The output is not committed: `npm start`, the test
 * setup and `wrangler dev`/`wrangler deploy` (the `[build]` command in wrangler.toml) run
 * this script, which skips the build when the sources have not changed since the last one.
 *
 *   node scripts/build-console.mjs           # build if stale, print the initial download size
 *   node scripts/build-console.mjs --force   # build even if up to date
 *   node scripts/build-console.mjs --report  # print sizes of the existing build (JSON)
 */
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "console");
export const OUTPUT = join(root, "public/console");
/** The console's first screen must download quickly: the gzipped budget of what index.html loads before any route chunk. */
export const INITIAL_GZIP_BUDGET = 120 * 1024;
const STAMP = ".build-stamp";

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** What the build depends on: the console's sources, this script and the locked dependency versions. */
function sourceStamp() {
  const h = createHash("sha256");
  for (const f of [...filesUnder(source).sort(), fileURLToPath(import.meta.url), join(root, "package-lock.json")]) {
    h.update(relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
  }
  return h.digest("hex");
}

export async function buildConsole({ force = false } = {}) {
  const stamp = sourceStamp();
  const stampFile = join(OUTPUT, STAMP);
  if (!force && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return { built: false };

  // Build beside the output and swap it in, so a concurrent reader (wrangler dev) never sees half a build.
  const tmp = join(root, `public/.console-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const result = await build({
    entryPoints: { main: join(source, "src/main.tsx") },
    bundle: true,
    splitting: true,
    format: "esm",
    minify: true,
    target: "es2022",
    jsx: "automatic",
    outdir: join(tmp, "assets"),
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    assetNames: "[name]-[hash]",
    publicPath: "/console/assets",
    define: { "process.env.NODE_ENV": '"production"' },
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = Object.entries(result.metafile.outputs);
  const entry = outputs.find(([, o]) => o.entryPoint?.endsWith("src/main.tsx"));
  const css = outputs.filter(([f]) => f.endsWith(".css")).map(([f]) => f);
  const name = (f) => `/console/assets/${f.split("/").pop()}`;
  const preloads = entry[1].imports
    .filter((i) => i.kind === "import-statement")
    .map((i) => `<link rel="modulepreload" href="${name(i.path)}">`);
  const html = readFileSync(join(source, "index.html"), "utf8").replace(
    "<!-- assets -->",
    [
      ...css.map((f) => `<link rel="stylesheet" href="${name(f)}">`),
      ...preloads,
      `<script type="module" src="${name(entry[0])}"></script>`,
    ].join("\n    "),
  );
  writeFileSync(join(tmp, "index.html"), html);
  writeFileSync(join(tmp, STAMP), stamp);
  mkdirSync(dirname(OUTPUT), { recursive: true });
  rmSync(OUTPUT, { recursive: true, force: true });
  renameSync(tmp, OUTPUT);
  return { built: true };
}

/** Gzipped bytes of the first screen (index.html, its CSS, the entry and its static imports) and of everything. */
export function consoleSizes() {
  const html = readFileSync(join(OUTPUT, "index.html"), "utf8");
  const initial = ["index.html", ...[...html.matchAll(/(?:href|src)="\/console\/(assets\/[^"]+)"/g)].map((m) => m[1])];
  const gz = (f) => gzipSync(readFileSync(join(OUTPUT, f))).length;
  const all = filesUnder(OUTPUT)
    .filter((f) => !f.endsWith(STAMP))
    .map((f) => relative(OUTPUT, f));
  return {
    initialGzip: initial.reduce((n, f) => n + gz(f), 0),
    totalGzip: all.reduce((n, f) => n + gz(f), 0),
    totalRaw: all.reduce((n, f) => n + statSync(join(OUTPUT, f)).size, 0),
    files: all.length,
    budget: INITIAL_GZIP_BUDGET,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--report")) {
    console.log(JSON.stringify(consoleSizes()));
  } else {
    const { built } = await buildConsole({ force: process.argv.includes("--force") });
    const s = consoleSizes();
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    console.log(
      `console ${built ? "built" : "up to date"}: first screen ${kb(s.initialGzip)} gzipped (budget ${kb(s.budget)}), all ${kb(s.totalGzip)} gzipped in ${s.files} files`,
    );
    if (s.initialGzip > s.budget) {
      console.error("the console's first screen is over its download budget");
      process.exit(1);
    }
  }
}
