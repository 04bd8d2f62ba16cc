// Starts Beckon under `wrangler dev` (local D1, Durable Objects, Queues) in a fresh state directory.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import { devVars, prepareLocalDatabase, wrangler } from "../../scripts/local-env.mjs";

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Returns { base, writeKey, adminKey, stop }. Per-request logging is off: it halves throughput. */
export async function startBeckon({ vars = {}, inspector, config, migrate = [] } = {}) {
  const persist = mkdtempSync(join(tmpdir(), "beckon-bench-"));
  const keys = devVars();
  prepareLocalDatabase({
    persistTo: persist,
    writeKey: keys.DEMO_WRITE_KEY,
    adminKey: keys.DEMO_ADMIN_KEY,
    quiet: true,
  });
  // Further D1 bindings of `config` (e.g. index shards) get the same migrations.
  for (const binding of migrate)
    wrangler(["d1", "migrations", "apply", binding, "--local", "--persist-to", persist, "--config", config], {
      quiet: true,
      env: { CI: "true" },
    });
  const port = await freePort();
  const allVars = { BENCH_ROUTES: "true", ALLOW_VIRTUAL_CLOCK: "true", ...vars };
  const args = [
    "wrangler",
    "dev",
    "--local",
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    persist,
    "--log-level",
    "warn",
    "--show-interactive-dev-session=false",
    ...(config ? ["--config", config] : []),
    ...(inspector ? ["--inspector-port", String(inspector)] : []),
  ];
  for (const [k, v] of Object.entries(allVars)) args.push("--var", `${k}:${v}`);
  const child = spawn("npx", args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    detached: true,
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const res = await fetch(base + "/");
      if (res.ok) break;
    } catch {}
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`wrangler dev did not start:\n${log.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    writeKey: keys.DEMO_WRITE_KEY,
    adminKey: keys.DEMO_ADMIN_KEY,
    operatorToken: keys.OPERATOR_TOKEN,
    log: () => log,
    /** Resident memory (bytes) of the workerd processes this server started (Linux /proc; 0 elsewhere). */
    rssBytes: () => workerdRss(child.pid),
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
      rmSync(persist, { recursive: true, force: true });
    },
  };
}

/** Sum of VmRSS of the `workerd` processes in process group `pgid` (wrangler dev runs detached, so its pid is the group). */
export function workerdRss(pgid) {
  let total = 0;
  let dirs = [];
  try {
    dirs = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of dirs) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp !== pgid || !comm.startsWith("workerd")) continue;
      const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
      if (m) total += Number(m[1]) * 1024;
    } catch {}
  }
  return total;
}
