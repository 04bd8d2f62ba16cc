import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it, vi } from "vitest";
import { E2E_OPERATOR_TOKEN, type LocalWorker, startLocalWorker } from "./local-worker";
import { onboarding, runReadmeExamples } from "./openapi-client/readme-examples";

/**
 * The OpenAPI document as a client developer meets it: Redocly's recommended rules pass, a
 * client generated with openapi-typescript + openapi-fetch type-checks against the README's
 * examples and runs them against `wrangler dev`, and `/docs` renders the same document.
 */
const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
const bin = (name: string) => join(root, "node_modules/.bin", name);
const DOCUMENT = join(root, "openapi/beckon.openapi.json");

let worker: LocalWorker | undefined;
afterAll(async () => {
  await worker?.stop();
});

describe("the OpenAPI document with real tools", () => {
  it("passes redocly lint (recommended rules, redocly.yaml) with no error and no warning", async () => {
    const { stdout } = await run(bin("redocly"), ["lint", DOCUMENT, "--format", "json"], {
      cwd: root,
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      timeout: 60_000,
    }).catch((e: { stdout?: string; stderr?: string }) => {
      throw new Error(`redocly lint failed: ${e.stdout ?? ""}${e.stderr ?? ""}`.slice(0, 4000));
    });
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number; ignored: number };
      problems: Array<{ ruleId: string; message: string }>;
    };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(report.totals.warnings).toBe(0);
  }, 90_000);

  it("the generated client type-checks against the README's examples (tsc), and the onboarding campaign is the README's own", async () => {
    await run(bin("tsc"), ["-p", join(import.meta.dirname, "openapi-client/tsconfig.json")], {
      cwd: root,
      timeout: 120_000,
    }).catch((e: { stdout?: string }) => {
      throw new Error(`tsc: ${e.stdout ?? e}`.slice(0, 4000));
    });
    const readme = await readFile(join(root, "docs/campaigns.md"), "utf8");
    const block = /Onboarding — welcome now[^\n]*\n+```json\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block, "docs/campaigns.md: the Onboarding worked example").toBeDefined();
    expect(JSON.parse(block!)).toEqual(onboarding);
    // The reference shows the same campaign as its example.
    const doc = JSON.parse(await readFile(DOCUMENT, "utf8")) as {
      components: { schemas: Record<string, { example?: unknown }> };
    };
    expect(doc.components.schemas.CampaignDefinitionInput!.example).toEqual(onboarding);
  }, 150_000);

  it("runs the README's examples through the generated client against the local Worker, which serves this document and /docs", async () => {
    worker = await startLocalWorker();
    const served = await (await fetch(`${worker.url}/openapi.json`)).json();
    expect(served).toEqual(JSON.parse(await readFile(DOCUMENT, "utf8")));

    const result = await runReadmeExamples(worker.url, E2E_OPERATOR_TOKEN);
    expect(result.serverKeyPrefix).toMatch(/^bk_s_/);
    expect(result.campaignStatus).toBe("active");
    expect(result.trackAccepted).toBe(1);
    expect(result.profile).toMatchObject({ userId: "ada", firstName: "Ada", lifecycle: "new" });
    expect(result.profile.events).toBeGreaterThanOrEqual(2);
    expect(result.unknownUser).toEqual({ status: 404, code: "not_found" });
    // The signed-up person entered the onboarding journey: the campaign is on their timeline.
    await vi.waitFor(
      async () => {
        const timeline = await fetch(`${worker!.url}/admin/users/ada/timeline`, {
          headers: { authorization: `Bearer ${result.adminKey}` },
        });
        expect(await timeline.text()).toContain(result.campaignId);
      },
      { timeout: 15_000, interval: 500 },
    );

    const docs = await fetch(`${worker.url}/docs`);
    const html = await docs.text();
    expect(docs.status).toBe(200);
    expect(docs.headers.get("content-type")).toContain("text/html");
    expect(html).toContain("<title>Beckon API</title>");
  }, 180_000);
});
