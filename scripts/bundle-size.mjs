#!/usr/bin/env node
/**
 * `node scripts/bundle-size.mjs [--startup[=N]] [--top=N]` (also `npm run bench -- bundle`): builds the
 * Worker exactly as `wrangler deploy` would (`--dry-run`, wrangler.toml's minify/keep_names/alias), then
 * prints its raw and gzipped size against the 200 KB target and the largest contributors from esbuild's
 * metafile (bytes each input leaves in the minified output, by package and by file).
 * With --startup it also runs `wrangler check startup` N times (default 5) on the built bundle and
 * prints the median active CPU time of the startup phase (local machine, indicative).
 * The last line is `BUNDLE {json}` for the bench's summary.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET_GZIP_KIB = 200;
const arg = (name, fallback) => {
  const a = process.argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (!a) return undefined;
  return a.includes("=") ? a.split("=")[1] : fallback;
};
const top = Number(arg("top", "12") ?? 12);
const startupRuns = arg("startup", "5");

const dir = mkdtempSync(join(tmpdir(), "beckon-bundle-"));
const wrangler = (args) =>
  spawnSync("npx", ["wrangler", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });

try {
  const out = join(dir, "out");
  const meta = join(dir, "meta.json");
  const bundle = join(dir, "worker.bundle");
  // --outdir gives the module and the metafile; --outfile the multipart upload `check startup` profiles.
  const built = wrangler(["deploy", "--dry-run", "--outdir", out, "--metafile", meta]);
  if (built.status !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${built.stdout}\n${built.stderr}`);
  const metafile = JSON.parse(readFileSync(meta, "utf8"));
  const [outName, output] = Object.entries(metafile.outputs).find(([name]) => name.endsWith(".js"));
  const code = readFileSync(join(root, outName));
  const raw = code.length;
  const gzip = gzipSync(code).length; // zlib's default level, as wrangler's "Total Upload … gzip"
  const kib = (n) => (n / 1024).toFixed(1);

  const byPackage = new Map();
  const byFile = [];
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const key = m ? m[1] : file.startsWith("src/") ? `src/${file.split("/")[1]}` : file;
    byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    byFile.push([file.replace(/.*node_modules\//, ""), bytesInOutput]);
  }
  const sorted = (entries) => [...entries].sort((a, b) => b[1] - a[1]).slice(0, top);
  const met = gzip / 1024 < TARGET_GZIP_KIB;
  console.log(`\nWorker bundle (wrangler deploy --dry-run, wrangler.toml's build settings)`);
  console.log(
    `  ${kib(raw)} KiB raw, ${kib(gzip)} KiB gzipped   (target < ${TARGET_GZIP_KIB} KiB gzipped: ${met ? "met" : "missed"})`,
  );
  console.log(
    `  largest contributors (minified bytes in the output; gzip is not additive, ~${(raw / gzip).toFixed(1)}:1 overall):`,
  );
  for (const [name, bytes] of sorted(byPackage))
    console.log(`    ${kib(bytes).padStart(7)} KiB  ${((100 * bytes) / raw).toFixed(1).padStart(4)}%  ${name}`);
  console.log(`  largest files:`);
  for (const [name, bytes] of sorted(byFile)) console.log(`    ${kib(bytes).padStart(7)} KiB  ${name}`);

  let startup;
  if (startupRuns !== undefined) {
    const b = wrangler(["deploy", "--dry-run", "--outfile", bundle]);
    if (b.status !== 0) throw new Error(`wrangler deploy --dry-run --outfile failed:\n${b.stderr}`);
    const active = [];
    for (let i = 0; i < Number(startupRuns); i++) {
      const r = wrangler([
        "check",
        "startup",
        "--workerBundle",
        bundle,
        "--outfile",
        join(dir, `startup-${i}.cpuprofile`),
      ]);
      const m = `${r.stdout}${r.stderr}`.match(/Active:\s*([\d.]+)\s*ms/);
      if (m) active.push(Number(m[1]));
    }
    active.sort((a, b) => a - b);
    if (active.length) {
      startup = {
        medianMs: active[Math.floor(active.length / 2)],
        minMs: active[0],
        maxMs: active[active.length - 1],
        runs: active.length,
      };
      console.log(
        `  startup CPU (wrangler check startup, active time, ${active.length} runs): median ${startup.medianMs} ms (${startup.minMs}–${startup.maxMs}); local machine, indicative`,
      );
    } else console.log("  startup: wrangler check startup gave no figure");
  }
  console.log(
    "BUNDLE " +
      JSON.stringify({
        rawKiB: +kib(raw),
        gzipKiB: +kib(gzip),
        targetGzipKiB: TARGET_GZIP_KIB,
        met,
        ...(startup ? { startup } : {}),
      }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
