#!/usr/bin/env node
/**
 * Builds the web SDK (sdk/ → one minified ES module) and its service worker into
 * `public/sdk/beckon.js` and `public/sdk/beckon-sw.js`, static assets the Worker serves with its
 * own headers (src/http/sdk/sdk-assets-routes.ts; the demo page is `public/demo/index.html`, a link
 * to demo/index.html), so `wrangler dev`, `wrangler deploy` and the tests serve the same bytes on a
 * fresh clone with no build step, and the SDK never counts against the Worker's bundle. The files
 * are committed; `--check` (and a unit test) fail when they are stale.
 *
 *   node scripts/build-sdk.mjs          # write the files, print sizes
 *   node scripts/build-sdk.mjs --check  # exit 1 if the committed files are stale
 *   node scripts/build-sdk.mjs --report # print sizes only (writes nothing)
 */
import { build } from "esbuild";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The generated files, by what they hold. */
export const OUTPUTS = {
  sdk: join(root, "public/sdk/beckon.js"),
  sw: join(root, "public/sdk/beckon-sw.js"),
};
/** The SDK must stay small: the budget, in gzipped bytes. */
export const GZIP_BUDGET = 10 * 1024;

async function bundle(entry, format) {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    format,
    target: "es2020",
    platform: "browser",
    write: false,
    legalComments: "none",
    charset: "utf8",
  });
  return result.outputFiles[0].text;
}

/** Builds everything in memory: each file's text and the sizes. */
export async function buildSdk() {
  const [sdk, sw, pkg] = await Promise.all([
    bundle("sdk/index.ts", "esm"),
    bundle("sdk/sw.ts", "iife"),
    readFile(join(root, "sdk/index.ts"), "utf8"),
  ]);
  const version = /VERSION = "([^"]+)"/.exec(pkg)?.[1] ?? "0.0.0";
  const sizes = {
    sdkBytes: Buffer.byteLength(sdk),
    sdkGzipBytes: gzipSync(sdk, { level: 9 }).byteLength,
    swBytes: Buffer.byteLength(sw),
  };
  const files = { sdk, sw };
  return { files, sizes, version };
}

async function main() {
  const check = process.argv.includes("--check");
  const { files, sizes, version } = await buildSdk();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `beckon.js ${version}: ${kb(sizes.sdkBytes)} minified, ${kb(sizes.sdkGzipBytes)} gzipped (budget ${kb(GZIP_BUDGET)}); service worker ${kb(sizes.swBytes)}`,
  );
  if (sizes.sdkGzipBytes > GZIP_BUDGET) {
    console.error("the SDK is over its size budget");
    process.exitCode = 1;
  }
  if (process.argv.includes("--report")) {
    // The React Native package (core + package), React and React Native excluded; reported, not served.
    const rn = await build({
      entryPoints: [join(root, "sdk/react-native/src/index.ts")],
      bundle: true,
      minify: true,
      format: "esm",
      platform: "neutral",
      jsx: "automatic",
      external: ["react", "react/*", "react-native"],
      write: false,
      legalComments: "none",
    });
    const rnText = rn.outputFiles[0].text;
    console.log(
      `@beckon/react-native: ${kb(Buffer.byteLength(rnText))} minified, ${kb(gzipSync(rnText, { level: 9 }).byteLength)} gzipped (budget 25.0 KB, React excluded)`,
    );
    return;
  }
  if (check) {
    const stale = [];
    for (const [name, path] of Object.entries(OUTPUTS))
      if ((await readFile(path, "utf8").catch(() => "")) !== files[name]) stale.push(path);
    if (stale.length) {
      console.error(`stale: ${stale.join(", ")}: run npm run build:sdk`);
      process.exitCode = 1;
    } else console.log("SDK files are up to date");
    return;
  }
  await mkdir(dirname(OUTPUTS.sdk), { recursive: true });
  for (const [name, path] of Object.entries(OUTPUTS)) {
    await writeFile(path, files[name]);
    console.log(`wrote ${path}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
