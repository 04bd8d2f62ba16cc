// `npm run bench [-- section …]`: starts Beckon locally and measures, each against a floor in the same run.
// Sections: ingest, analytics, trigger, alarms, cdnow (this file), sends, memory, scale, geo, sdk, bundle, console (their own scripts). Default: all.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { closedLoop, fmt, summary } from "./lib/load.mjs";
import { startBeckon } from "./lib/server.mjs";
import { replayCdnow } from "./lib/cdnow.mjs";

const ALL = [
  "ingest",
  "analytics",
  "trigger",
  "alarms",
  "cdnow",
  "sends",
  "memory",
  "scale",
  "geo",
  "sdk",
  "bundle",
  "console",
];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const sections = wanted.length ? wanted : ALL;
const results = {};
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const needsServer = sections.some((s) => ["ingest", "analytics", "trigger", "alarms", "cdnow"].includes(s));
const server = needsServer ? await startBeckon() : null;
const json = (body, extra = {}) => ({
  method: "POST",
  headers: { "content-type": "application/json", ...extra },
  body: JSON.stringify(body),
});
const adminCall = async (path, init = {}) => {
  const res = await fetch(server.base + path, {
    ...init,
    headers: {
      authorization: `Bearer ${server.adminKey}`,
      "content-type": "application/json",
      ...(init.headers ?? {}),
    },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text);
};
const basic = () => ({ authorization: `Basic ${Buffer.from(`${server.writeKey}:`).toString("base64")}` });

async function launch(definition) {
  const c = await adminCall("/admin/campaigns", { method: "POST", body: JSON.stringify(definition) });
  // Activation answers once every edge carries the new version (CONFIG_PROPAGATION_MS): no wait here.
  await adminCall(`/admin/campaigns/${c.id}/activate`, { method: "POST" });
  return c.id;
}

try {
  if (sections.includes("ingest")) {
    // A mobile SDK batch: 20 events of one user. The floor does the same body read, auth and one UserObject RPC.
    const batchFor = (i) => ({
      batch: Array.from({ length: 20 }, (_, k) => ({
        type: "track",
        userId: `bench-${i % 500}`,
        event: k % 5 === 0 ? "Order Completed" : "Product Viewed",
        messageId: `b-${i}-${k}-${Date.now()}`,
        properties: { sku: `sku-${k}`, revenue: 9.99 },
      })),
    });
    const warm = (url) =>
      closedLoop({
        seconds: 2,
        concurrency: CONCURRENCY,
        makeRequest: (i) => ({ url, init: json(batchFor(i), basic()) }),
      });
    await warm(server.base + "/v1/_floor");
    await warm(server.base + "/v1/batch");
    const floor = await closedLoop({
      seconds: DURATION,
      concurrency: CONCURRENCY,
      makeRequest: (i) => ({ url: server.base + "/v1/_floor", init: json(batchFor(i), basic()) }),
    });
    const ingest = await closedLoop({
      seconds: DURATION,
      concurrency: CONCURRENCY,
      makeRequest: (i) => ({ url: server.base + "/v1/batch", init: json(batchFor(i), basic()) }),
      check: (b) => b.includes('"success":true'),
    });
    results.ingest = {
      floor: {
        requestsPerSec: +fmt(floor.rps),
        p50ms: +fmt(floor.p50, 2),
        p99ms: +fmt(floor.p99, 2),
        errors: floor.errors,
      },
      batch: {
        requestsPerSec: +fmt(ingest.rps),
        eventsPerSec: +fmt(ingest.rps * 20, 0),
        p50ms: +fmt(ingest.p50, 2),
        p99ms: +fmt(ingest.p99, 2),
        errors: ingest.errors,
      },
      ratio: +fmt(ingest.rps / floor.rps, 3),
      target: "ratio ≥ 0.6",
    };
    console.log(`\n/v1/batch (20 events of one user per request, ${CONCURRENCY} connections, ${DURATION} s)`);
    console.log(`  floor  ${fmt(floor.rps)} req/s   p50 ${fmt(floor.p50, 2)} ms   p99 ${fmt(floor.p99, 2)} ms`);
    console.log(
      `  batch  ${fmt(ingest.rps)} req/s = ${fmt(ingest.rps * 20, 0)} events/s   p50 ${fmt(ingest.p50, 2)} ms   p99 ${fmt(ingest.p99, 2)} ms   errors ${ingest.errors}`,
    );
    console.log(`  ratio  ${fmt(ingest.rps / floor.rps, 3)} of the floor (target ≥ 0.6)`);
  }

  if (sections.includes("analytics")) {
    // What funnels add to the event path: the same /v1/batch load without and with three active funnels naming
    // the batch's events, alternated (without, with, without, with; fresh people each phase) so a backlog or a
    // slow patch of the shared machine does not fall on one side only. Retention and KPI counters run in all.
    const batchFor = (tag) => (i) => ({
      batch: Array.from({ length: 20 }, (_, k) => ({
        type: "track",
        userId: `an-${tag}-${i % 500}`,
        event: ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"][k % 4],
        messageId: `an-${tag}-${i}-${k}-${Date.now()}`,
        properties: { sku: `sku-${k}`, cart_id: `c-${i % 7}`, revenue: 9.99 },
      })),
    });
    const load = (tag, seconds) =>
      closedLoop({
        seconds,
        concurrency: CONCURRENCY,
        makeRequest: (i) => ({ url: server.base + "/v1/batch", init: json(batchFor(tag)(i), basic()) }),
        check: (b) => b.includes('"success":true'),
      });
    const steps = (names) => names.map((event) => ({ event }));
    const FUNNELS = [
      {
        name: "bench checkout",
        steps: steps(["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]),
      },
      {
        name: "bench carts",
        steps: steps(["Product Added", "Checkout Started", "Order Completed"]),
        sameProperty: "cart_id",
      },
      {
        name: "bench big orders",
        steps: [
          { event: "Product Viewed" },
          { event: "Order Completed", where: [{ property: "revenue", op: "gt", value: 5 }] },
        ],
      },
    ];
    let ids = [];
    const define = async () =>
      (ids = await Promise.all(
        FUNNELS.map(async (f) => (await adminCall("/admin/funnels", { method: "POST", body: JSON.stringify(f) })).id),
      ));
    const remove = async () =>
      void (await Promise.all(ids.map((id) => adminCall(`/admin/funnels/${id}`, { method: "DELETE" }))));
    await load("warm", 2);
    const phases = { without: [], with: [] };
    for (let round = 0; round < 2; round++) {
      phases.without.push(await load(`none${round}`, DURATION / 2));
      await define();
      phases.with.push(await load(`three${round}`, DURATION / 2));
      await remove();
    }
    const rps = (list) => list.reduce((s, r) => s + r.rps, 0) / list.length;
    const p = (list, k) => Math.max(...list.map((r) => r[k]));
    const without = {
      rps: rps(phases.without),
      p50: p(phases.without, "p50"),
      p99: p(phases.without, "p99"),
      errors: phases.without.reduce((s, r) => s + r.errors, 0),
    };
    const withFunnels = {
      rps: rps(phases.with),
      p50: p(phases.with, "p50"),
      p99: p(phases.with, "p99"),
      errors: phases.with.reduce((s, r) => s + r.errors, 0),
    };
    results.analytics = {
      noFunnels: {
        requestsPerSec: +fmt(without.rps),
        p50ms: +fmt(without.p50, 2),
        p99ms: +fmt(without.p99, 2),
        errors: without.errors,
        phases: phases.without.map((r) => +fmt(r.rps)),
      },
      threeFunnels: {
        requestsPerSec: +fmt(withFunnels.rps),
        p50ms: +fmt(withFunnels.p50, 2),
        p99ms: +fmt(withFunnels.p99, 2),
        errors: withFunnels.errors,
        phases: phases.with.map((r) => +fmt(r.rps)),
      },
      ratio: +fmt(withFunnels.rps / without.rps, 3),
    };
    console.log(
      `\n/v1/batch without and with three active funnels, alternated (20 events per request, ${CONCURRENCY} connections, 2 × ${DURATION / 2} s each)`,
    );
    console.log(
      `  no funnels     ${fmt(without.rps)} req/s (${phases.without.map((r) => fmt(r.rps)).join(", ")})   worst p50 ${fmt(without.p50, 2)} ms   worst p99 ${fmt(without.p99, 2)} ms   errors ${without.errors}`,
    );
    console.log(
      `  three funnels  ${fmt(withFunnels.rps)} req/s (${phases.with.map((r) => fmt(r.rps)).join(", ")})   worst p50 ${fmt(withFunnels.p50, 2)} ms   worst p99 ${fmt(withFunnels.p99, 2)} ms   errors ${withFunnels.errors}`,
    );
    console.log(`  ratio          ${fmt(withFunnels.rps / without.rps, 3)}`);

    // The export's events/s: a second Beckon with EXPORT_EVENTS on takes a fixed load; the clock runs from the
    // first request until every applied event is listed in the EXPORTS bucket (files written by the INDEX consumer).
    // Once with NDJSON gzip files, once with Parquet (EXPORT_FORMAT; the codec module loads on the first file).
    for (const format of ["ndjson", "parquet"]) {
      const exporting = await startBeckon({ vars: { EXPORT_EVENTS: "true", EXPORT_FORMAT: format } });
      try {
        const auth = { authorization: `Basic ${Buffer.from(`${exporting.writeKey}:`).toString("base64")}` };
        const REQUESTS = Number(process.env.BENCH_EXPORT_REQUESTS ?? 400);
        let next = 0;
        let applied = 0;
        const start = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < REQUESTS) {
              const res = await fetch(exporting.base + "/v1/batch", json(batchFor("export")(next++), auth));
              const body = await res.json();
              applied += body.applied ?? 0;
            }
          }),
        );
        const ingestSeconds = (performance.now() - start) / 1000;
        const day = new Date().toISOString().slice(0, 10);
        const exported = async () => {
          let rows = 0;
          let bytes = 0;
          let cursor = null;
          do {
            const res = await fetch(
              `${exporting.base}/admin/analytics/exports?kind=event&date=${day}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
              { headers: { authorization: `Bearer ${exporting.adminKey}` } },
            );
            const page = await res.json();
            rows += page.partitions.reduce((n, p) => n + p.rows, 0);
            bytes += page.partitions.reduce((n, p) => n + p.bytes, 0);
            cursor = page.cursor;
          } while (cursor);
          return { rows, bytes };
        };
        let listed = { rows: 0, bytes: 0 };
        for (let i = 0; i < 600 && (listed = await exported()).rows < applied; i++)
          await new Promise((r) => setTimeout(r, 250));
        const rows = listed.rows;
        const seconds = (performance.now() - start) / 1000;
        const figures = {
          events: applied,
          exportedRows: rows,
          bytes: listed.bytes,
          ingestSeconds: +fmt(ingestSeconds),
          exportedSeconds: +fmt(seconds),
          eventsPerSec: +fmt(rows / seconds, 0),
        };
        if (format === "ndjson") results.analytics.export = figures;
        else results.analytics.exportParquet = figures;
        console.log(
          `  export ${format.padEnd(7)} ${applied} events (${REQUESTS} requests of 20) ingested in ${fmt(ingestSeconds)} s, all ${rows} in R2 after ${fmt(seconds)} s = ${fmt(rows / seconds, 0)} events/s, ${fmt(listed.bytes / rows, 0)} bytes/event`,
        );
      } finally {
        await exporting.stop();
      }
    }
  }

  if (sections.includes("trigger")) {
    // Event in → send job enqueued: the response returns after the job is on the SENDS queue.
    await launch({
      name: "bench trigger",
      transactional: true,
      trigger: { type: "event", event: "Bench Trigger" },
      steps: [
        {
          type: "message",
          id: "m",
          channels: ["push"],
          content: { push: { title: "Hi {{ user.first_name }}", body: "Your order shipped" } },
        },
      ],
    });
    const users = 200;
    for (let u = 0; u < users; u++)
      await fetch(
        server.base + "/v1/devices",
        json(
          {
            userId: `trig-${u}`,
            register: [{ provider: "fcm", platform: "android", token: `bench-token-${u}-xxxxxxxx` }],
            consent: { push: "opted_in" },
          },
          basic(),
        ),
      );
    const sequential = async (event) => {
      const latencies = [];
      for (let i = 0; i < 600; i++) {
        const t = performance.now();
        const res = await fetch(
          server.base + "/v1/track",
          json({ userId: `trig-${i % users}`, event, messageId: `${event}-${i}-${Date.now()}` }, basic()),
        );
        await res.text();
        latencies.push(performance.now() - t);
      }
      return summary(latencies.slice(100));
    };
    const s = await sequential("Bench Trigger");
    // The same path to an in-app message (stored, pushed to live sockets): no SENDS consumer batches share the thread.
    await launch({
      name: "bench trigger in-app",
      transactional: true,
      trigger: { type: "event", event: "Bench Trigger InApp" },
      steps: [
        {
          type: "message",
          id: "m",
          channels: ["in_app"],
          content: { in_app: { type: "banner", title: "Hi", body: "Your order shipped" } },
        },
      ],
    });
    const inApp = await sequential("Bench Trigger InApp");
    results.trigger = {
      p50ms: +fmt(s.p50, 2),
      p99ms: +fmt(s.p99, 2),
      samples: s.n,
      inApp: { p50ms: +fmt(inApp.p50, 2), p99ms: +fmt(inApp.p99, 2) },
      target: "p99 < 20 ms",
    };
    console.log(`\nTrigger latency, event in → send job enqueued (${s.n} sequential events after warm-up)`);
    console.log(
      `  push    p50 ${fmt(s.p50, 2)} ms   p99 ${fmt(s.p99, 2)} ms   max ${fmt(s.max, 2)} ms   (target p99 < 20 ms)`,
    );
    console.log(
      `  in-app  p50 ${fmt(inApp.p50, 2)} ms   p99 ${fmt(inApp.p99, 2)} ms   max ${fmt(inApp.max, 2)} ms   (no send queue: what the event path costs without a SENDS consumer batch beside it)`,
    );
  }

  if (sections.includes("alarms")) {
    // Abandonment deadlines a few seconds out; the timeline records how late each alarm fired.
    await launch({
      name: "bench abandonment",
      transactional: true,
      trigger: {
        type: "inaction",
        start: { event: "Bench Cart" },
        cancel: { event: "Bench Order" },
        key: "cart_id",
        within: { seconds: 3 },
      },
      steps: [
        {
          type: "message",
          id: "r",
          channels: ["in_app"],
          content: { in_app: { type: "banner", title: "Your cart", body: "is waiting" } },
        },
      ],
    });
    const users = 300;
    for (let u = 0; u < users; u++) {
      await fetch(
        server.base + "/v1/track",
        json({ userId: `ab-${u}`, event: "Bench Cart", properties: { cart_id: `c-${u}` } }, basic()),
      );
      if (u % 10 === 0) await new Promise((r) => setTimeout(r, 20)); // spread deadlines over time
    }
    await new Promise((r) => setTimeout(r, 6000));
    const late = [];
    const missing = [];
    for (let u = 0; u < users; u++) {
      const tl = await adminCall(`/admin/users/ab-${u}/timeline?limit=50`);
      const d = tl.entries.find((e) => e.kind === "decision" && typeof e.detail.lateMs === "number");
      if (d) late.push(d.detail.lateMs);
      else missing.push(`ab-${u}`);
    }
    if (missing.length) console.log(`  no abandonment decision for: ${missing.join(", ")}`);
    const s = summary(late);
    results.alarms = {
      fired: late.length,
      of: users,
      p50ms: s.p50,
      p99ms: s.p99,
      maxms: s.max,
      target: "p99 < 1000 ms",
    };
    console.log(`\nAbandonment timers: alarm firing error (actual − deadline) over ${late.length}/${users} timers`);
    console.log(`  p50 ${s.p50} ms   p99 ${s.p99} ms   max ${s.max} ms   (target p99 < 1 s)`);
  }

  if (sections.includes("cdnow")) {
    results.cdnow = await replayCdnow(server, { adminCall, basic });
  }
} finally {
  await server?.stop();
}

for (const [name, script, args] of [
  ["sends", "bench/sends.mjs", []],
  ["memory", "bench/memory.mjs", []],
  ["scale", "bench/scale.mjs", []],
  ["geo", "bench/geo.mjs", []],
  ["sdk", "scripts/build-sdk.mjs", ["--report"]],
  ["bundle", "scripts/bundle-size.mjs", ["--startup"]],
  ["console", "bench/console.mjs", []],
]) {
  if (!sections.includes(name)) continue;
  if (!existsSync(script)) {
    console.log(`\n${name}: ${script} not present`);
    continue;
  }
  console.log(`\n── ${name} (${script}) ──`);
  const r = spawnSync(process.execPath, ["--expose-gc", script, ...args], {
    stdio: ["inherit", "pipe", "inherit"],
    encoding: "utf8",
  });
  process.stdout.write(r.stdout ?? "");
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith(`${name.toUpperCase()} {`));
  results[name] = line ? { ...JSON.parse(line.slice(name.length + 1)), exitCode: r.status } : { exitCode: r.status };
}

console.log("\nSUMMARY " + JSON.stringify(results));
