import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * The Worker as a developer runs it: `wrangler dev` on a free port with its own local
 * D1 (migrations applied with `wrangler d1 migrations apply --local`) in a temp dir.
 */
const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const wrangler = join(root, "node_modules/.bin/wrangler");

export const E2E_OPERATOR_TOKEN = "e2e-operator-token";

export interface LocalWorker {
  url: string;
  persistDir: string;
  /** Runs SQL against the local D1 (as the Worker sees it). */
  d1<T>(sql: string): Promise<T[]>;
  stop(): Promise<void>;
  /** SIGKILL of wrangler and workerd, as a crash: the state in `persistDir` stays for a restart. */
  kill(): Promise<void>;
  logs(): string;
}

export interface LocalWorkerOptions {
  /** Start on the state a killed worker left (migrations are already applied). */
  persistDir?: string;
  /** Extra `--var NAME:value` bindings. */
  vars?: Record<string, string>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startLocalWorker(opts: LocalWorkerOptions = {}): Promise<LocalWorker> {
  const persistDir = opts.persistDir ?? (await mkdtemp(join(tmpdir(), "beckon-e2e-")));
  const env = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  if (!opts.persistDir)
    await run(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistDir], {
      cwd: root,
      env,
      timeout: 120_000,
    });
  const extraVars = Object.entries(opts.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);

  const port = await freePort();
  const inspector = await freePort();
  let output = "";
  const child: ChildProcess = spawn(
    wrangler,
    [
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspector),
      "--persist-to",
      persistDir,
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
      "--var",
      `OPERATOR_TOKEN:${E2E_OPERATOR_TOKEN}`,
      // Off unless a test asks for it (a replay in virtual time).
      ...(opts.vars?.ALLOW_VIRTUAL_CLOCK ? [] : ["--var", "ALLOW_VIRTUAL_CLOCK:false"]),
      ...extraVars,
    ],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  child.stdout!.on("data", (d) => (output += String(d)));
  child.stderr!.on("data", (d) => (output += String(d)));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      // wrangler runs workerd as a child: end the whole process group we started.
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await new Promise((r) => setTimeout(r, 500));
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await rm(persistDir, { recursive: true, force: true });
  };
  const kill = async () => {
    if (child.exitCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
      await new Promise<void>((r) =>
        child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r()),
      );
    }
  };

  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output}`);
    try {
      const res = await fetch(url + "/");
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not start within 90 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }

  return {
    url,
    persistDir,
    stop,
    kill,
    logs: () => output,
    async d1<T>(sql: string): Promise<T[]> {
      const { stdout } = await run(
        wrangler,
        ["d1", "execute", "DB", "--local", "--persist-to", persistDir, "--json", "--command", sql],
        { cwd: root, env, timeout: 60_000 },
      );
      const parsed = JSON.parse(stdout) as Array<{ results: T[] }>;
      return parsed[0]?.results ?? [];
    },
  };
}
