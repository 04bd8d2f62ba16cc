// `node bench/geo.mjs` (also `npm run bench -- geo`): cost of one location update against 1k, 10k and 100k
// geofences — the spatial index vs a brute-force scan of every fence, in the same run — and the index's memory.
// An update = the UserObject's pure work per fix: candidate fences from the index, exact tests
// (haversine / point-in-polygon), and the transition of the person's inside-set (enter/exit/hysteresis).
import { build } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";

const dir = mkdtempSync(join(tmpdir(), "beckon-geo-bench-"));
const outfile = join(dir, "geo.mjs");
await build({
  entryPoints: [new URL("./geo/entry.ts", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  outfile,
  logLevel: "warning",
});
const geo = await import(pathToFileURL(outfile).href);
rmSync(dir, { recursive: true, force: true });

if (typeof globalThis.gc !== "function") v8.setFlagsFromString("--expose-gc");
const gc = typeof globalThis.gc === "function" ? globalThis.gc : vm.runInNewContext("gc");
const heap = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  // Typed arrays' backing stores live outside the JS heap: count both.
  return m.heapUsed + m.arrayBuffers;
};

const SIZES = [1_000, 10_000, 100_000];
const SPREADS = [
  // ~30 × 30 km around Paris: radii 50 m – 1 km (a dense retail map: at 100k fences a point lies in dozens of fences).
  { name: "city", spread: geo.CITY, maxRadiusM: 1000 },
  // Everywhere people live, radii 50 m – 5 km.
  { name: "world", spread: geo.WORLD, maxRadiusM: 5000 },
];
const WALKERS = 200;
const STEPS = 50; // fixes per walker, ~25 m apart (a person walking, a fix every ~20 s)
const rules = { ...geo.DEFAULT_GEO_RULES, maxAccuracyM: 200 };

/** Walks starting half at random points and half at fences (people go to places), so enters and exits happen. */
function walks(fences, spread, seed) {
  const r = geo.rng(seed);
  const out = [];
  for (let w = 0; w < WALKERS; w++) {
    let p = w % 2 === 0 ? geo.randomPoint(r, spread) : { ...fences[Math.floor(r() * fences.length)].center };
    const heading = r() * 2 * Math.PI;
    const fixes = [];
    for (let s = 0; s < STEPS; s++) {
      const [lng, lat] = geo.offset(
        p.lat,
        p.lng,
        25 * Math.cos(heading + (r() - 0.5)),
        25 * Math.sin(heading + (r() - 0.5)),
      );
      p = { lat, lng };
      fixes.push({ lat, lng, accuracy: 5 + r() * 40, timestamp: 1_700_000_000_000 + s * 20_000 });
    }
    out.push(fixes);
  }
  return out;
}

/** Runs the walks through applyFix with a lookup; returns per-update times in µs. */
function run(lookup, allWalks, maxUpdates) {
  const times = [];
  let crossings = 0;
  outer: for (const fixes of allWalks) {
    const state = geo.emptyGeoState();
    for (const fix of fixes) {
      const t0 = performance.now();
      const out = geo.applyFix(lookup, state, fix, rules, fix.timestamp);
      times.push((performance.now() - t0) * 1000);
      crossings += out.effects.length;
      if (times.length >= maxUpdates) break outer;
    }
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return {
    n: times.length,
    median: q(0.5),
    p99: q(0.99),
    mean: times.reduce((s, x) => s + x, 0) / times.length,
    crossings,
  };
}

const rows = [];
for (const { name, spread, maxRadiusM } of SPREADS) {
  for (const size of SIZES) {
    const defs = geo.randomFences({ count: size, spread, seed: size + name.length, maxRadiusM });
    const before = heap();
    const t0 = performance.now();
    const fences = defs.map(geo.compileFence);
    const index = new geo.FenceIndex(fences);
    const buildMs = performance.now() - t0;
    const heapBytes = heap() - before;
    const brute = {
      byId: (id) => index.byId(id),
      containing: (lat, lng) => geo.bruteForceContaining(fences, lat, lng),
    };
    const w = walks(fences, spread, 7 * size);
    run(index, w, 2000); // warm-up (JIT)
    const indexed = run(index, w, WALKERS * STEPS);
    const bruteLimit = size >= 100_000 ? 400 : size >= 10_000 ? 2000 : WALKERS * STEPS;
    run(brute, w, Math.min(200, bruteLimit));
    const scanned = run(brute, w, bruteLimit);
    const containing =
      w
        .flat()
        .slice(0, 500)
        .reduce((s, f) => s + index.containing(f.lat, f.lng).length, 0) / 500;
    rows.push({
      spread: name,
      fences: size,
      avgInside: +containing.toFixed(1),
      indexMedianUs: +indexed.median.toFixed(2),
      indexP99Us: +indexed.p99.toFixed(2),
      bruteMedianUs: +scanned.median.toFixed(1),
      bruteP99Us: +scanned.p99.toFixed(1),
      speedup: +(scanned.median / indexed.median).toFixed(0),
      indexBytes: index.indexBytes,
      heapMB: +(heapBytes / 1048576).toFixed(1),
      buildMs: +buildMs.toFixed(0),
      updates: indexed.n,
      bruteUpdates: scanned.n,
    });
    global.__keep = index; // keep alive until measured
  }
}

const pad = (s, n) => String(s).padStart(n);
console.log(
  "\nGeofence evaluation per location update (pure path in the UserObject: index lookup + exact tests + transition)",
);
console.log(
  `${"spread".padEnd(6)} ${pad("fences", 7)} ${pad("inside", 7)} ${pad("index p50 µs", 13)} ${pad("p99 µs", 8)} ${pad("brute p50 µs", 13)} ${pad("p99 µs", 9)} ${pad("speedup", 8)} ${pad("index KB", 9)} ${pad("heap MB", 8)} ${pad("build ms", 9)}`,
);
for (const r of rows) {
  console.log(
    `${r.spread.padEnd(6)} ${pad(r.fences, 7)} ${pad(r.avgInside, 7)} ${pad(r.indexMedianUs, 13)} ${pad(r.indexP99Us, 8)} ${pad(r.bruteMedianUs, 13)} ${pad(r.bruteP99Us, 9)} ${pad(r.speedup + "×", 8)} ${pad((r.indexBytes / 1024).toFixed(0), 9)} ${pad(r.heapMB, 8)} ${pad(r.buildMs, 9)}`,
  );
}
console.log(
  "inside = average fences containing a fix; index KB = the R-tree's typed arrays; heap MB = compiled fences + index (heapUsed + arrayBuffers delta after GC).",
);
const at100k = rows.filter((r) => r.fences === 100_000);
const pass = at100k.every((r) => r.indexMedianUs < 50 && r.speedup >= 100);
console.log(`targets at 100k fences: median < 50 µs and ≥ 100× brute force → ${pass ? "met" : "NOT met"}`);
console.log(
  "GEO " + JSON.stringify({ bench: "geo", targets: { medianUsAt100k: 50, speedupAt100k: 100 }, met: pass, rows }),
);
