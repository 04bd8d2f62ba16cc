// Replays the CDNOW purchase log (69,659 purchases of 23,570 customers) as `Order Completed` events,
// in original time order under a virtual clock, then advances every user to the end of the data.
import { existsSync, readFileSync } from "node:fs";
import { fmt } from "./load.mjs";

const CANDIDATES = ["../shared/data/CDNOW_master.txt", "test/fixtures/CDNOW_master.txt"];

export function loadCdnow() {
  const path = CANDIDATES.find((p) => existsSync(p));
  if (!path) throw new Error(`CDNOW_master.txt not found (looked in ${CANDIDATES.join(", ")})`);
  const rows = [];
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const m = /^\s*(\d+)\s+(\d{8})\s+(\d+)\s+([\d.]+)\s*$/.exec(line);
    if (!m) continue;
    const d = m[2];
    rows.push({
      customer: m[1],
      at: Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), 12),
      cds: +m[3],
      dollars: +m[4],
    });
  }
  rows.forEach((r, i) => (r.seq = i));
  rows.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return rows;
}

export async function replayCdnow(server, _shared, { workers = 6, batchSize = 100 } = {}) {
  const rows = loadCdnow();
  // A fresh app of its own, so users of the other bench sections do not mix into the distribution.
  const created = await fetch(server.base + "/admin/apps", {
    method: "POST",
    headers: { authorization: `Bearer ${server.operatorToken}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "CDNOW replay", settings: { identityVerification: "off" } }),
  }).then((r) => r.json());
  const adminCall = async (path, init = {}) => {
    const res = await fetch(server.base + path, {
      ...init,
      headers: {
        authorization: `Bearer ${created.adminKey}`,
        "content-type": "application/json",
        ...(init.headers ?? {}),
      },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const basic = () => ({ authorization: `Basic ${Buffer.from(`${created.writeKey}:`).toString("base64")}` });
  const customers = new Set(rows.map((r) => r.customer)).size;
  console.log(`\nCDNOW replay: ${rows.length} purchases of ${customers} customers, in time order, virtual clock`);
  // Each worker owns a slice of customers, so one person's events stay in order.
  const slices = Array.from({ length: workers }, () => []);
  for (const r of rows) slices[Number(r.customer) % workers].push(r);
  let sent = 0;
  let rejected = 0;
  const start = performance.now();
  await Promise.all(
    slices.map(async (slice) => {
      for (let i = 0; i < slice.length; i += batchSize) {
        const chunk = slice.slice(i, i + batchSize);
        const clock = chunk[chunk.length - 1].at;
        const body = {
          batch: chunk.map((r) => ({
            type: "track",
            userId: `cdnow-${r.customer}`,
            event: "Order Completed",
            messageId: `cdnow-${r.seq}`,
            timestamp: new Date(r.at).toISOString(),
            properties: { revenue: r.dollars, quantity: r.cds },
          })),
        };
        const res = await fetch(server.base + "/v1/batch", {
          method: "POST",
          headers: { "content-type": "application/json", "x-beckon-clock": String(clock), ...basic() },
          body: JSON.stringify(body),
        });
        const out = await res.json();
        if (!res.ok) rejected += chunk.length;
        sent += out.applied ?? 0;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `  ingested ${sent} events in ${fmt(seconds)} s = ${fmt(sent / seconds, 0)} events/s (rejected ${rejected})`,
  );

  // Advance every user to the end of the data (1998-07-01): lifecycle timers fire in virtual time.
  const end = Date.UTC(1998, 6, 1);
  // Every customer's index row arrives through the queue before time is advanced for them.
  for (let i = 0; i < 120 && (await adminCall("/admin/segments/lifecycle")).total < customers; i++)
    await new Promise((r) => setTimeout(r, 1000));
  const advance = async (at) => {
    const tickStart = performance.now();
    let after = "";
    let fired = 0;
    let ticked = 0;
    for (;;) {
      const page = await adminCall(`/admin/tick?limit=500${after ? `&after=${encodeURIComponent(after)}` : ""}`, {
        method: "POST",
        headers: { "x-beckon-clock": String(at) },
      });
      fired += page.fired;
      ticked += page.users;
      if (!page.next) break;
      after = page.next;
    }
    console.log(
      `  advanced ${ticked} users to ${new Date(at).toISOString().slice(0, 10)} in ${fmt((performance.now() - tickStart) / 1000)} s (${fired} timers fired)`,
    );
  };
  await advance(end);
  let lifecycle;
  for (let i = 0; i < 40; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    lifecycle = await adminCall("/admin/segments/lifecycle");
    if (
      lifecycle.total >= customers &&
      lifecycle.states.new === 0 &&
      lifecycle.states.active + lifecycle.states.dormant + lifecycle.states.churned === lifecycle.total
    )
      break;
  }
  console.log(`  lifecycle on 1998-07-01: ${JSON.stringify(lifecycle)}`);
  const result = { events: sent, customers, seconds: +fmt(seconds), eventsPerSec: +fmt(sent / seconds, 0), lifecycle };
  try {
    const recompute = await adminCall("/admin/segments/recompute", {
      method: "POST",
      headers: { "x-beckon-clock": String(end) },
    });
    // Objects re-score with the new model on their daily timer: advance one more day, let the index catch up.
    await advance(end + 86_400_000);
    await new Promise((r) => setTimeout(r, 8000));
    const rfm = await adminCall("/admin/segments/rfm", { headers: { "x-beckon-clock": String(end + 86_400_000) } });
    result.models = recompute;
    result.rfm = rfm;
    console.log(`  nightly job (RFM cut points, BG/NBD fit): ${JSON.stringify(recompute).slice(0, 600)}`);
    console.log(`  RFM segments: ${JSON.stringify(rfm.segments)}`);
    console.log(`  churn bands: ${JSON.stringify(rfm.churnBands)}`);
  } catch (err) {
    console.log(`  (segments job not available: ${err.message.slice(0, 200)})`);
  }
  return result;
}
