// `node bench/memory.mjs` (also `npm run bench -- memory`): workerd's resident memory before and after
// ingest from many distinct people, and after an idle pause, for /v1/batch and for the floor route
// (/v1/_floor: the same auth and one no-op UserObject call, which creates the person's object and its
// SQLite schema), each on a fresh `wrangler dev`. The floor shows what the runtime itself keeps per
// object; the difference is Beckon's. BENCH_MEMORY_USERS (default 5000) people, 8 connections.
import { fmt } from "./lib/load.mjs";
import { startBeckon } from "./lib/server.mjs";

const USERS = Number(process.env.BENCH_MEMORY_USERS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const IDLE_S = Number(process.env.BENCH_MEMORY_IDLE_SECONDS ?? 20);
const MB = (b) => +fmt(b / 1048576, 0);

async function run(route) {
  const server = await startBeckon();
  try {
    const auth = {
      authorization: `Basic ${Buffer.from(`${server.writeKey}:`).toString("base64")}`,
      "content-type": "application/json",
    };
    const send = (i) =>
      fetch(server.base + route, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({
          batch: Array.from({ length: 20 }, (_, k) => ({
            type: "track",
            userId: `mem-${i}`,
            event: k % 5 === 0 ? "Order Completed" : "Product Viewed",
            messageId: `m-${i}-${k}`,
            properties: { sku: `sku-${k}`, revenue: 9.99 },
          })),
        }),
      }).then((r) => r.text());
    for (let i = 0; i < 50; i++) await send(-1 - (i % 5)); // warm-up: five people
    const before = server.rssBytes();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < USERS) await send(next++);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const after = server.rssBytes();
    await new Promise((r) => setTimeout(r, IDLE_S * 1000));
    const idle = server.rssBytes();
    return {
      beforeMB: MB(before),
      afterMB: MB(after),
      idleMB: MB(idle),
      perPersonKB: +fmt((after - before) / USERS / 1024, 1),
      seconds: +fmt(seconds, 1),
    };
  } finally {
    await server.stop();
  }
}

const floor = await run("/v1/_floor");
const batch = await run("/v1/batch");
console.log(
  `\nworkerd resident memory, ${USERS} distinct people × one 20-event batch each (${CONCURRENCY} connections), then ${IDLE_S} s idle`,
);
for (const [name, r] of [
  ["floor", floor],
  ["batch", batch],
])
  console.log(
    `  ${name.padEnd(6)} ${r.beforeMB} MB → ${r.afterMB} MB after the load (${r.perPersonKB} KB per person, ${r.seconds} s) → ${r.idleMB} MB after idle`,
  );
console.log(`  Beckon's own share ≈ ${fmt(batch.perPersonKB - floor.perPersonKB, 1)} KB per person (batch − floor)`);
console.log("MEMORY " + JSON.stringify({ users: USERS, floor, batch }));
