// `npm run bench -- scale` (or `node bench/scale.mjs`): cross-person work at size (issue 18, docs/scale.md).
// Starts Beckon under `wrangler dev` with four index shards (DB + three D1 bindings, from a generated copy of
// wrangler.toml), seeds the same synthetic people twice — spread over the four shards, and all in DB — and
// measures each operation on both layouts in the same run: segment count time, broadcast fan-out (people
// handed to entry chunks per second, every shard's page chain at once), the real queue's enqueue rate and
// the index write rate as the INDEX consumer applies upserts. Figures extrapolate to 10 M people with the
// model of docs/scale.md. `SCALE_PEOPLE` (default 1,000,000) sets the population.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startBeckon } from "./lib/server.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PEOPLE = Number(process.env.SCALE_PEOPLE ?? 1_000_000);
const REPEATS = Number(process.env.SCALE_REPEATS ?? 3);
const SHARDS = ["DB", "INDEX_SHARD_1", "INDEX_SHARD_2", "INDEX_SHARD_3"];
const TEN_MILLION = 10_000_000;

/** wrangler.toml with absolute paths and three more D1 bindings, in .tmp/ (gitignored). */
function scaleConfig() {
  let toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  toml = toml
    .replace(/^main = "(.+)"/m, (_, p) => `main = "${join(ROOT, p)}"`)
    .replace(/^directory = "(.+)"/m, (_, p) => `directory = "${join(ROOT, p)}"`)
    .replace(/^migrations_dir = "(.+)"/m, (_, p) => `migrations_dir = "${join(ROOT, p)}"`)
    .replace(/^watch_dir = "(.+)"/m, (_, p) => `watch_dir = "${join(ROOT, p)}"`)
    // [alias] entries (zod, zod-to-openapi): every relative path made absolute.
    .replace(/^("[^"]+") = "(\.\/[^"]+)"/gm, (_, name, p) => `${name} = "${join(ROOT, p)}"`);
  for (const [i, binding] of SHARDS.slice(1).entries())
    toml += `\n[[d1_databases]]\nbinding = "${binding}"\ndatabase_name = "beckon-index-${i + 1}"\ndatabase_id = "00000000-0000-0000-0000-00000000000${i + 1}"\nmigrations_dir = "${join(ROOT, "migrations")}"\n`;
  const dir = join(ROOT, ".tmp");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "wrangler.scale.toml");
  writeFileSync(path, toml);
  return path;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const fmt = (n, d = 0) => Number(n).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

const config = scaleConfig();
const server = await startBeckon({
  config,
  migrate: SHARDS.slice(1),
  vars: { INDEX_SHARDS: SHARDS.join(",") },
});
const call = async (path) => {
  const res = await fetch(server.base + path, {
    method: "POST",
    headers: { authorization: `Bearer ${server.adminKey}` },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text);
};

const results = { people: PEOPLE, shards: SHARDS.length };
try {
  // Seeding: the same people under two app ids, one per layout.
  for (const layout of ["single", "sharded"]) {
    const started = Date.now();
    for (let from = 0; from < PEOPLE; from += 100_000)
      await call(`/admin/_bench/scale/seed?layout=${layout}&from=${from}&count=${Math.min(100_000, PEOPLE - from)}`);
    results[`seed_${layout}_s`] = +((Date.now() - started) / 1000).toFixed(1);
    console.log(`seeded ${fmt(PEOPLE)} people (${layout}) in ${results[`seed_${layout}_s`]} s`);
  }

  const measure = async (name, path, pick) => {
    const out = {};
    for (const layout of ["single", "sharded"]) {
      await call(`${path}${path.includes("?") ? "&" : "?"}layout=${layout}`); // warm
      const runs = [];
      for (let r = 0; r < REPEATS; r++)
        runs.push(pick(await call(`${path}${path.includes("?") ? "&" : "?"}layout=${layout}`)));
      out[layout] = { median: median(runs), range: range(runs), runs };
    }
    results[name] = out;
    return out;
  };

  const count = await measure("segment_count_ms", "/admin/_bench/scale/count", (r) => r.ms);
  const fanout = await measure("fanout_people_per_s", "/admin/_bench/scale/fanout", (r) => (r.people / r.ms) * 1000);
  const writes = await measure(
    "index_rows_per_s",
    "/admin/_bench/scale/index-writes?batches=60&parallel=4",
    (r) => (r.rows / r.ms) * 1000,
  );
  const enqueueRuns = [];
  for (let r = 0; r < REPEATS; r++) {
    const e = await call("/admin/_bench/scale/enqueue?batches=20");
    enqueueRuns.push((e.messages / e.ms) * 1000);
  }
  results.enqueue_messages_per_s = { median: median(enqueueRuns), range: range(enqueueRuns), runs: enqueueRuns };

  // Handing 10 M people to their object path: paging at the measured fan-out rate, then 200,000 entry
  // chunks of 50 on the queue (one INDEX queue carries ~5,000 messages/s in production).
  const handOff = (peoplePerSec) => TEN_MILLION / peoplePerSec;
  const chunksPerSecProd = 5000;
  results.extrapolated_10m = {
    fanout_single_s: +handOff(fanout.single.median).toFixed(0),
    fanout_sharded_s: +handOff(fanout.sharded.median).toFixed(0),
    entry_chunks_queue_s: TEN_MILLION / 50 / chunksPerSecProd,
  };

  const ratio = (a, b) => (a / b).toFixed(2);
  console.log(
    `\nScale, ${fmt(PEOPLE)} synthetic people, one database vs ${SHARDS.length} index shards (medians of ${REPEATS}, range)`,
  );
  console.log(
    `  segment count       single ${fmt(count.single.median, 1)} ms (${count.single.range})   sharded ${fmt(count.sharded.median, 1)} ms (${count.sharded.range})   speed-up ${ratio(count.single.median, count.sharded.median)}×`,
  );
  console.log(
    `  broadcast fan-out   single ${fmt(fanout.single.median)} people/s (${fanout.single.range})   sharded ${fmt(fanout.sharded.median)} people/s (${fanout.sharded.range})   ${ratio(fanout.sharded.median, fanout.single.median)}×`,
  );
  console.log(
    `  index writes        single ${fmt(writes.single.median)} rows/s (${writes.single.range})   sharded ${fmt(writes.sharded.median)} rows/s (${writes.sharded.range})   ${ratio(writes.sharded.median, writes.single.median)}×`,
  );
  console.log(
    `  INDEX enqueue       ${fmt(results.enqueue_messages_per_s.median)} messages/s (${results.enqueue_messages_per_s.range}), local queue`,
  );
  console.log(
    `  10 M people         fan-out ${fmt(results.extrapolated_10m.fanout_single_s)} s on one database, ${fmt(results.extrapolated_10m.fanout_sharded_s)} s on ${SHARDS.length} shards; entry chunks ${results.extrapolated_10m.entry_chunks_queue_s} s at one queue's 5,000 messages/s`,
  );
  console.log(`SCALE ${JSON.stringify(results)}`);
} finally {
  await server.stop();
}
