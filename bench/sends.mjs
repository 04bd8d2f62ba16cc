// `node bench/sends.mjs` (also `npm run bench -- sends`): send throughput through the SENDS consumer
// (jobs/s) under `wrangler dev`, against a floor measured in the same run.
// Each request runs one 50-job batch in the Worker: sandbox sends through the real consumer (dedupe read,
// claim, provider call, record, pending-callback check, campaign stat, UserObject feedback RPC), or the
// floor — every job recorded in one batched D1 write, then acked: the least any exactly-once consumer does.
// Ratio = consumer / floor.
import { closedLoop, fmt } from "./lib/load.mjs";
import { startBeckon } from "./lib/server.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_SEND_BATCHES ?? 2); // consumer invocations in flight
const JOBS = 50; // wrangler.toml max_batch_size for beckon-sends

const server = await startBeckon();
const measure = (mode, seconds) =>
  closedLoop({
    seconds,
    concurrency: CONCURRENCY,
    makeRequest: () => ({
      url: `${server.base}/admin/_bench/sends?mode=${mode}&jobs=${JOBS}`,
      init: { method: "POST", headers: { authorization: `Bearer ${server.adminKey}` } },
    }),
    check: (body) => JSON.parse(body).acked === JOBS,
  });

try {
  await measure("floor", 2);
  await measure("consumer", 2);
  const floor = await measure("floor", SECONDS);
  const consumer = await measure("consumer", SECONDS);
  const floorJobs = floor.rps * JOBS;
  const consumerJobs = consumer.rps * JOBS;
  console.log(
    `\nSENDS consumer, ${JOBS}-job batches, ${CONCURRENCY} batches in flight, ${SECONDS} s each (sandbox provider)`,
  );
  console.log(
    `  floor     ${fmt(floorJobs, 0)} jobs/s   batch p50 ${fmt(floor.p50, 1)} ms   p99 ${fmt(floor.p99, 1)} ms   errors ${floor.errors}`,
  );
  console.log(
    `  consumer  ${fmt(consumerJobs, 0)} jobs/s   batch p50 ${fmt(consumer.p50, 1)} ms   p99 ${fmt(consumer.p99, 1)} ms   errors ${consumer.errors}`,
  );
  console.log(`  ratio     ${fmt(consumerJobs / floorJobs, 3)} of the floor`);
  console.log(
    "SENDS " +
      JSON.stringify({
        floorJobsPerSec: +fmt(floorJobs, 0),
        consumerJobsPerSec: +fmt(consumerJobs, 0),
        ratio: +fmt(consumerJobs / floorJobs, 3),
        errors: floor.errors + consumer.errors,
      }),
  );
} finally {
  await server.stop();
}
