// `npm start`: Beckon on http://localhost:8787 with local D1, Durable Objects and Queues,
// migrations applied and a demo app ready. No Cloudflare account or provider credentials needed:
// channels without credentials use the built-in sandbox provider (GET /admin/sends).
import { spawn } from "node:child_process";
import { seedDemo } from "./demo-seed.mjs";
import { devVars, prepareLocalDatabase } from "./local-env.mjs";

const vars = devVars();
const port = process.env.PORT ?? "8787";
prepareLocalDatabase({ writeKey: vars.DEMO_WRITE_KEY, adminKey: vars.DEMO_ADMIN_KEY });

console.log(`
Beckon is starting on http://localhost:${port}
  demo app:   demo
  write key:  ${vars.DEMO_WRITE_KEY}   (SDK: Basic auth username, or "writeKey" in the body)
  admin key:  ${vars.DEMO_ADMIN_KEY}   (Authorization: Bearer …)
  try:        curl -u ${vars.DEMO_WRITE_KEY}: -H 'content-type: application/json' \\
                -d '{"userId":"ada","event":"Signed Up"}' http://localhost:${port}/v1/track
              curl -H 'authorization: Bearer ${vars.DEMO_ADMIN_KEY}' http://localhost:${port}/admin/users/ada
  demo shop:  http://localhost:${port}/demo?writeKey=${vars.DEMO_WRITE_KEY}
  console:    http://localhost:${port}/console/   (sign in with the admin key)
`);
// DEMO_TOKENS: the demo shop mints its own user tokens (POST /demo/token, for the demo app only).
// PUBLIC_URL follows PORT (Twilio signatures and unsubscribe links are built on it) unless set explicitly.
const publicUrl = process.env.PUBLIC_URL ?? vars.PUBLIC_URL ?? `http://localhost:${port}`;
const dev = spawn(
  "npx",
  [
    "wrangler",
    "dev",
    "--port",
    port,
    "--local",
    "--var",
    "DEMO_TOKENS:true",
    "--var",
    `PUBLIC_URL:${publicUrl}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => dev.kill(sig));
dev.on("exit", (code) => process.exit(code ?? 0));

// Once the Worker answers, give a fresh demo app its sample campaigns and shoppers (once per local database).
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 120; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const up = await fetch(`${base}/`).then(
    (r) => r.ok,
    () => false,
  );
  if (!up) continue;
  try {
    const result = await seedDemo({ base, adminKey: vars.DEMO_ADMIN_KEY, writeKey: vars.DEMO_WRITE_KEY });
    if (result.seeded)
      console.log(`demo app seeded: ${result.campaigns} sample campaigns and sample shoppers (see the console)`);
  } catch (err) {
    console.error(`could not seed the demo app (Beckon still runs): ${err.message}`);
  }
  break;
}
