// Shared by `npm start` and `npm run bench`: local D1 migrations and the demo app, no Cloudflare account needed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const DEV_VARS_DEFAULTS = {
  OPERATOR_TOKEN: "dev-operator-token",
  DEMO_WRITE_KEY: "demo-write-key",
  DEMO_ADMIN_KEY: "demo-admin-key",
  ALLOW_VIRTUAL_CLOCK: "false",
};

/** Reads .dev.vars (KEY=value lines), creating it with the defaults if it is missing. */
export function devVars(path = ".dev.vars") {
  if (!existsSync(path)) {
    writeFileSync(
      path,
      Object.entries(DEV_VARS_DEFAULTS)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n") + "\n",
    );
    console.log(`created ${path} with the demo credentials`);
  }
  const vars = { ...DEV_VARS_DEFAULTS };
  for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return vars;
}

const sha256 = (s) => createHash("sha256").update(s).digest("hex");
const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

export function wrangler(args, opts = {}) {
  return execFileSync("npx", ["wrangler", ...args], {
    stdio: opts.quiet ? "pipe" : "inherit",
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...opts.env },
  });
}

/** Applies D1 migrations locally and upserts the demo app with its keys (hashes only). */
export function prepareLocalDatabase({ persistTo, appId = "demo", writeKey, adminKey, quiet = false }) {
  const persist = persistTo ? ["--persist-to", persistTo] : [];
  wrangler(["d1", "migrations", "apply", "DB", "--local", ...persist], { quiet, env: { CI: "true" } });
  const now = Date.now();
  const sql = [
    `INSERT INTO apps (id, name, settings, config_version, created_at) VALUES (${quote(appId)}, 'Demo shop', '{"identityVerification":"off"}', 1, ${now}) ON CONFLICT(id) DO NOTHING;`,
    `DELETE FROM api_keys WHERE app_id = ${quote(appId)} AND label = 'demo';`,
    `INSERT INTO api_keys (key_hash, app_id, kind, label, prefix, created_at) VALUES (${quote(sha256(writeKey))}, ${quote(appId)}, 'write', 'demo', ${quote(writeKey.slice(0, 10))}, ${now});`,
    `INSERT INTO api_keys (key_hash, app_id, kind, label, prefix, created_at) VALUES (${quote(sha256(adminKey))}, ${quote(appId)}, 'admin', 'demo', ${quote(adminKey.slice(0, 10))}, ${now});`,
  ].join("\n");
  wrangler(["d1", "execute", "DB", "--local", ...persist, "--command", sql], { quiet: true });
}
